import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Transcript, type Entry } from '../core/transcript';
import { CALC, EDIT_ID, editDiff, fixCalcUpdates, READ_ID } from './fixtures';

function summary(entries: Entry[]): string[] {
  return entries.map((entry) => (entry.kind === 'tool' ? `tool:${entry.tool.toolName ?? ''}:${entry.tool.status}` : `${entry.kind}:${entry.kind === 'notice' ? entry.level : ''}${'text' in entry ? entry.text : ''}`));
}

describe('Transcript', () => {
  it('folds the complete exchange into messages and tool cards', () => {
    const transcript = new Transcript();
    transcript.beginTurn('fix the bug in calc.py');
    for (const update of fixCalcUpdates) {
      transcript.apply(update);
    }
    assert.deepEqual(summary(transcript.entries), [
      'user:fix the bug in calc.py',
      'agent:Let me look at the file.',
      'tool:Read:completed',
      "agent:I'll fix the subtraction.",
      'tool:Edit:completed',
      'agent:Fixed: calc.add now returns a + b.',
    ]);
    const edit = transcript.findTool(EDIT_ID)?.tool;
    assert.equal(edit?.title, `Edit ${CALC}`);
    assert.equal(edit.kind, 'edit');
    assert.deepEqual(edit.content[0], editDiff);
    assert.deepEqual(edit.locations, [{ path: CALC }]);
    assert.deepEqual(transcript.figures, {
      model: 'claude-opus-4-8',
      usage: { input_tokens: 9466, output_tokens: 106, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
      costUsd: 0.04998,
      contextTokens: 3197,
    });
  });

  it('reports each change as the entries to redraw', () => {
    const transcript = new Transcript();
    const first = transcript.apply(fixCalcUpdates[0]);
    const second = transcript.apply(fixCalcUpdates[1]);
    assert.equal(first.upserted[0].id, second.upserted[0].id, 'a chunk extends the same message');
    const usage = transcript.apply(fixCalcUpdates[2]);
    assert.deepEqual(usage, { upserted: [], removed: [], plan: false, session: true });
    const call = transcript.apply(fixCalcUpdates[3]);
    const started = transcript.apply(fixCalcUpdates[4]);
    assert.equal(call.upserted[0].id, started.upserted[0].id, 'an update changes the card of its call');
    assert.equal(transcript.findTool(READ_ID)?.tool.status, 'in_progress');
  });

  it('keeps the plan, the mode and the slash commands', () => {
    const transcript = new Transcript();
    const plan = transcript.apply({
      sessionUpdate: 'plan',
      entries: [
        { content: 'Fix add', priority: 'medium', status: 'in_progress', _meta: { claude: { activeForm: 'Fixing add' } } },
        { content: 'Run the tests', priority: 'medium', status: 'pending' },
      ],
    });
    assert.equal(plan.plan, true);
    assert.equal(transcript.plan[0]._meta?.claude?.activeForm, 'Fixing add');
    transcript.apply({ sessionUpdate: 'plan', entries: [] });
    assert.deepEqual(transcript.plan, [], '/clear sends an empty plan');

    assert.equal(transcript.apply({ sessionUpdate: 'current_mode_update', currentModeId: 'plan' }).session, true);
    assert.equal(transcript.modeId, 'plan');

    transcript.apply({
      sessionUpdate: 'available_commands_update',
      availableCommands: [
        { name: 'clear', description: 'Start over: clear the conversation history and the todo list' },
        { name: 'compact', description: 'Replace the conversation with a summary, to free context', input: { hint: 'optional instructions for the summary' } },
      ],
    });
    assert.deepEqual(transcript.commands.map((command) => command.name), ['clear', 'compact']);
    assert.equal(transcript.entries.length, 0, 'none of these is a transcript entry');
  });

  it('drops the text a failed attempt streamed when the request is retried', () => {
    const transcript = new Transcript();
    transcript.beginTurn('fix it');
    transcript.apply({ sessionUpdate: 'agent_message_chunk', content: { type: 'text', text: 'Let me l' } });
    const retry = transcript.apply({ sessionUpdate: 'api_retry', attempt: 1, maxRetries: 8, delayMs: 388, error: 'Connection to the API failed: Connection error.' });
    assert.equal(retry.removed.length, 1);
    transcript.apply({ sessionUpdate: 'agent_message_chunk', content: { type: 'text', text: 'Let me look at the file.' } });
    assert.deepEqual(summary(transcript.entries), [
      'user:fix it',
      'notice:warningConnection to the API failed: Connection error. Retrying in 0.4 s (attempt 1 of 8).',
      'agent:Let me look at the file.',
    ]);
  });

  it('keeps text from before the last tool call when a later request is retried', () => {
    const transcript = new Transcript();
    transcript.beginTurn('fix it');
    for (const update of fixCalcUpdates.slice(0, 6)) {
      transcript.apply(update);
    }
    transcript.apply({ sessionUpdate: 'agent_message_chunk', content: { type: 'text', text: 'half an answ' } });
    transcript.apply({ sessionUpdate: 'api_retry', attempt: 2, maxRetries: 8, delayMs: 1200, error: 'API error 529 (overloaded_error): Overloaded' });
    const kinds = transcript.entries.map((entry) => entry.kind);
    assert.deepEqual(kinds, ['user', 'agent', 'tool', 'notice']);
    assert.equal(transcript.entries[1].kind === 'agent' && transcript.entries[1].text, 'Let me look at the file.');
  });

  it('replays a loaded session: user lines, answers and finished tool calls', () => {
    const transcript = new Transcript();
    transcript.apply({ sessionUpdate: 'user_message_chunk', content: { type: 'text', text: 'fix the bug in calc.py' } });
    transcript.apply({ sessionUpdate: 'agent_message_chunk', content: { type: 'text', text: 'Done.' } });
    transcript.apply({ sessionUpdate: 'tool_call', toolCallId: 'toolu_a', title: 'Bash(ls)', kind: 'execute', status: 'pending', rawInput: { command: 'ls' } });
    transcript.apply({ sessionUpdate: 'tool_call_update', toolCallId: 'toolu_a', status: 'failed', content: [{ type: 'content', content: { type: 'text', text: 'The user denied permission to use Bash.' } }] });
    transcript.apply({ sessionUpdate: 'user_message_chunk', content: { type: 'text', text: 'and now?' } });
    assert.deepEqual(summary(transcript.entries), ['user:fix the bug in calc.py', 'agent:Done.', 'tool::failed', 'user:and now?']);
    assert.equal(transcript.findTool('toolu_a')?.tool.title, 'Bash(ls)');
  });

  it('makes a card for an update whose call it never saw', () => {
    const transcript = new Transcript();
    transcript.apply({ sessionUpdate: 'tool_call_update', toolCallId: 'toolu_x', status: 'completed', _meta: { claude: { toolName: 'Grep' } } });
    assert.equal(transcript.findTool('toolu_x')?.tool.title, 'Grep');
  });

  it('flags a card while its permission question is open', () => {
    const transcript = new Transcript();
    transcript.apply(fixCalcUpdates[7]);
    assert.equal(transcript.setAwaitingPermission(EDIT_ID, true).upserted.length, 1);
    assert.equal(transcript.findTool(EDIT_ID)?.tool.awaitingPermission, true);
    assert.equal(transcript.setAwaitingPermission(EDIT_ID, true).upserted.length, 0, 'no change, nothing to redraw');
    transcript.apply(fixCalcUpdates[8]);
    assert.equal(transcript.findTool(EDIT_ID)?.tool.awaitingPermission, false, 'the tool started: the question was answered');
    assert.equal(transcript.setAwaitingPermission('toolu_unknown', true).upserted.length, 0);
  });

  it('says how a turn ended when it did not simply finish', () => {
    const transcript = new Transcript();
    assert.equal(transcript.endTurn({ stopReason: 'end_turn', permissionDenials: [] }).upserted.length, 0);
    transcript.endTurn({ stopReason: 'cancelled' });
    transcript.endTurn({ stopReason: 'max_turn_requests', permissionDenials: [{ tool_name: 'Edit', tool_use_id: 'toolu_1' }, { tool_name: 'Bash', tool_use_id: 'toolu_2' }] });
    assert.deepEqual(summary(transcript.entries), ['notice:infoStopped.', 'notice:warningStopped: the turn limit was reached.', 'notice:info2 tool calls were denied.']);
  });

  it('shows non-text content blocks as text', () => {
    const transcript = new Transcript();
    transcript.apply({ sessionUpdate: 'user_message_chunk', content: { type: 'resource_link', uri: 'file:///home/me/demo/calc.py' } });
    transcript.apply({ sessionUpdate: 'user_message_chunk', content: { type: 'image', data: 'iVBORw0KGgo=', mimeType: 'image/png' } });
    assert.deepEqual(summary(transcript.entries), ['user:@file:///home/me/demo/calc.py\n\n[image]']);
  });

  it('keeps replayed prompts in a row apart (the first one was cancelled before an answer)', () => {
    const transcript = new Transcript();
    transcript.apply({ sessionUpdate: 'user_message_chunk', content: { type: 'text', text: 'fix it' } });
    transcript.apply({ sessionUpdate: 'user_message_chunk', content: { type: 'text', text: 'and now?' } });
    transcript.apply({ sessionUpdate: 'agent_message_chunk', content: { type: 'text', text: 'Let me ' } });
    transcript.apply({ sessionUpdate: 'agent_message_chunk', content: { type: 'text', text: 'look.' } });
    assert.deepEqual(summary(transcript.entries), ['user:fix it\n\nand now?', 'agent:Let me look.'], 'streamed answer fragments still join as they are');
  });
});
