// The status bar item: model · mode, a spinner while Claude works; a click opens the chat.
import * as vscode from 'vscode';
import type { SessionController } from './core/sessionController';
import { type ServerState, statusText } from './core/statusText';

export class ClaudeStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('claudeLsp.status', vscode.StatusBarAlignment.Right, 100);
  private server: ServerState = 'starting';

  constructor(private readonly chat: SessionController) {
    this.item.name = 'Claude';
    this.item.command = 'claudeLsp.openChat';
    this.refresh();
    this.item.show();
  }

  setServerState(state: ServerState): void {
    this.server = state;
    this.refresh();
  }

  refresh(): void {
    const view = this.chat.view();
    const { text, tooltip } = statusText({ server: this.server, model: view.model, modeId: view.modeId, modes: view.modes, busy: view.busy, costUsd: view.costUsd });
    this.item.text = text;
    this.item.tooltip = tooltip;
  }

  dispose(): void {
    this.item.dispose();
  }
}
