// Builds claude/session/prompt params: the typed text plus where the user is in the editor.
import type { EditorContext, PromptParams, Range } from './protocol';

export interface ActiveEditor {
  uri: string;
  version: number;
  /** Selections, an empty one being the cursor; the server quotes the selected lines. */
  selections: Range[];
}

export function editorContextOf(editor: ActiveEditor | undefined): EditorContext | undefined {
  if (editor === undefined || !editor.uri.startsWith('file:')) {
    return undefined;
  }
  return {
    textDocument: { uri: editor.uri, version: editor.version },
    ranges: editor.selections.map((range) => ({ start: { ...range.start }, end: { ...range.end } })),
  };
}

export function buildPromptParams(sessionId: string, text: string, editor: ActiveEditor | undefined): PromptParams {
  const params: PromptParams = { sessionId, prompt: [{ type: 'text', text }] };
  const context = editorContextOf(editor);
  if (context !== undefined) {
    params.editorContext = context;
  }
  return params;
}
