// Folds claude/session/update notifications into the chat transcript the view shows.
// No VS Code imports: the node tests drive it with the server's own payloads.
import type {
  AvailableCommand,
  ContentBlock,
  PlanEntry,
  PromptResult,
  SessionUpdate,
  ToolCallContent,
  ToolCallFields,
  ToolKind,
  ToolStatus,
  Usage,
} from './protocol';

export interface ToolCard {
  toolCallId: string;
  title: string;
  kind: ToolKind;
  status: ToolStatus;
  toolName?: string;
  rawInput?: unknown;
  content: ToolCallContent[];
  locations: { path: string; line?: number }[];
  awaitingPermission: boolean;
}

export type Entry =
  | { id: string; kind: 'user' | 'agent' | 'thought'; text: string }
  | { id: string; kind: 'tool'; tool: ToolCard }
  | { id: string; kind: 'notice'; level: 'info' | 'warning' | 'error'; text: string };

/** What one call changed, so the view can patch itself instead of redrawing everything. */
export interface TranscriptChange {
  upserted: Entry[];
  removed: string[];
  plan: boolean;
  session: boolean;
}

export interface SessionFigures {
  model?: string;
  usage?: Usage;
  costUsd?: number;
  contextTokens?: number;
}

/** Where streamed text began, so an api_retry can drop what the failed attempt streamed. */
interface RetryMark {
  entryCount: number;
  lastTextLength: number;
}

function textOf(block: ContentBlock): string {
  switch (block.type) {
    case 'text':
      return block.text;
    case 'resource_link':
      return `@${block.uri}`;
    case 'resource':
      return block.resource.text ?? `@${block.resource.uri}`;
    case 'image':
      return '[image]';
  }
}

function emptyChange(): TranscriptChange {
  return { upserted: [], removed: [], plan: false, session: false };
}

export class Transcript {
  entries: Entry[] = [];
  plan: PlanEntry[] = [];
  commands: AvailableCommand[] = [];
  modeId: string | undefined;
  figures: SessionFigures = {};
  private nextId = 1;
  private mark: RetryMark = { entryCount: 0, lastTextLength: 0 };

  apply(update: SessionUpdate): TranscriptChange {
    const change = emptyChange();
    switch (update.sessionUpdate) {
      case 'user_message_chunk':
        this.appendText('user', textOf(update.content), change);
        break;
      case 'agent_message_chunk':
        this.appendText('agent', textOf(update.content), change);
        break;
      case 'agent_thought_chunk':
        this.appendText('thought', textOf(update.content), change);
        break;
      case 'tool_call':
      case 'tool_call_update':
        change.upserted.push(this.upsertTool(update));
        this.setMark();
        break;
      case 'plan':
        this.plan = update.entries;
        change.plan = true;
        break;
      case 'available_commands_update':
        this.commands = update.availableCommands;
        change.session = true;
        break;
      case 'current_mode_update':
        this.modeId = update.currentModeId;
        change.session = true;
        break;
      case 'usage_update':
        this.figures = {
          model: update.model ?? this.figures.model,
          usage: update.usage,
          costUsd: update.costUsd,
          contextTokens: update.contextTokens,
        };
        change.session = true;
        break;
      case 'api_retry':
        this.dropTextSinceMark(change);
        this.addNotice(
          'warning',
          `${update.error} Retrying in ${(update.delayMs / 1000).toFixed(1)} s (attempt ${update.attempt} of ${update.maxRetries}).`,
          change,
        );
        break;
    }
    return change;
  }

  /** The user's own prompt: the server does not echo it back while a turn runs. */
  beginTurn(prompt: string): TranscriptChange {
    const change = emptyChange();
    const entry: Entry = { id: this.newId(), kind: 'user', text: prompt };
    this.entries.push(entry);
    change.upserted.push(entry);
    this.setMark();
    return change;
  }

  /** Says how a turn ended when it did not simply finish. */
  endTurn(result: PromptResult): TranscriptChange {
    const change = emptyChange();
    const denied = result.permissionDenials?.length ?? 0;
    const reasons: Record<string, string | undefined> = {
      cancelled: 'Stopped.',
      max_tokens: 'The answer was cut off: the model reached its output limit.',
      max_turn_requests: 'Stopped: the turn limit was reached.',
      refusal: 'The model declined to continue.',
    };
    const reason = reasons[result.stopReason];
    if (reason !== undefined) {
      this.addNotice(result.stopReason === 'cancelled' ? 'info' : 'warning', reason, change);
    }
    if (denied > 0) {
      this.addNotice('info', `${denied} tool call${denied === 1 ? ' was' : 's were'} denied.`, change);
    }
    return change;
  }

