import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeError } from '../core/errors';
import { createMarkdownRenderer } from '../core/markdown';
import { buildPromptParams } from '../core/promptParams';
import { saveDocuments } from '../core/saveDocuments';
import { isRunnable, resolveServerCommand } from '../core/serverCommand';
import { addClaudeCapability, claudeSettingsObject, clientCapability, configurationAnswer, type ExtensionSettings } from '../core/settings';
import { statusText } from '../core/statusText';
import { toolLocation } from '../core/toolLocation';
import { Transcript } from '../core/transcript';
import { parseFromWebview } from '../core/webviewMessages';

const MODES = [
  { id: 'default', name: 'Default' },
  { id: 'acceptEdits', name: 'Accept edits' },
];

function settings(overrides: Partial<ExtensionSettings> = {}): ExtensionSettings {
  return { serverPath: '', serverArgs: [], pythonPath: '', env: {}, model: '', permissionMode: '', maxTurns: null, reviewEdits: true, claudeSettings: {}, ...overrides };
}

describe('prompt params', () => {
  it('sends the text and where the user is', () => {
    const params = buildPromptParams('s1', 'explain this', {
      uri: 'file:///home/me/demo/calc.py',
      version: 4,
      selections: [{ start: { line: 1, character: 4 }, end: { line: 1, character: 16 } }],
    });
    assert.deepEqual(params, {
      sessionId: 's1',
      prompt: [{ type: 'text', text: 'explain this' }],
      editorContext: { textDocument: { uri: 'file:///home/me/demo/calc.py', version: 4 }, ranges: [{ start: { line: 1, character: 4 }, end: { line: 1, character: 16 } }] },
    });
  });

  it('leaves the context out without a file editor', () => {
    assert.equal(buildPromptParams('s1', 'hi', undefined).editorContext, undefined);
    assert.equal(buildPromptParams('s1', 'hi', { uri: 'untitled:Untitled-1', version: 1, selections: [] }).editorContext, undefined);
  });
});

describe('status bar text', () => {
  it('shows model and mode, and a spinner while busy', () => {
    assert.equal(statusText({ server: 'running', model: 'claude-opus-4-8', modeId: 'acceptEdits', modes: MODES, busy: false }).text, '$(sparkle) claude-opus-4-8 · Accept edits');
    const busy = statusText({ server: 'running', model: 'claude-opus-4-8', modeId: 'acceptEdits', modes: MODES, busy: true, costUsd: 0.04998 });
    assert.equal(busy.text, '$(sync~spin) claude-opus-4-8 · Accept edits');
    assert.match(busy.tooltip, /Session cost: \$0\.0500/);
  });

  it('says when the server is starting or stopped', () => {
    assert.equal(statusText({ server: 'starting', modes: [], busy: false }).text, '$(loading~spin) Claude');
    assert.match(statusText({ server: 'stopped', modes: [], busy: false }).tooltip, /not running/);
    assert.equal(statusText({ server: 'running', modes: [], busy: false, modeId: 'plan' }).text, '$(sparkle) plan', 'an unknown mode shows its id');
  });
});

