// The chat webview in the sidebar: sends the controller's changes to the page (batched,
// so streaming text does not flood it) and hands the page's actions to the extension.
import * as crypto from 'node:crypto';
import * as vscode from 'vscode';
import type { ControllerEvent, SessionController } from './core/sessionController';
import type { Entry } from './core/transcript';
import { type FromWebview, parseFromWebview, type ToWebview } from './core/webviewMessages';
import { reportError } from './report';

export const CHAT_VIEW_ID = 'claudeLsp.chat';
/** Streamed chunks arriving within this window reach the page as one message. */
const BATCH_MS = 30;

export type ChatAction = (message: FromWebview) => Promise<void>;

export class ChatViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  private view: vscode.WebviewView | undefined;
  private readonly pending = new Map<string, Entry>();
  private readonly removed = new Set<string>();
  private planChanged = false;
  private sessionChanged = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly subscription: { dispose(): void };

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly chat: SessionController,
    private readonly act: ChatAction,
    private readonly output: vscode.LogOutputChannel,
  ) {
    this.subscription = chat.onEvent((event) => {
      this.onControllerEvent(event);
    });
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    const media = vscode.Uri.joinPath(this.extensionUri, 'media');
    const scripts = vscode.Uri.joinPath(this.extensionUri, 'out', 'webview');
    view.webview.options = { enableScripts: true, localResourceRoots: [media, scripts] };
    view.webview.html = this.html(view.webview, media, scripts);
    view.webview.onDidReceiveMessage(async (raw: unknown) => {
      const message = parseFromWebview(raw);
      if (message === undefined) {
        return;
      }
      if (message.type === 'ready') {
        this.postReset();
        return;
      }
      try {
        await this.act(message);
      } catch (error) {
        reportError(this.output, `chat view ${message.type}`, error);
      }
    });
    view.onDidDispose(() => {
      this.view = undefined;
    });
  }

  /** Shows the view, focusing it. */
  async reveal(): Promise<void> {
    await vscode.commands.executeCommand(`${CHAT_VIEW_ID}.focus`);
  }

  dispose(): void {
    this.subscription.dispose();
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
    }
  }

  private onControllerEvent(event: ControllerEvent): void {
    if (event.kind === 'reset') {
      this.pending.clear();
      this.removed.clear();
      this.postReset();
      return;
    }
    for (const entry of event.change.upserted) {
      this.pending.set(entry.id, entry);
    }
    for (const id of event.change.removed) {
      this.pending.delete(id);
      this.removed.add(id);
    }
    this.planChanged ||= event.change.plan;
    this.sessionChanged ||= event.change.session;
    this.timer ??= setTimeout(() => {
      this.flush();
    }, BATCH_MS);
  }

  private flush(): void {
    this.timer = undefined;
    if (this.pending.size > 0 || this.removed.size > 0) {
      void this.post({ type: 'entries', upserted: [...this.pending.values()], removed: [...this.removed] });
    }
    if (this.planChanged) {
      void this.post({ type: 'plan', plan: this.chat.transcript.plan });
    }
    if (this.sessionChanged) {
      void this.post({ type: 'session', session: this.chat.view() });
    }
    this.pending.clear();
    this.removed.clear();
    this.planChanged = false;
    this.sessionChanged = false;
  }

  private postReset(): void {
    void this.post({ type: 'reset', entries: this.chat.transcript.entries, plan: this.chat.transcript.plan, session: this.chat.view() });
  }

  private async post(message: ToWebview): Promise<void> {
    await this.view?.webview.postMessage(message);
  }

  private html(webview: vscode.Webview, media: vscode.Uri, scripts: vscode.Uri): string {
    const nonce = crypto.randomBytes(16).toString('base64');
    const style = webview.asWebviewUri(vscode.Uri.joinPath(media, 'chat.css'));
    const script = webview.asWebviewUri(vscode.Uri.joinPath(scripts, 'chat.js'));
    const csp = [
      "default-src 'none'",
      `style-src ${webview.cspSource}`,
      `img-src ${webview.cspSource} data:`,
      `font-src ${webview.cspSource}`,
      `script-src 'nonce-${nonce}'`,
    ].join('; ');
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style.toString()}">
<title>Claude</title>
</head>
<body>
<header class="toolbar">
  <button id="new-session" title="Start a new conversation">New</button>
  <button id="sessions" title="Open an earlier conversation">Sessions…</button>
  <label class="mode">Mode <select id="mode" title="Permission mode" disabled></select></label>
</header>
<details id="plan" hidden open><summary id="plan-summary">Plan</summary><ol id="plan-list"></ol></details>
<main id="transcript" aria-live="polite"></main>
<div id="empty" class="empty">Ask Claude about this workspace. The file and selection of the active editor go with your message.</div>
<footer class="composer">
  <ul id="suggestions" hidden></ul>
  <textarea id="input" rows="3" placeholder="Message Claude (Enter to send, Shift+Enter for a new line, / for commands)"></textarea>
  <div class="composer-row">
    <div id="figures" class="figures"></div>
    <button id="stop" class="stop" hidden title="Stop (Esc)">Stop</button>
    <button id="send" title="Send (Enter)">Send</button>
  </div>
</footer>
<script nonce="${nonce}" src="${script.toString()}"></script>
</body>
</html>`;
  }
}
