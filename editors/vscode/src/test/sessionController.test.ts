import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClaudeConnection, ControllerEvent } from '../core/sessionController';
import { SessionController } from '../core/sessionController';
import type { SessionNotification, SessionResult } from '../core/protocol';
import { fixCalcUpdates } from './fixtures';

const SESSION = 'c6433c86-1128-4703-b5cf-7dbcffe3f212';

const newSessionResult: SessionResult = {
  sessionId: SESSION,
  modes: {
    currentModeId: 'default',
    availableModes: [
      { id: 'default', name: 'Default', description: 'Ask before edits and shell commands' },
      { id: 'plan', name: 'Plan mode', description: 'Read-only: explore and plan, change nothing' },
    ],
  },
  _meta: { claude: { model: 'claude-opus-4-8', cwd: '/home/me/demo', tools: ['Read', 'Edit'], warnings: ["ignored allow rule 'Bash(curl * | sh)'"] } },
};

type Handler = (params: unknown, controller: SessionController) => Promise<unknown>;

/** A connection whose requests are answered by the test, recording what was sent. */
class ScriptedConnection implements ClaudeConnection {
  sent: { method: string; params: unknown }[] = [];
  controller!: SessionController;
  constructor(private readonly handlers: Record<string, Handler>) {}

  async sendRequest<R>(method: string, params: unknown): Promise<R> {
    this.sent.push({ method, params });
    const handler = this.handlers[method] as Handler | undefined;
    if (handler === undefined) {
      throw new Error(`unexpected request ${method}`);
    }
    return (await handler(params, this.controller)) as R;
  }

  sendNotification(method: string, params: unknown): void {
    this.sent.push({ method, params });
  }
}

function setUp(handlers: Record<string, Handler>): { connection: ScriptedConnection; controller: SessionController; events: ControllerEvent[] } {
  const connection = new ScriptedConnection(handlers);
  const controller = new SessionController(connection);
  connection.controller = controller;
  const events: ControllerEvent[] = [];
  controller.onEvent((event) => events.push(event));
  return { connection, controller, events };
}

const notify = (controller: SessionController, update: SessionNotification['update'], sessionId = SESSION): void => {
  controller.handleNotification({ sessionId, update });
};

