// The claude/* messages of claude-lsp (docs/protocol.md), as the extension uses them.
// Types only: both the extension host and the node tests import this module.

export const Methods = {
  newSession: 'claude/session/new',
  loadSession: 'claude/session/load',
  listSessions: 'claude/session/list',
  prompt: 'claude/session/prompt',
  cancel: 'claude/session/cancel',
  setMode: 'claude/session/setMode',
  sessionUpdate: 'claude/session/update',
  requestPermission: 'claude/session/requestPermission',
  saveDocuments: 'claude/saveDocuments',
} as const;

export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

export type ContentBlock =
  | { type: 'text'; text: string }
  | { type: 'image'; data: string; mimeType?: string }
  | { type: 'resource'; resource: { uri: string; text?: string } }
  | { type: 'resource_link'; uri: string };

export interface SessionMode {
  id: string;
  name: string;
  description?: string;
}

export interface SessionResult {
  sessionId: string;
  modes?: { currentModeId: string; availableModes: SessionMode[] };
  _meta?: { claude?: { model?: string; cwd?: string; tools?: string[]; warnings?: string[] } };
}

export interface EditorContext {
  textDocument: { uri: string; version?: number };
  ranges?: Range[];
}

export interface PromptParams {
  sessionId: string;
  prompt: ContentBlock[];
  editorContext?: EditorContext;
}

export type StopReason = 'end_turn' | 'max_tokens' | 'max_turn_requests' | 'refusal' | 'cancelled';

export interface Usage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens?: number;
  cache_read_input_tokens?: number;
}

export interface PromptResult {
  stopReason: StopReason;
  result?: string;
  numTurns?: number;
  usage?: Usage;
  costUsd?: number;
  durationMs?: number;
  permissionDenials?: { tool_name: string; tool_use_id: string }[];
}

export interface SessionSummary {
  sessionId: string;
  title: string;
  cwd: string;
  updatedAt: string;
}

export interface ListSessionsResult {
  sessions: SessionSummary[];
  nextCursor?: string;
}

export type ToolKind = 'read' | 'edit' | 'delete' | 'move' | 'search' | 'execute' | 'think' | 'fetch' | 'switch_mode' | 'other';
export type ToolStatus = 'pending' | 'in_progress' | 'completed' | 'failed';

export interface DiffContent {
  type: 'diff';
  path: string;
  oldText: string | null;
  newText: string;
}

export type ToolCallContent =
  | DiffContent
  | { type: 'content'; content: ContentBlock }
  | { type: 'terminal'; terminalId: string };

export interface ToolCallFields {
  toolCallId: string;
  title?: string;
  kind?: ToolKind;
  status?: ToolStatus;
  rawInput?: unknown;
  rawOutput?: unknown;
  content?: ToolCallContent[];
  locations?: { path: string; line?: number }[];
  _meta?: { claude?: { toolName?: string } };
}

export interface PlanEntry {
  content: string;
  priority: 'high' | 'medium' | 'low';
  status: 'pending' | 'in_progress' | 'completed';
  _meta?: { claude?: { activeForm?: string } };
}

export interface AvailableCommand {
  name: string;
  description: string;
  input?: { hint?: string } | null;
}

export type SessionUpdate =
  | { sessionUpdate: 'user_message_chunk'; content: ContentBlock }
  | { sessionUpdate: 'agent_message_chunk'; content: ContentBlock }
  | { sessionUpdate: 'agent_thought_chunk'; content: ContentBlock }
  | ({ sessionUpdate: 'tool_call' } & ToolCallFields)
  | ({ sessionUpdate: 'tool_call_update' } & ToolCallFields)
  | { sessionUpdate: 'plan'; entries: PlanEntry[] }
  | { sessionUpdate: 'available_commands_update'; availableCommands: AvailableCommand[] }
  | { sessionUpdate: 'current_mode_update'; currentModeId: string }
  | { sessionUpdate: 'usage_update'; model?: string; usage: Usage; costUsd?: number; contextTokens?: number }
  | { sessionUpdate: 'api_retry'; attempt: number; maxRetries: number; delayMs: number; error: string };

export interface SessionNotification {
  sessionId: string;
  update: SessionUpdate;
}

export type PermissionOptionKind = 'allow_once' | 'allow_always' | 'reject_once' | 'reject_always';

export interface PermissionOption {
  optionId: string;
  name: string;
  kind: PermissionOptionKind;
}

export interface RequestPermissionParams {
  sessionId: string;
  toolCall: ToolCallFields;
  options: PermissionOption[];
}

export type PermissionOutcome =
  | { outcome: { outcome: 'selected'; optionId: string } }
  | { outcome: { outcome: 'cancelled' } };

export interface SaveDocumentsParams {
  uris: string[];
}

export interface SaveDocumentsResult {
  saved: string[];
}

/** The `experimental.claude` capability this client declares in `initialize`. */
export interface ClaudeClientCapability {
  protocolVersion: 1;
  sessionUpdate: boolean;
  requestPermission: boolean;
  diffReview: boolean;
  saveDocuments: boolean;
}

export const ErrorCodes = {
  noCredentials: -32001,
} as const;
