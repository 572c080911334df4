// The messages between the chat webview and the extension, as typed unions.
import type { AvailableCommand, PlanEntry, SessionMode, Usage } from './protocol';
import type { Entry } from './transcript';

export interface SessionView {
  sessionId: string | undefined;
  model: string | undefined;
  modeId: string | undefined;
  modes: SessionMode[];
  commands: AvailableCommand[];
  busy: boolean;
  usage: Usage | undefined;
  costUsd: number | undefined;
  contextTokens: number | undefined;
}

export type ToWebview =
  | { type: 'reset'; entries: Entry[]; plan: PlanEntry[]; session: SessionView }
  | { type: 'entries'; upserted: Entry[]; removed: string[] }
  | { type: 'plan'; plan: PlanEntry[] }
  | { type: 'session'; session: SessionView };

export type FromWebview =
  | { type: 'ready' }
  | { type: 'send'; text: string }
  | { type: 'cancel' }
  | { type: 'newSession' }
  | { type: 'pickSession' }
  | { type: 'setMode'; modeId: string }
  /** A location of a tool card, by position: the host looks it up in its own transcript
   * rather than opening whatever path the page names. */
  | { type: 'openLocation'; toolCallId: string; index: number }
  | { type: 'showDiff'; toolCallId: string };

/** Checks a message from the webview before the extension acts on it. */
export function parseFromWebview(message: unknown): FromWebview | undefined {
  if (typeof message !== 'object' || message === null) {
    return undefined;
  }
  const m = message as Record<string, unknown>;
  switch (m.type) {
    case 'ready':
    case 'cancel':
    case 'newSession':
    case 'pickSession':
      return { type: m.type };
    case 'send':
      return typeof m.text === 'string' ? { type: 'send', text: m.text } : undefined;
    case 'setMode':
      return typeof m.modeId === 'string' ? { type: 'setMode', modeId: m.modeId } : undefined;
    case 'openLocation':
      return typeof m.toolCallId === 'string' && Number.isInteger(m.index) ? { type: 'openLocation', toolCallId: m.toolCallId, index: m.index as number } : undefined;
    case 'showDiff':
      return typeof m.toolCallId === 'string' ? { type: 'showDiff', toolCallId: m.toolCallId } : undefined;
    default:
      return undefined;
  }
}