describe('SessionController', () => {
  it('creates a session on the first prompt and streams the turn into the transcript', async () => {
    const busyDuringTurn: boolean[] = [];
    const { connection, controller } = setUp({
      'claude/session/new': () => Promise.resolve(newSessionResult),
      'claude/session/prompt': (_params, chat) => {
        busyDuringTurn.push(chat.busy);
        for (const update of fixCalcUpdates) {
          notify(chat, update);
        }
        return Promise.resolve({ stopReason: 'end_turn', result: 'Fixed', numTurns: 3, costUsd: 0.04998, permissionDenials: [] });
      },
    });
    const editor = { uri: 'file:///home/me/demo/calc.py', version: 3, selections: [{ start: { line: 1, character: 0 }, end: { line: 1, character: 0 } }] };
    const result = await controller.prompt('fix the bug in calc.py', editor, '/home/me/demo');

    assert.equal(result?.stopReason, 'end_turn');
    assert.deepEqual(busyDuringTurn, [true]);
    assert.equal(controller.busy, false);
    assert.deepEqual(connection.sent.map((message) => message.method), ['claude/session/new', 'claude/session/prompt']);
    assert.deepEqual(connection.sent[0].params, { cwd: '/home/me/demo' });
    assert.deepEqual(connection.sent[1].params, {
      sessionId: SESSION,
      prompt: [{ type: 'text', text: 'fix the bug in calc.py' }],
      editorContext: { textDocument: { uri: 'file:///home/me/demo/calc.py', version: 3 }, ranges: [{ start: { line: 1, character: 0 }, end: { line: 1, character: 0 } }] },
    });
    const kinds = controller.transcript.entries.map((entry) => entry.kind);
    assert.deepEqual(kinds, ['notice', 'user', 'agent', 'tool', 'agent', 'tool', 'agent'], 'the settings warning, then the turn');
    const view = controller.view();
    assert.equal(view.model, 'claude-opus-4-8');
    assert.equal(view.modeId, 'default');
    assert.deepEqual(view.modes.map((mode) => mode.id), ['default', 'plan']);
    assert.equal(view.costUsd, 0.04998);
  });

  it('keeps updates that arrive before the new session answer is handled', async () => {
    const { controller } = setUp({
      'claude/session/new': (_params, chat) => {
        notify(chat, { sessionUpdate: 'available_commands_update', availableCommands: [{ name: 'clear', description: 'Start over' }] });
        notify(chat, { sessionUpdate: 'agent_message_chunk', content: { type: 'text', text: 'from a code action task' } }, 'another-session');
        return Promise.resolve(newSessionResult);
      },
    });
    await controller.newSession('/home/me/demo');
    assert.deepEqual(controller.transcript.commands, [{ name: 'clear', description: 'Start over' }]);
    assert.equal(controller.transcript.entries.filter((entry) => entry.kind === 'agent').length, 0, 'other sessions are not this chat');
  });

  it('ignores other sessions once the chat has one', async () => {
    const { controller } = setUp({ 'claude/session/new': () => Promise.resolve(newSessionResult) });
    await controller.newSession('/home/me/demo');
    notify(controller, { sessionUpdate: 'agent_message_chunk', content: { type: 'text', text: 'elsewhere' } }, 'task-session');
    notify(controller, { sessionUpdate: 'agent_message_chunk', content: { type: 'text', text: 'here' } });
    assert.deepEqual(controller.transcript.entries.filter((entry) => entry.kind === 'agent').map((entry) => entry.kind === 'agent' && entry.text), ['here']);
  });

  it('loads a session, taking the replayed history', async () => {
    const { connection, controller, events } = setUp({
      'claude/session/load': (_params, chat) => {
        notify(chat, { sessionUpdate: 'user_message_chunk', content: { type: 'text', text: 'fix the bug' } }, 'old-session');
        notify(chat, { sessionUpdate: 'agent_message_chunk', content: { type: 'text', text: 'Fixed.' } }, 'old-session');
        return Promise.resolve({ ...newSessionResult, sessionId: 'old-session' });
      },
    });
    await controller.loadSession('old-session');
    assert.deepEqual(connection.sent[0], { method: 'claude/session/load', params: { sessionId: 'old-session' } });
    assert.equal(controller.sessionId, 'old-session');
    assert.deepEqual(controller.transcript.entries.map((entry) => entry.kind), ['user', 'agent', 'notice']);
    assert.equal(events[0].kind, 'reset', 'the view starts over first');
  });

  it('turns errors into notices and becomes idle again', async () => {
    const { controller } = setUp({
      'claude/session/new': () => Promise.resolve(newSessionResult),
      'claude/session/prompt': () => Promise.reject(Object.assign(new Error('No Anthropic credentials: set ANTHROPIC_API_KEY'), { code: -32001 })),
    });
    assert.equal(await controller.prompt('hello', undefined, '/home/me/demo'), undefined);
    const last = controller.transcript.entries.at(-1);
    assert.ok(last?.kind === 'notice');
    assert.match(last.text, /No Anthropic credentials[\s\S]*settings\.json/);
    assert.equal(controller.busy, false);
  });

  it('refuses a second prompt while one runs, and cancels the running one', async () => {
    let finish: (value: unknown) => void = () => undefined;
    const { connection, controller } = setUp({
      'claude/session/new': () => Promise.resolve(newSessionResult),
      'claude/session/prompt': () => new Promise((resolve) => (finish = resolve)),
    });
    const running = controller.prompt('first', undefined, '/home/me/demo');
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(await controller.prompt('second', undefined, '/home/me/demo'), undefined);
    await controller.cancel();
    finish({ stopReason: 'cancelled' });
    await running;
    assert.deepEqual(connection.sent.filter((message) => message.method !== 'claude/session/new').map((message) => message.method), ['claude/session/prompt', 'claude/session/cancel']);
    assert.deepEqual(connection.sent.at(-1)?.params, { sessionId: SESSION });
    const texts = controller.transcript.entries.map((entry) => ('text' in entry ? entry.text : ''));
    assert.ok(texts.some((text) => text.startsWith('Claude is still working')));
    assert.equal(texts.at(-1), 'Stopped.');
  });

  it('sets the mode of the session', async () => {
    const { connection, controller } = setUp({
      'claude/session/new': () => Promise.resolve(newSessionResult),
      'claude/session/setMode': (_params, chat) => {
        notify(chat, { sessionUpdate: 'current_mode_update', currentModeId: 'plan' });
        return Promise.resolve({});
      },
    });
    await assert.rejects(controller.setMode('plan'), /no chat session yet/);
    await controller.newSession('/home/me/demo');
    assert.deepEqual(connection.sent[0].params, { cwd: '/home/me/demo' });
    await controller.setMode('plan');
    assert.equal(controller.view().modeId, 'plan');
  });

  it('redraws the mode list when the server refuses a mode', async () => {
    const { controller, events } = setUp({
      'claude/session/new': () => Promise.resolve(newSessionResult),
      'claude/session/setMode': () => Promise.reject(Object.assign(new Error('Invalid params: modeId: bypassPermissions mode is disabled by settings'), { code: -32602 })),
    });
    await controller.newSession('/home/me/demo');
    events.length = 0;
    await assert.rejects(controller.setMode('bypassPermissions'), /disabled by settings/);
    assert.ok(events.some((event) => event.kind === 'change' && event.change.session), 'the view is told to redraw');
    assert.equal(controller.view().modeId, 'default');
  });

  it('keeps the transcript when the server is lost, and says how to go on', async () => {
    const { controller } = setUp({ 'claude/session/new': () => Promise.resolve(newSessionResult) });
    controller.sessionLost();
    assert.equal(controller.transcript.entries.length, 0, 'no session, nothing to say');
    await controller.newSession('/home/me/demo');
    notify(controller, { sessionUpdate: 'agent_message_chunk', content: { type: 'text', text: 'Fixed.' } });
    controller.sessionLost();
    assert.equal(controller.sessionId, undefined);
    assert.deepEqual(controller.modes, []);
    const texts = controller.transcript.entries.map((entry) => ('text' in entry ? entry.text : ''));
    assert.equal(texts[1], 'Fixed.');
    assert.match(texts.at(-1) ?? '', /session was lost[\s\S]*Sessions…/);
  });

  it('drops the old turn when New is pressed while it runs', async () => {
    const finishes: ((value: unknown) => void)[] = [];
    let created = 0;
    const { connection, controller } = setUp({
      'claude/session/new': () => Promise.resolve({ ...newSessionResult, sessionId: `session-${String(++created)}` }),
      'claude/session/prompt': () => new Promise((resolve) => finishes.push(resolve)),
    });
    const old = controller.prompt('first', undefined, '/home/me/demo');
    await new Promise((resolve) => setImmediate(resolve));
    await controller.cancel();
    await controller.newSession('/home/me/demo');
    assert.equal(controller.busy, false, 'the new session is idle');
    finishes[0]({ stopReason: 'cancelled' });
    assert.equal(await old, undefined);
    assert.equal(controller.sessionId, 'session-2');
    assert.deepEqual(controller.transcript.entries.map((entry) => entry.kind), ['notice'], 'only the new session\'s warning: no "first", no "Stopped."');
    assert.deepEqual(connection.sent.find((message) => message.method === 'claude/session/cancel')?.params, { sessionId: 'session-1' });

    const next = controller.prompt('second', undefined, '/home/me/demo');
    await new Promise((resolve) => setImmediate(resolve));
    finishes[1]({ stopReason: 'end_turn' });
    assert.equal((await next)?.stopReason, 'end_turn');
    assert.equal(controller.busy, false);
  });

  it('remembers a Stop pressed while the session is being created', async () => {
    let answer: (value: SessionResult) => void = () => undefined;
    const { connection, controller } = setUp({ 'claude/session/new': () => new Promise((resolve) => (answer = resolve)) });
    const running = controller.prompt('hello', undefined, '/home/me/demo');
    await controller.cancel();
    answer(newSessionResult);
    assert.equal(await running, undefined);
    assert.deepEqual(connection.sent.map((message) => message.method), ['claude/session/new'], 'the prompt was never sent');
    assert.equal(controller.busy, false);
    const texts = controller.transcript.entries.map((entry) => ('text' in entry ? entry.text : ''));
    assert.deepEqual(texts.slice(-2), ['hello', 'Stopped.']);
  });

  it('keeps the current chat when a session fails to load', async () => {
    const { controller } = setUp({
      'claude/session/new': () => Promise.resolve(newSessionResult),
      'claude/session/load': (_params, chat) => {
        notify(chat, { sessionUpdate: 'user_message_chunk', content: { type: 'text', text: 'half a replay' } }, 'broken');
        return Promise.reject(Object.assign(new Error("Invalid params: unknown sessionId 'broken'"), { code: -32602 }));
      },
    });
    await controller.newSession('/home/me/demo');
    notify(controller, { sessionUpdate: 'agent_message_chunk', content: { type: 'text', text: 'still here' } });
    const before = controller.transcript.entries.map((entry) => entry.id);
    await assert.rejects(controller.loadSession('broken'), /unknown sessionId/);
    assert.equal(controller.sessionId, SESSION);
    assert.deepEqual(controller.transcript.entries.map((entry) => entry.id), before);
  });

  it('pages through the session list with the cursor', async () => {
    const { connection, controller } = setUp({ 'claude/session/list': () => Promise.resolve({ sessions: [] }) });
    await controller.listSessions('/home/me/demo', 'page-2');
    assert.deepEqual(connection.sent[0].params, { cwd: '/home/me/demo', cursor: 'page-2' });
  });
});
