// The palette commands. Their ids start with claudeLsp.: the server's own claude.* commands
// are registered by the language client, and an id may be registered only once.
import * as vscode from 'vscode';
import { ExecuteCommandRequest, type LanguageClient } from 'vscode-languageclient/node';
import type { ChatViewProvider } from './chatView';
import type { ListSessionsResult, SessionSummary } from './core/protocol';
import type { SessionController } from './core/sessionController';
import { reportError } from './report';
import { activeEditor, sessionFolder } from './workspace';

export interface CommandContext {
  client: () => LanguageClient;
  chat: SessionController;
  view: ChatViewProvider;
  output: vscode.LogOutputChannel;
  restart: () => Promise<void>;
}

async function runServerCommand(ctx: CommandContext, command: string, args: unknown[]): Promise<unknown> {
  return ctx.client().sendRequest(ExecuteCommandRequest.type, { command, arguments: args });
}

export async function newSession(ctx: CommandContext): Promise<void> {
  if (ctx.chat.busy) {
    await ctx.chat.cancel();
  }
  await ctx.chat.newSession(sessionFolder());
  await ctx.view.reveal();
}

export async function pickSession(ctx: CommandContext): Promise<void> {
  if (ctx.chat.busy) {
    void vscode.window.showWarningMessage('Claude is working; stop it before opening another session.');
    return;
  }
  const sessions = await allSessions(ctx.chat, sessionFolder());
  if (sessions.length === 0) {
    void vscode.window.showInformationMessage('There are no earlier Claude sessions for this folder.');
    return;
  }
  const picked = await vscode.window.showQuickPick(
    sessions.map((session) => ({ label: session.title === '' ? '(untitled)' : session.title, description: new Date(session.updatedAt).toLocaleString(), detail: session.sessionId, session })),
    { title: 'Open an earlier Claude session', matchOnDetail: true },
  );
  if (picked !== undefined) {
    await ctx.chat.loadSession(picked.session.sessionId);
    await ctx.view.reveal();
  }
}

/** The server lists a folder's sessions a page at a time. */
async function allSessions(chat: SessionController, cwd: string): Promise<SessionSummary[]> {
  const sessions: SessionSummary[] = [];
  let page: ListSessionsResult | undefined;
  do {
    page = await chat.listSessions(cwd, page?.nextCursor);
    sessions.push(...page.sessions);
  } while (page.nextCursor !== undefined);
  return sessions;
}

export async function switchMode(ctx: CommandContext, modeId?: string): Promise<void> {
  // The modes (and their descriptions) are the session's, as the server lists them.
  await ctx.chat.ensureSession(sessionFolder());
  let chosen = modeId;
  if (chosen === undefined) {
    const modes = ctx.chat.modes;
    const current = ctx.chat.transcript.modeId;
    const picked = await vscode.window.showQuickPick(
      modes.map((mode) => ({ label: mode.name, description: mode.id === current ? 'current' : undefined, detail: mode.description, id: mode.id })),
      { title: 'Claude permission mode' },
    );
    chosen = picked?.id;
  }
  if (chosen !== undefined) {
    await ctx.chat.setMode(chosen);
  }
}

async function askAboutSelection(ctx: CommandContext): Promise<void> {
  const editor = activeEditor();
  const question = await vscode.window.showInputBox({ title: 'Ask Claude', prompt: 'The file and selection of the active editor go with your question.', placeHolder: 'What does this code do?' });
  if (question === undefined || question.trim() === '') {
    return;
  }
  await ctx.view.reveal();
  await ctx.chat.prompt(question.trim(), editor, sessionFolder());
}

async function addSelectionToChat(ctx: CommandContext): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (editor === undefined || editor.selection.isEmpty) {
    void vscode.window.showInformationMessage('Select some code first.');
    return;
  }
  // The server quotes the selection into the next prompt of this client's latest session,
  // so that session must exist first.
  await ctx.chat.ensureSession(sessionFolder());
  const range = ctx.client().code2ProtocolConverter.asRange(editor.selection);
  await runServerCommand(ctx, 'claude.addToChat', [{ uri: editor.document.uri.toString(), range }]);
  await ctx.view.reveal();
}

async function reviewFile(ctx: CommandContext, target: unknown): Promise<void> {
  // From the explorer's context menu the target is the file; from the palette, the editor's.
  const uri = target instanceof vscode.Uri ? target : vscode.window.activeTextEditor?.document.uri;
  if (uri?.scheme !== 'file') {
    void vscode.window.showInformationMessage('Open a file to review first.');
    return;
  }
  await review(ctx, uri);
}

async function review(ctx: CommandContext, uri: vscode.Uri | undefined): Promise<void> {
  const args = uri === undefined ? [] : [{ uri: uri.toString() }];
  // The server reports progress and the findings (diagnostics, a message) itself.
  await runServerCommand(ctx, 'claude.review', args);
}

async function cancel(ctx: CommandContext): Promise<void> {
  if (ctx.chat.busy) {
    await ctx.chat.cancel();
    return;
  }
  // Nothing runs in the chat: stop the server's other work (code action tasks, reviews).
  await runServerCommand(ctx, 'claude.cancel', []);
}

export function registerCommands(ctx: CommandContext): vscode.Disposable[] {
  const guarded = (name: string, action: (...args: unknown[]) => Promise<void>) =>
    vscode.commands.registerCommand(name, async (...args: unknown[]) => {
      try {
        await action(...args);
      } catch (error) {
        reportError(ctx.output, name, error);
      }
    });
  return [
    guarded('claudeLsp.openChat', () => ctx.view.reveal()),
    guarded('claudeLsp.newSession', () => newSession(ctx)),
    guarded('claudeLsp.cancel', () => cancel(ctx)),
    guarded('claudeLsp.switchMode', () => switchMode(ctx)),
    guarded('claudeLsp.pickSession', () => pickSession(ctx)),
    guarded('claudeLsp.askAboutSelection', () => askAboutSelection(ctx)),
    guarded('claudeLsp.addSelectionToChat', () => addSelectionToChat(ctx)),
    guarded('claudeLsp.reviewFile', (target) => reviewFile(ctx, target)),
    guarded('claudeLsp.reviewChanges', () => review(ctx, undefined)),
    guarded('claudeLsp.restartServer', () => ctx.restart()),
    guarded('claudeLsp.showLogs', () => {
      ctx.output.show();
      return Promise.resolve();
    }),
  ];
}
