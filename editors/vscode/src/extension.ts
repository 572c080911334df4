// Entry point: starts claude-lsp, connects the chat, the permission questions, document
// saving and the status bar to it, and registers the commands.
import * as vscode from 'vscode';
import { State, type LanguageClient } from 'vscode-languageclient/node';
import { ChatViewProvider, CHAT_VIEW_ID } from './chatView';
import { createClient, serverCommand } from './client';
import { RESTART_SETTINGS, SECTION, readSettings } from './config';
import { registerCommands, newSession, pickSession, switchMode, type CommandContext } from './commands';
import { Methods, type RequestPermissionParams, type SaveDocumentsParams, type SessionNotification } from './core/protocol';
import { saveDocuments } from './core/saveDocuments';
import { SessionController } from './core/sessionController';
import { claudeSettingsObject } from './core/settings';
import { toolLocation } from './core/toolLocation';
import type { FromWebview } from './core/webviewMessages';
import { DiffDocuments } from './diffDocuments';
import { askPermission } from './permissionPrompt';
import { reportError } from './report';
import { ClaudeStatusBar } from './statusBar';
import { activeEditor, sessionFolder } from './workspace';

let client: LanguageClient | undefined;

/** The chat's calls go to whichever client is current, so a restart needs no rewiring. */
function currentClient(): LanguageClient {
  if (client === undefined) {
    throw new Error('claude-lsp is not running; run "Claude: Restart Server".');
  }
  return client;
}

function connectClient(next: LanguageClient, chat: SessionController, diffs: DiffDocuments, status: ClaudeStatusBar): { dispose(): void }[] {
  return [
    next.onNotification(Methods.sessionUpdate, (notification: SessionNotification) => {
      chat.handleNotification(notification);
    }),
    next.onRequest(Methods.requestPermission, (params: RequestPermissionParams) => askPermission(params, diffs, chat)),
    next.onRequest(Methods.saveDocuments, (params: SaveDocumentsParams) =>
      saveDocuments(params.uris, (uri) => vscode.workspace.textDocuments.find((document) => document.uri.toString() === uri)),
    ),
    next.onDidChangeState(({ newState }) => {
      status.setServerState(newState === State.Running ? 'running' : newState === State.Starting ? 'starting' : 'stopped');
      if (newState !== State.Running) {
        chat.sessionLost();
      }
    }),
  ];
}

async function openToolLocation(chat: SessionController, toolCallId: string, index: number): Promise<void> {
  const location = toolLocation(chat.transcript, toolCallId, index);
  if (location === undefined) {
    return;
  }
  const uri = vscode.Uri.file(location.path);
  if ((await vscode.workspace.fs.stat(uri)).type & vscode.FileType.Directory) {
    await vscode.commands.executeCommand('revealInExplorer', uri);
    return;
  }
  const document = await vscode.workspace.openTextDocument(uri);
  const line = Math.min((location.line ?? 1) - 1, document.lineCount - 1);
  const position = new vscode.Position(line, 0);
  await vscode.window.showTextDocument(document, { selection: new vscode.Range(position, position), preview: true });
}

async function showToolDiff(chat: SessionController, diffs: DiffDocuments, toolCallId: string): Promise<void> {
  const tool = chat.transcript.findTool(toolCallId)?.tool;
  const diff = tool?.content.find((item) => item.type === 'diff');
  if (tool !== undefined && diff?.type === 'diff') {
    await diffs.show(diff, `Claude: ${tool.title}`, false);
  }
}

async function offerSetup(output: vscode.LogOutputChannel): Promise<void> {
  const choice = await vscode.window.showErrorMessage(
    'claude-lsp was not found. Is it installed? Set "claudeLsp.serverPath" (or "claudeLsp.pythonPath" for python -m claude_lsp).',
    'Open Settings',
    'Show Log',
  );
  if (choice === 'Open Settings') {
    await vscode.commands.executeCommand('workbench.action.openSettings', SECTION);
  } else if (choice === 'Show Log') {
    output.show();
  }
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel('claude-lsp', { log: true });
  const chat = new SessionController({
    sendRequest: (method, params) => currentClient().sendRequest(method, params),
    sendNotification: (method, params) => currentClient().sendNotification(method, params),
  });
  const diffs = new DiffDocuments();
  const status = new ClaudeStatusBar(chat);
  let clientSubscriptions: { dispose(): void }[] = [];

  const onWebviewMessage = async (message: FromWebview): Promise<void> => {
    switch (message.type) {
      case 'send':
        await chat.prompt(message.text, activeEditor(), sessionFolder());
        return;
      case 'cancel':
        await chat.cancel();
        return;
      case 'newSession':
        await newSession(commandContext);
        return;
      case 'pickSession':
        await pickSession(commandContext);
        return;
      case 'setMode':
        await switchMode(commandContext, message.modeId);
        return;
      case 'openLocation':
        await openToolLocation(chat, message.toolCallId, message.index);
        return;
      case 'showDiff':
        await showToolDiff(chat, diffs, message.toolCallId);
        return;
      case 'ready':
        return;
    }
  };
  const view = new ChatViewProvider(context.extensionUri, chat, onWebviewMessage, output);

  const disconnect = (): void => {
    client = undefined;
    for (const subscription of clientSubscriptions) {
      subscription.dispose();
    }
    clientSubscriptions = [];
  };
  const start = async (): Promise<void> => {
    status.setServerState('starting');
    const command = serverCommand(output);
    if (command === undefined) {
      status.setServerState('stopped');
      await offerSetup(output);
      return;
    }
    const next = createClient(output, command);
    client = next;
    clientSubscriptions = connectClient(next, chat, diffs, status);
    try {
      await next.start();
    } catch (error) {
      // The language client has shown its own error; the log says which command failed.
      output.error(`The server did not start: ${error instanceof Error ? error.message : String(error)}`);
      disconnect();
      status.setServerState('stopped');
      await next.dispose().catch(() => undefined);
    }
  };
  const stop = async (): Promise<void> => {
    const running = client;
    disconnect();
    if (running?.needsStop() === true) {
      await running.stop();
    }
  };
  const restart = async (): Promise<void> => {
    await stop();
    chat.sessionLost();
    await start();
  };

  const commandContext: CommandContext = { client: currentClient, chat, view, output, restart };
  context.subscriptions.push(
    output,
    status,
    view,
    diffs.register(),
    vscode.window.registerWebviewViewProvider(CHAT_VIEW_ID, view),
    chat.onEvent(() => {
      status.refresh();
    }),
    ...registerCommands(commandContext),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (!event.affectsConfiguration(SECTION)) {
        return;
      }
      if (RESTART_SETTINGS.some((key) => event.affectsConfiguration(key))) {
        const choice = await vscode.window.showInformationMessage('Restart claude-lsp to use the new settings?', 'Restart');
        if (choice === 'Restart') {
          await restart();
        }
        return;
      }
      // Model, mode and the like apply to sessions created from now on. The whole object
      // replaces what the server had, so a cleared setting is gone there too.
      await client?.sendNotification('workspace/didChangeConfiguration', { settings: { claude: claudeSettingsObject(readSettings()) } }).catch((error: unknown) => {
        reportError(output, 'Sending the settings', error);
      });
    }),
  );
  await start();
}

export async function deactivate(): Promise<void> {
  if (client?.needsStop() === true) {
    await client.stop();
  }
}
