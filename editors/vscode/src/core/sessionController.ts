// One chat session over any JSON-RPC connection: the language client in VS Code, a plain
// vscode-jsonrpc connection in the tests. It owns the transcript and the busy state.
import { describeError } from './errors';
import type {
  ListSessionsResult,
  PromptResult,
  SessionMode,
  SessionNotification,
  SessionResult,
} from './protocol';
import { Methods } from './protocol';
import type { ActiveEditor } from './promptParams';
import { buildPromptParams } from './promptParams';
import type { TranscriptChange } from './transcript';
import { Transcript } from './transcript';
import type { SessionView } from './webviewMessages';

export interface ClaudeConnection {
  sendRequest<R>(method: string, params: unknown): Promise<R>;
  sendNotification(method: string, params: unknown): Promise<void> | void;
}

export type ControllerEvent = { kind: 'reset' } | { kind: 'change'; change: TranscriptChange };
export type ControllerListener = (event: ControllerEvent) => void;

export class SessionController {
  transcript = new Transcript();
  sessionId: string | undefined;
  modes: SessionMode[] = [];
  busy = false;
  private readonly listeners = new Set<ControllerListener>();
  /** Updates that arrive while new/load is in flight, before the session id is known. */
  private adopting: Map<string, SessionNotification[]> | undefined;
  private loadingId: string | undefined;

  constructor(private readonly connection: ClaudeConnection) {}

  onEvent(listener: ControllerListener): { dispose(): void } {
    this.listeners.add(listener);
    return {
      dispose: () => {
        this.listeners.delete(listener);
      },
    };
  }

  view(): SessionView {
    return {
      sessionId: this.sessionId,
      model: this.transcript.figures.model,
      modeId: this.transcript.modeId,
      modes: this.modes,
      commands: this.transcript.commands,
      busy: this.busy,
      usage: this.transcript.figures.usage,
      costUsd: this.transcript.figures.costUsd,
      contextTokens: this.transcript.figures.contextTokens,
    };
  }

  /** For claude/session/update notifications; other sessions' updates (code action tasks)
   * are not part of this chat. */
  handleNotification(notification: SessionNotification): void {
    if (notification.sessionId === this.sessionId || notification.sessionId === this.loadingId) {
      this.emitChange(this.transcript.apply(notification.update));
      return;
    }
    if (this.adopting !== undefined) {
      const held = this.adopting.get(notification.sessionId) ?? [];
      held.push(notification);
      this.adopting.set(notification.sessionId, held);
    }
  }

  async newSession(cwd: string, modeId?: string): Promise<SessionResult> {
    return this.adopt(() => this.connection.sendRequest<SessionResult>(Methods.newSession, modeId === undefined ? { cwd } : { cwd, modeId }));
  }

  async loadSession(sessionId: string, cwd?: string): Promise<SessionResult> {
    this.reset();
    this.loadingId = sessionId;
    try {
      return await this.adopt(() => this.connection.sendRequest<SessionResult>(Methods.loadSession, cwd === undefined ? { sessionId } : { sessionId, cwd }), false);
    } finally {
      this.loadingId = undefined;
    }
  }

  /** The chat's session, created in `cwd` when there is none yet. */
  async ensureSession(cwd: string): Promise<string> {
    if (this.sessionId === undefined) {
      await this.newSession(cwd);
    }
    return this.sessionId as string;
  }

  async listSessions(cwd?: string): Promise<ListSessionsResult> {
    return this.connection.sendRequest<ListSessionsResult>(Methods.listSessions, cwd === undefined ? {} : { cwd });
  }

  /** Runs one turn. Errors become notices in the transcript; the result is returned for
   * callers that want the figures. */
  async prompt(text: string, editor: ActiveEditor | undefined, newSessionCwd: string): Promise<PromptResult | undefined> {
    if (this.busy) {
      this.emitChange(this.transcript.addNotice('warning', 'Claude is still working on the previous message; stop it first or wait.'));
      return undefined;
    }
    this.setBusy(true);
    try {
      const sessionId = await this.ensureSession(newSessionCwd);
      this.emitChange(this.transcript.beginTurn(text));
      const result = await this.connection.sendRequest<PromptResult>(Methods.prompt, buildPromptParams(sessionId, text, editor));
      this.emitChange(this.transcript.endTurn(result));
      return result;
    } catch (error) {
      this.emitChange(this.transcript.addNotice('error', describeError(error)));
      return undefined;
    } finally {
      this.setBusy(false);
    }
  }

  async cancel(): Promise<void> {
    if (this.sessionId !== undefined) {
      await this.connection.sendNotification(Methods.cancel, { sessionId: this.sessionId });
    }
  }

  /** The server confirms with current_mode_update, which updates the view. */
  async setMode(modeId: string): Promise<void> {
    if (this.sessionId === undefined) {
      throw new Error('There is no chat session yet: send a message first.');
    }
    await this.connection.sendRequest(Methods.setMode, { sessionId: this.sessionId, modeId });
  }

  setAwaitingPermission(sessionId: string, toolCallId: string, awaiting: boolean): void {
    if (sessionId === this.sessionId) {
      this.emitChange(this.transcript.setAwaitingPermission(toolCallId, awaiting));
    }
  }

  private async adopt(request: () => Promise<SessionResult>, fresh = true): Promise<SessionResult> {
    if (fresh) {
      this.reset();
    }
    this.adopting = new Map();
    try {
      const result = await request();
      const held = this.adopting.get(result.sessionId) ?? [];
      this.sessionId = result.sessionId;
      this.modes = result.modes?.availableModes ?? [];
      this.transcript.modeId = result.modes?.currentModeId ?? this.transcript.modeId;
      this.transcript.figures.model = result._meta?.claude?.model ?? this.transcript.figures.model;
      for (const warning of result._meta?.claude?.warnings ?? []) {
        this.transcript.addNotice('warning', warning);
      }
      this.emit({ kind: 'reset' });
      for (const notification of held) {
        this.handleNotification(notification);
      }
      return result;
    } finally {
      this.adopting = undefined;
    }
  }

  /** Forgets the session, e.g. after the server restarted and lost it. */
  reset(): void {
    this.sessionId = undefined;
    this.modes = [];
    this.transcript = new Transcript();
    this.emit({ kind: 'reset' });
  }

  private setBusy(busy: boolean): void {
    this.busy = busy;
    this.emitChange({ upserted: [], removed: [], plan: false, session: true });
  }

  private emitChange(change: TranscriptChange): void {
    this.emit({ kind: 'change', change });
  }

  private emit(event: ControllerEvent): void {
    for (const listener of this.listeners) {
      listener(event);
    }
  }
}
