// Editor facts the chat needs: the session's folder and where the user is.
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ActiveEditor } from './core/promptParams';

/** The folder new sessions work in: the first workspace folder, else the active file's. */
export function sessionFolder(): string {
  const folder = vscode.workspace.workspaceFolders?.find((candidate) => candidate.uri.scheme === 'file');
  if (folder !== undefined) {
    return folder.uri.fsPath;
  }
  const active = vscode.window.activeTextEditor?.document.uri;
  return active?.scheme === 'file' ? path.dirname(active.fsPath) : os.homedir();
}

export function activeEditor(): ActiveEditor | undefined {
  const editor = vscode.window.activeTextEditor;
  if (editor === undefined) {
    return undefined;
  }
  return {
    uri: editor.document.uri.toString(),
    version: editor.document.version,
    selections: editor.selections.map((selection) => ({
      start: { line: selection.start.line, character: selection.start.character },
      end: { line: selection.end.line, character: selection.end.character },
    })),
  };
}
