// Payloads in the shapes claude-lsp sends (docs/protocol.md), shared by the tests.
import type { RequestPermissionParams, SessionUpdate } from '../core/protocol';

export const CALC = '/home/me/demo/calc.py';
export const EDIT_ID = 'toolu_01Y1uIO9HHtw8vdpl3kW7k28';
export const READ_ID = 'toolu_01ReadReadReadReadReadRea';

export const editDiff = {
  type: 'diff' as const,
  path: CALC,
  oldText: 'def add(a, b):\n    return a - b\n',
  newText: 'def add(a, b):\n    return a + b\n',
};

/** The updates of "A complete exchange": read, edit, answer. */
export const fixCalcUpdates: SessionUpdate[] = [
  { sessionUpdate: 'agent_message_chunk', content: { type: 'text', text: 'Let me look ' } },
  { sessionUpdate: 'agent_message_chunk', content: { type: 'text', text: 'at the file.' } },
  { sessionUpdate: 'usage_update', model: 'claude-opus-4-8', usage: { input_tokens: 3100, output_tokens: 40, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 }, costUsd: 0.0165, contextTokens: 3140 },
  { sessionUpdate: 'tool_call', toolCallId: READ_ID, title: `Read ${CALC}`, kind: 'read', status: 'pending', rawInput: { file_path: CALC }, locations: [{ path: CALC }], _meta: { claude: { toolName: 'Read' } } },
  { sessionUpdate: 'tool_call_update', toolCallId: READ_ID, status: 'in_progress' },
  {
    sessionUpdate: 'tool_call_update',
    toolCallId: READ_ID,
    status: 'completed',
    content: [{ type: 'content', content: { type: 'text', text: '     1\tdef add(a, b):\n     2\t    return a - b\n' } }],
    rawOutput: [{ type: 'text', text: '     1\tdef add(a, b):\n     2\t    return a - b\n' }],
  },
  { sessionUpdate: 'agent_message_chunk', content: { type: 'text', text: "I'll fix the subtraction." } },
  { sessionUpdate: 'tool_call', toolCallId: EDIT_ID, title: `Edit ${CALC}`, kind: 'edit', status: 'pending', rawInput: { file_path: CALC, old_string: 'return a - b', new_string: 'return a + b' }, locations: [{ path: CALC }], _meta: { claude: { toolName: 'Edit' } } },
  { sessionUpdate: 'tool_call_update', toolCallId: EDIT_ID, status: 'in_progress' },
  {
    sessionUpdate: 'tool_call_update',
    toolCallId: EDIT_ID,
    status: 'completed',
    content: [editDiff, { type: 'content', content: { type: 'text', text: `Edited ${CALC}: replaced 1 occurrence.` } }],
  },
  { sessionUpdate: 'agent_message_chunk', content: { type: 'text', text: 'Fixed: calc.add now returns a + b.' } },
  { sessionUpdate: 'usage_update', model: 'claude-opus-4-8', usage: { input_tokens: 9466, output_tokens: 106, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 }, costUsd: 0.04998, contextTokens: 3197 },
];

export const editPermission: RequestPermissionParams = {
  sessionId: 'e2d41539-12fd-4b40-8117-c263ed611f97',
  toolCall: {
    toolCallId: 'toolu_01wPUVFluddHyq8ZV82ctNAy',
    title: `Edit ${CALC}`,
    kind: 'edit',
    rawInput: { file_path: CALC, old_string: 'return a - b', new_string: 'return a + b' },
    content: [editDiff],
  },
  options: [
    { optionId: 'allow_once', name: 'Allow', kind: 'allow_once' },
    { optionId: 'allow_always', name: 'Always allow Edit(//home/me/demo/**) in this session', kind: 'allow_always' },
    { optionId: 'reject_once', name: 'Deny', kind: 'reject_once' },
    { optionId: 'reject_always', name: 'Always deny this file in this session', kind: 'reject_always' },
  ],
};

export const bashPermission: RequestPermissionParams = {
  sessionId: 'e2d41539-12fd-4b40-8117-c263ed611f97',
  toolCall: {
    toolCallId: 'toolu_01BashBashBashBashBashBash',
    title: 'Run the tests',
    kind: 'execute',
    rawInput: { command: 'npm test', description: 'Run the tests' },
    content: [{ type: 'content', content: { type: 'text', text: 'npm test' } }],
  },
  options: [
    { optionId: 'allow_once', name: 'Allow', kind: 'allow_once' },
    { optionId: 'allow_always', name: 'Always allow Bash(npm test:*) in this project', kind: 'allow_always' },
    { optionId: 'reject_once', name: 'Deny', kind: 'reject_once' },
    { optionId: 'reject_always', name: 'Always deny this command in this session', kind: 'reject_always' },
  ],
};

export const planPermission: RequestPermissionParams = {
  sessionId: 'e2d41539-12fd-4b40-8117-c263ed611f97',
  toolCall: {
    toolCallId: 'toolu_01PlanPlanPlanPlanPlanPlan',
    title: 'Ready to code?',
    kind: 'switch_mode',
    rawInput: { plan: '1. Fix add\n2. Add a test' },
    content: [{ type: 'content', content: { type: 'text', text: '1. Fix add\n2. Add a test' } }],
  },
  options: [
    { optionId: 'allow_always', name: 'Yes, and auto-accept edits', kind: 'allow_always' },
    { optionId: 'allow_once', name: 'Yes, and approve each edit', kind: 'allow_once' },
    { optionId: 'reject_once', name: 'No, keep planning', kind: 'reject_once' },
  ],
};
