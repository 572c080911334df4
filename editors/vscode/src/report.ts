// One way to report a failed action: the log keeps the details, a popup says what failed,
// with the server's hints (e.g. where to put a missing key).
import * as vscode from 'vscode';
import { describeError } from './core/errors';

export function reportError(output: vscode.LogOutputChannel, action: string, error: unknown): void {
  const description = describeError(error);
  output.error(`${action}: ${description}`);
  void vscode.window.showErrorMessage(`Claude: ${description}`);
}