describe('server command', () => {
  it('uses the configured path with the extra arguments', () => {
    assert.deepEqual(resolveServerCommand(settings({ serverPath: ' /opt/claude-lsp/bin/claude-lsp ', serverArgs: ['--log-level', 'info'] }), '/usr/bin', () => true, 'linux'), {
      command: '/opt/claude-lsp/bin/claude-lsp',
      args: ['--log-level', 'info'],
    });
  });

  it('finds claude-lsp on PATH', () => {
    const seen: string[] = [];
    const command = resolveServerCommand(settings(), '/usr/bin::/home/me/.local/bin', (candidate) => {
      seen.push(candidate);
      return candidate === '/home/me/.local/bin/claude-lsp';
    }, 'linux');
    assert.deepEqual(command, { command: '/home/me/.local/bin/claude-lsp', args: [] });
    assert.deepEqual(seen, ['/usr/bin/claude-lsp', '/home/me/.local/bin/claude-lsp'], 'empty PATH entries are skipped');
  });

  it('falls back to python -m claude_lsp', () => {
    assert.deepEqual(resolveServerCommand(settings({ serverArgs: ['--log-file', '/tmp/l.log'] }), '/usr/bin', () => false, 'linux'), { command: 'python3', args: ['-P', '-m', 'claude_lsp', '--log-file', '/tmp/l.log'] });
    assert.deepEqual(resolveServerCommand(settings({ pythonPath: '/work/.venv/bin/python' }), undefined, () => false, 'linux'), { command: '/work/.venv/bin/python', args: ['-P', '-m', 'claude_lsp'] });
  });

  it('checks the command can run before starting it', () => {
    const executables = new Set(['/usr/bin/python3', '/opt/claude-lsp']);
    const check = (candidate: string): boolean => executables.has(candidate);
    assert.equal(isRunnable('python3', '/usr/local/bin:/usr/bin', check, 'linux'), true);
    assert.equal(isRunnable('python3', '/usr/local/bin', check, 'linux'), false);
    assert.equal(isRunnable('/opt/claude-lsp', undefined, check, 'linux'), true);
    assert.equal(isRunnable('/opt/missing/claude-lsp', '/opt', check, 'linux'), false);
  });
});

describe('settings for the server', () => {
  it('declares the client capability, review following the setting', () => {
    assert.deepEqual(clientCapability({ reviewEdits: true }), { protocolVersion: 1, sessionUpdate: true, requestPermission: true, diffReview: true, saveDocuments: true });
    assert.equal(clientCapability({ reviewEdits: false }).diffReview, false);
  });

  it('adds the capability to what the language client declares, keeping other experimental entries', () => {
    const capabilities: { experimental?: unknown } = { experimental: { other: true } };
    addClaudeCapability(capabilities, { reviewEdits: false });
    assert.deepEqual(capabilities.experimental, { other: true, claude: clientCapability({ reviewEdits: false }) });
    const bare: { experimental?: unknown } = {};
    addClaudeCapability(bare, { reviewEdits: true });
    assert.deepEqual(bare.experimental, { claude: clientCapability({ reviewEdits: true }) });
  });

  it('answers the claude section of workspace/configuration with our settings only', () => {
    const answer = configurationAnswer([{ section: 'editor' }, { section: 'claude' }, {}], [{ tabSize: 4 }, { fromAnotherExtension: true }, null], { model: 'sonnet' });
    assert.deepEqual(answer, [{ tabSize: 4 }, { model: 'sonnet' }, null]);
    assert.deepEqual(configurationAnswer([{ section: 'claude' }], [null], claudeSettingsObject(settings())), [{}], 'cleared settings answer an empty object, which replaces what the server had');
  });

  it('sends only the settings that are set', () => {
    assert.deepEqual(claudeSettingsObject(settings()), {});
    assert.deepEqual(claudeSettingsObject(settings({ model: 'sonnet', permissionMode: 'acceptEdits', maxTurns: 5, claudeSettings: { permissions: { allow: ['Bash(npm test:*)'] } } })), {
      permissions: { allow: ['Bash(npm test:*)'] },
      model: 'sonnet',
      permissionMode: 'acceptEdits',
      maxTurns: 5,
    });
  });
});

describe('saving documents for the server', () => {
  it('saves dirty buffers and counts clean or closed ones as saved', async () => {
    const saves: string[] = [];
    const open: Record<string, { isDirty: boolean; save(): Promise<boolean> }> = {
      'file:///a.py': { isDirty: true, save: () => { saves.push('a'); return Promise.resolve(true); } },
      'file:///b.py': { isDirty: false, save: () => Promise.reject(new Error('not called')) },
      'file:///c.py': { isDirty: true, save: () => Promise.resolve(false) },
      'file:///d.py': { isDirty: true, save: () => Promise.reject(new Error('disk full')) },
    };
    const result = await saveDocuments(['file:///a.py', 'file:///b.py', 'file:///c.py', 'file:///d.py', 'file:///closed.py'], (uri) => open[uri]);
    assert.deepEqual(result, { saved: ['file:///a.py', 'file:///b.py', 'file:///closed.py'] });
    assert.deepEqual(saves, ['a']);
  });
});

