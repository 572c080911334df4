// The status bar item's text and tooltip: server state, model, mode, and a spinner while busy.
import type { SessionMode } from './protocol';

export type ServerState = 'starting' | 'running' | 'stopped';

export interface StatusInput {
  server: ServerState;
  model?: string;
  modeId?: string;
  modes: SessionMode[];
  busy: boolean;
  costUsd?: number;
}

export interface StatusText {
  text: string;
  tooltip: string;
}

export function modeLabel(modeId: string | undefined, modes: SessionMode[]): string | undefined {
  if (modeId === undefined) {
    return undefined;
  }
  return modes.find((mode) => mode.id === modeId)?.name ?? modeId;
}

export function statusText(input: StatusInput): StatusText {
  if (input.server === 'starting') {
    return { text: '$(loading~spin) Claude', tooltip: 'claude-lsp is starting' };
  }
  if (input.server === 'stopped') {
    return { text: '$(error) Claude', tooltip: 'claude-lsp is not running: click to open the chat, or run "Claude: Restart Server"' };
  }
  const icon = input.busy ? '$(sync~spin)' : '$(sparkle)';
  const mode = modeLabel(input.modeId, input.modes);
  const parts = [input.model, mode].filter((part): part is string => part !== undefined && part !== '');
  const text = parts.length > 0 ? `${icon} ${parts.join(' · ')}` : `${icon} Claude`;
  const tooltip = [
    input.busy ? 'Claude is working (click to open the chat)' : 'Open the Claude chat',
    input.model !== undefined ? `Model: ${input.model}` : undefined,
    mode !== undefined ? `Mode: ${mode}` : undefined,
    input.costUsd !== undefined ? `Session cost: $${input.costUsd.toFixed(4)}` : undefined,
  ]
    .filter((line): line is string => line !== undefined)
    .join('\n');
  return { text, tooltip };
}
