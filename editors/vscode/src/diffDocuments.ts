// Read-only virtual documents for the before/after text of an edit, shown in the diff editor.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { DiffContent } from './core/protocol';

const SCHEME = 'claude-lsp-diff';
/** Enough for the diffs a user might still be looking at; older ones are dropped. */
const KEPT = 40;

export class DiffDocuments implements vscode.TextDocumentContentProvider {
  private readonly texts = new Map<string, string>();
  private counter = 0;

  register(): vscode.Disposable {
    return vscode.workspace.registerTextDocumentContentProvider(SCHEME, this);
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? '';
  }

  /** Opens the diff of one edit; returns the right-hand URI, to find its tab later. */
  async show(diff: DiffContent, title: string, preserveFocus: boolean): Promise<vscode.Uri> {
    const id = ++this.counter;
    const name = path.basename(diff.path);
    const before = this.store(vscode.Uri.from({ scheme: SCHEME, path: `/${id}/before/${name}`, query: diff.path }), diff.oldText ?? '');
    const after = this.store(vscode.Uri.from({ scheme: SCHEME, path: `/${id}/after/${name}`, query: diff.path }), diff.newText);
    await vscode.commands.executeCommand('vscode.diff', before, after, title, { preview: true, preserveFocus });
    return after;
  }

  /** Closes the diff tab opened for a question once it is answered. */
  async close(after: vscode.Uri): Promise<void> {
    const tabs = vscode.window.tabGroups.all.flatMap((group) => group.tabs).filter((tab) => tab.input instanceof vscode.TabInputTextDiff && tab.input.modified.toString() === after.toString());
    await vscode.window.tabGroups.close(tabs);
  }

  private store(uri: vscode.Uri, text: string): vscode.Uri {
    this.texts.set(uri.toString(), text);
    while (this.texts.size > KEPT * 2) {
      const oldest = this.texts.keys().next().value;
      if (oldest === undefined) {
        break;
      }
      this.texts.delete(oldest);
    }
    return uri;
  }
}