describe('webview messages', () => {
  it('accepts the known messages and refuses malformed ones', () => {
    assert.deepEqual(parseFromWebview({ type: 'send', text: 'hi' }), { type: 'send', text: 'hi' });
    assert.deepEqual(parseFromWebview({ type: 'setMode', modeId: 'plan' }), { type: 'setMode', modeId: 'plan' });
    assert.deepEqual(parseFromWebview({ type: 'openLocation', toolCallId: 'toolu_1', index: 0 }), { type: 'openLocation', toolCallId: 'toolu_1', index: 0 });
    assert.equal(parseFromWebview({ type: 'openLocation', path: '/etc/passwd' }), undefined);
    assert.equal(parseFromWebview({ type: 'openLocation', toolCallId: 'toolu_1', index: 0.5 }), undefined);
    assert.deepEqual(parseFromWebview({ type: 'cancel', extra: 1 }), { type: 'cancel' });
    assert.equal(parseFromWebview({ type: 'send', text: 3 }), undefined);
    assert.equal(parseFromWebview({ type: 'runShell', command: 'rm -rf /' }), undefined);
    assert.equal(parseFromWebview('send'), undefined);
    assert.equal(parseFromWebview(null), undefined);
  });
});

describe('tool locations', () => {
  const transcript = new Transcript();
  transcript.apply({ sessionUpdate: 'tool_call', toolCallId: 'toolu_1', title: 'Grep', kind: 'search', locations: [{ path: '/home/me/demo/calc.py', line: 2 }, { path: '/home/me/demo' }, { path: 'relative.py' }, { path: '/home/me/demo/x.py', line: 0 }] });

  it('opens only what the transcript holds, with a usable line', () => {
    assert.deepEqual(toolLocation(transcript, 'toolu_1', 0), { path: '/home/me/demo/calc.py', line: 2 });
    assert.deepEqual(toolLocation(transcript, 'toolu_1', 1), { path: '/home/me/demo', line: undefined });
    assert.equal(toolLocation(transcript, 'toolu_1', 2), undefined, 'a relative path is refused');
    assert.deepEqual(toolLocation(transcript, 'toolu_1', 3), { path: '/home/me/demo/x.py', line: undefined });
    assert.equal(toolLocation(transcript, 'toolu_1', 9), undefined);
    assert.equal(toolLocation(transcript, 'toolu_1', -1), undefined);
    assert.equal(toolLocation(transcript, 'toolu_unknown', 0), undefined);
  });
});

describe('markdown', () => {
  const render = createMarkdownRenderer();

  it('renders the model text', () => {
    assert.equal(render('# Results\n\nThe **sum**:\n\n```python\nprint(1)\n```\n').trim(), '<h1>Results</h1>\n<p>The <strong>sum</strong>:</p>\n<pre><code class="language-python">print(1)\n</code></pre>');
  });

  it('never passes raw HTML or script links through', () => {
    const html = render('<script>alert(1)</script> <img src=x onerror=alert(1)> [click](javascript:alert(1))');
    assert.doesNotMatch(html, /<script|<img|href="javascript/);
    assert.match(html, /&lt;script&gt;/);
  });

  it('aligns table columns with classes, since the view refuses inline styles', () => {
    const html = render('| a | b | c |\n|:--|:-:|--:|\n| 1 | 2 | 3 |\n');
    assert.doesNotMatch(html, /style=/);
    assert.match(html, /<th class="align-left">a<\/th>/);
    assert.match(html, /<td class="align-center">2<\/td>/);
    assert.match(html, /<td class="align-right">3<\/td>/);
  });
});

describe('error text', () => {
  it('adds where to put a key to the no-credentials error', () => {
    const text = describeError({ code: -32001, message: 'No Anthropic credentials: set ANTHROPIC_API_KEY (or ANTHROPIC_AUTH_TOKEN), or point ANTHROPIC_BASE_URL at a gateway that does not need a key.' });
    assert.match(text, /^No Anthropic credentials/);
    assert.match(text, /shell[\s\S]*"env" of a Claude settings file/);
    assert.equal(describeError({ code: -32602, message: "Invalid params: unknown sessionId 'nope'" }), "Invalid params: unknown sessionId 'nope'");
    assert.equal(describeError(new Error('boom')), 'boom');
  });
});
