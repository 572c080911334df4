// Puts the server's permission questions to the user: the diff in VS Code's diff editor,
// then a modal with the server's options.
import * as vscode from 'vscode';
import { outcomeForButton, permissionQuestion } from './core/permission';
import type { PermissionOutcome, RequestPermissionParams } from './core/protocol';
import type { SessionController } from './core/sessionController';
import type { DiffDocuments } from './diffDocuments';

export async function askPermission(params: RequestPermissionParams, diffs: DiffDocuments, chat: SessionController): Promise<PermissionOutcome> {
  const question = permissionQuestion(params);
  chat.setAwaitingPermission(params.sessionId, params.toolCall.toolCallId, true);
  let diffTab: vscode.Uri | undefined;
  try {
    if (question.diff !== undefined) {
      diffTab = await diffs.show(question.diff, `Claude: ${params.toolCall.title ?? question.diff.path}`, true);
    }
    const choice = await vscode.window.showWarningMessage(question.message, { modal: true, detail: question.detail }, ...question.buttons);
    return outcomeForButton(params, choice);
  } finally {
    chat.setAwaitingPermission(params.sessionId, params.toolCall.toolCallId, false);
    if (diffTab !== undefined) {
      await diffs.close(diffTab);
    }
  }
}
