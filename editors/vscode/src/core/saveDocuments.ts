// Answers claude/saveDocuments: saves the agent-edited buffers a shell tool is about to read.
import type { SaveDocumentsResult } from './protocol';

export interface SavableDocument {
  isDirty: boolean;
  save(): PromiseLike<boolean>;
}

/** A URI counts as saved when its buffer was saved now, was already clean, or is not open
 * (the disk then holds the only copy); the server does not ask again about those. */
export async function saveDocuments(uris: string[], openDocument: (uri: string) => SavableDocument | undefined): Promise<SaveDocumentsResult> {
  const saved: string[] = [];
  for (const uri of uris) {
    const document = openDocument(uri);
    if (document === undefined || !document.isDirty || (await saveQuietly(document))) {
      saved.push(uri);
    }
  }
  return { saved };
}

async function saveQuietly(document: SavableDocument): Promise<boolean> {
  try {
    return await document.save();
  } catch {
    // Reported as not saved; the server logs it and runs the tool anyway.
    return false;
  }
}