  addNotice(level: 'info' | 'warning' | 'error', text: string, change: TranscriptChange = emptyChange()): TranscriptChange {
    const entry: Entry = { id: this.newId(), kind: 'notice', level, text };
    this.entries.push(entry);
    change.upserted.push(entry);
    return change;
  }

  /** Flags the card of a tool call whose permission question is open. */
  setAwaitingPermission(toolCallId: string, awaiting: boolean): TranscriptChange {
    const change = emptyChange();
    const entry = this.findTool(toolCallId);
    if (entry !== undefined && entry.tool.awaitingPermission !== awaiting) {
      entry.tool.awaitingPermission = awaiting;
      change.upserted.push(entry);
    }
    return change;
  }

  findTool(toolCallId: string): Extract<Entry, { kind: 'tool' }> | undefined {
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const entry = this.entries[i];
      if (entry.kind === 'tool' && entry.tool.toolCallId === toolCallId) {
        return entry;
      }
    }
    return undefined;
  }

  private appendText(kind: 'user' | 'agent' | 'thought', text: string, change: TranscriptChange): void {
    if (text === '') {
      return;
    }
    const last = this.entries.at(-1);
    if (last !== undefined && last.kind === kind) {
      // The model's text streams in fragments, but user chunks only come from a replay,
      // one per block of the history: two prompts in a row (the first one cancelled)
      // must not run together.
      last.text += kind === 'user' ? `\n\n${text}` : text;
      change.upserted.push(last);
      return;
    }
    const entry: Entry = { id: this.newId(), kind, text };
    this.entries.push(entry);
    change.upserted.push(entry);
  }

  private upsertTool(fields: ToolCallFields): Entry {
    const existing = this.findTool(fields.toolCallId);
    if (existing === undefined) {
      const entry: Entry = {
        id: this.newId(),
        kind: 'tool',
        tool: {
          toolCallId: fields.toolCallId,
          title: fields.title ?? fields._meta?.claude?.toolName ?? 'Tool call',
          kind: fields.kind ?? 'other',
          status: fields.status ?? 'pending',
          toolName: fields._meta?.claude?.toolName,
          rawInput: fields.rawInput,
          content: fields.content ?? [],
          locations: fields.locations ?? [],
          awaitingPermission: false,
        },
      };
      this.entries.push(entry);
      return entry;
    }
    const tool = existing.tool;
    tool.title = fields.title ?? tool.title;
    tool.kind = fields.kind ?? tool.kind;
    tool.status = fields.status ?? tool.status;
    tool.toolName = fields._meta?.claude?.toolName ?? tool.toolName;
    tool.rawInput = fields.rawInput ?? tool.rawInput;
    tool.content = fields.content ?? tool.content;
    tool.locations = fields.locations ?? tool.locations;
    if (tool.status !== 'pending') {
      tool.awaitingPermission = false;
    }
    return existing;
  }

  private setMark(): void {
    const last = this.entries.at(-1);
    this.mark = {
      entryCount: this.entries.length,
      lastTextLength: last !== undefined && last.kind !== 'tool' && last.kind !== 'notice' ? last.text.length : 0,
    };
  }

  private dropTextSinceMark(change: TranscriptChange): void {
    const kept: Entry[] = [];
    this.entries.forEach((entry, index) => {
      const streamed = entry.kind === 'agent' || entry.kind === 'thought';
      if (streamed && index >= this.mark.entryCount) {
        change.removed.push(entry.id);
      } else {
        kept.push(entry);
      }
    });
    this.entries = kept;
    const boundary = this.entries[this.mark.entryCount - 1] as Entry | undefined;
    if (boundary !== undefined && (boundary.kind === 'agent' || boundary.kind === 'thought') && boundary.text.length > this.mark.lastTextLength) {
      boundary.text = boundary.text.slice(0, this.mark.lastTextLength);
      change.upserted.push(boundary);
    }
  }

  private newId(): string {
    return `e${this.nextId++}`;
  }
}
