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

/** The turn the chat is running, if any; a new, loaded or lost session abandons it. */
interface Turn {
  cancelRequested: boolean;
}

export class SessionController {
  transcript = new Transcript();
  sessionId: string | undefined;
  modes: SessionMode[] = [];
  private turn: Turn | undefined;
  private readonly listeners = new Set<ControllerListener>();
  /** Updates that arrive while a new/load request is in flight, before its session id is
   * known (a load replays the history before it answers); one map per request. */
  private readonly holding = new Set<Map<string, SessionNotification[]>>();
  /** Counts new/load requests: only the latest one's answer becomes the chat's session. */
  private openCount = 0;

  constructor(private readonly connection: ClaudeConnection) {}

  get busy(): boolean {
    return this.turn !== undefined;
  }

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
    if (notification.sessionId === this.sessionId) {
      this.emitChange(this.transcript.apply(notification.update));
      return;
    }
    for (const held of this.holding) {
      held.set(notification.sessionId, [...(held.get(notification.sessionId) ?? []), notification]);
    }
  }

  /** Starts a new conversation; a turn still running belongs to the old one and is dropped. */
  async newSession(cwd: string): Promise<SessionResult> {
    this.abandonTurn();
    return this.openSession(() => this.connection.sendRequest<SessionResult>(Methods.newSession, { cwd }));
  }

  /** Loads an earlier conversation; the current chat stays as it is if that fails. */
  async loadSession(sessionId: string): Promise<SessionResult> {
    const result = await this.openSession(() => this.connection.sendRequest<SessionResult>(Methods.loadSession, { sessionId }));
    this.abandonTurn();
    return result;
  }

  /** The chat's session, created in `cwd` when there is none yet. */
  async ensureSession(cwd: string): Promise<string> {
    if (this.sessionId === undefined) {
      return (await this.openSession(() => this.connection.sendRequest<SessionResult>(Methods.newSession, { cwd }))).sessionId;
    }
    return this.sessionId;
  }

  async listSessions(cwd: string, cursor?: string): Promise<ListSessionsResult> {
    return this.connection.sendRequest<ListSessionsResult>(Methods.listSessions, cursor === undefined ? { cwd } : { cwd, cursor });
  }

  /** Runs one turn. Errors become notices in the transcript; the result is returned for
   * callers that want the figures. A turn abandoned meanwhile (New, a load, a lost server)
   * leaves the transcript alone: it belongs to a conversation no longer shown. */
  async prompt(text: string, editor: ActiveEditor | undefined, newSessionCwd: string): Promise<PromptResult | undefined> {
    if (this.busy) {
      this.emitChange(this.transcript.addNotice('warning', 'Claude is still working on the previous message; stop it first or wait.'));
      return undefined;
    }
    const turn: Turn = { cancelRequested: false };
    this.setTurn(turn);
    try {
      const sessionId = await this.ensureSession(newSessionCwd);
      if (this.turn !== turn) {
        return undefined;
      }
      this.emitChange(this.transcript.beginTurn(text));
      if (turn.cancelRequested) {
        // Stop was pressed while the session was being created: the prompt is never sent.
        this.emitChange(this.transcript.endTurn({ stopReason: 'cancelled' }));
        return undefined;
      }
      const result = await this.connection.sendRequest<PromptResult>(Methods.prompt, buildPromptParams(sessionId, text, editor));
      if (this.turn !== turn) {
        return undefined;
      }
      this.emitChange(this.transcript.endTurn(result));
      return result;
    } catch (error) {
      if (this.turn === turn) {
        this.emitChange(this.transcript.addNotice('error', describeError(error)));
      }
      return undefined;
    } finally {
      if (this.turn === turn) {
        this.setTurn(undefined);
      }
    }
  }

  async cancel(): Promise<void> {
    if (this.turn !== undefined && this.sessionId === undefined) {
      this.turn.cancelRequested = true;
      return;
    }
    if (this.sessionId !== undefined) {
      await this.connection.sendNotification(Methods.cancel, { sessionId: this.sessionId });
    }
  }

  /** The server confirms with current_mode_update, which updates the view; a refusal
   * redraws it too, so the mode list shows the mode still in force. */
  async setMode(modeId: string): Promise<void> {
    if (this.sessionId === undefined) {
      throw new Error('There is no chat session yet: send a message first.');
    }
    try {
      await this.connection.sendRequest(Methods.setMode, { sessionId: this.sessionId, modeId });
    } catch (error) {
      this.emitSessionChange();
      throw error;
    }
  }

  setAwaitingPermission(sessionId: string, toolCallId: string, awaiting: boolean): void {
    if (sessionId === this.sessionId) {
      this.emitChange(this.transcript.setAwaitingPermission(toolCallId, awaiting));
    }
  }

  /** The server stopped (crashed, restarted): it keeps sessions in memory, so the new
   * process does not know this one. The transcript stays readable; the next prompt starts
   * a new session. */
  sessionLost(): void {
    this.abandonTurn();
    if (this.sessionId === undefined) {
      return;
    }
    this.sessionId = undefined;
    this.modes = [];
    this.emitChange(this.transcript.addNotice('warning', 'claude-lsp stopped and this session was lost with it. Reopen it with Sessions… to continue it; a new message starts a new session.'));
    this.emitSessionChange();
  }

  private async openSession(request: () => Promise<SessionResult>): Promise<SessionResult> {
    const opening = ++this.openCount;
    const held = new Map<string, SessionNotification[]>();
    this.holding.add(held);
    try {
      const result = await request();
      if (opening === this.openCount) {
        this.adopt(result, held.get(result.sessionId) ?? []);
      }
      return result;
    } finally {
      this.holding.delete(held);
    }
  }

  /** Swaps in the opened session with a transcript built from its replayed history. */
  private adopt(result: SessionResult, replayed: SessionNotification[]): void {
    const transcript = new Transcript();
    for (const notification of replayed) {
      transcript.apply(notification.update);
    }
    transcript.modeId = result.modes?.currentModeId ?? transcript.modeId;
    transcript.figures.model = result._meta?.claude?.model ?? transcript.figures.model;
    for (const warning of result._meta?.claude?.warnings ?? []) {
      transcript.addNotice('warning', warning);
    }
    this.transcript = transcript;
    this.sessionId = result.sessionId;
    this.modes = result.modes?.availableModes ?? [];
    this.emit({ kind: 'reset' });
  }

  private abandonTurn(): void {
    if (this.turn !== undefined) {
      this.setTurn(undefined);
    }
  }

  private setTurn(turn: Turn | undefined): void {
    this.turn = turn;
    this.emitSessionChange();
  }

  private emitSessionChange(): void {
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
