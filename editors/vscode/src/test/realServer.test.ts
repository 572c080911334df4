// Runs the message handling against the real claude-lsp: the pytest test
// (tests/editors/test_vscode_extension.py) starts a fake Messages API scripted to read and
// fix calc.py, and passes the server command and project here. Skipped when run alone.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { outcomeForButton, permissionQuestion } from '../core/permission';
import type { RequestPermissionParams, SaveDocumentsParams, SessionNotification } from '../core/protocol';
import { Methods } from '../core/protocol';
import { SessionController } from '../core/sessionController';
import { clientCapability } from '../core/settings';

const command = process.env.CLAUDE_LSP_COMMAND;
const project = process.env.CLAUDE_LSP_TEST_PROJECT;

describe('against the real server', { skip: command === undefined || project === undefined ? 'CLAUDE_LSP_COMMAND and CLAUDE_LSP_TEST_PROJECT are not set' : false }, () => {
  it('runs a prompt that asks permission to edit, and folds the real updates', async () => {
    const [program, ...args] = JSON.parse(command ?? '[]') as string[];
    const root = project ?? '';
    const calc = path.join(root, 'calc.py');
    const server = spawn(program, args, { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] });
    const connection = createMessageConnection(new StreamMessageReader(server.stdout), new StreamMessageWriter(server.stdin));
    const chat = new SessionController({
      sendRequest: (method, params) => connection.sendRequest(method, params),
      sendNotification: (method, params) => connection.sendNotification(method, params),
    });
    const questions: RequestPermissionParams[] = [];
    const updateKinds: string[] = [];
    connection.onNotification(Methods.sessionUpdate, (notification: SessionNotification) => {
      updateKinds.push(notification.update.sessionUpdate);
      chat.handleNotification(notification);
    });
    connection.onRequest(Methods.requestPermission, (params: RequestPermissionParams): unknown => {
      questions.push(params);
      // What a click on the modal's first button ("Allow") answers.
      return outcomeForButton(params, permissionQuestion(params).buttons[0]);
    });
    connection.onRequest(Methods.saveDocuments, (params: SaveDocumentsParams) => ({ saved: params.uris }));
    connection.listen();
    try {
      await connection.sendRequest('initialize', {
        processId: process.pid,
        rootUri: pathToFileURL(root).toString(),
        workspaceFolders: [{ uri: pathToFileURL(root).toString(), name: 'project' }],
        capabilities: { experimental: { claude: clientCapability({ reviewEdits: true }) } },
        initializationOptions: { claude: { permissionMode: 'default' } },
      });
      await connection.sendNotification('initialized', {});

      const result = await chat.prompt('fix the bug in calc.py', undefined, root);

      assert.equal(result?.stopReason, 'end_turn');
      assert.equal(fs.readFileSync(calc, 'utf8'), 'def add(a, b):\n    return a + b\n');
      assert.equal(questions.length, 1, 'the edit needed approval in the default mode');
      const question = permissionQuestion(questions[0]);
      assert.equal(question.diff?.path, calc);
      assert.match(question.diff.oldText ?? '', /return a - b/);
      assert.match(question.diff.newText, /return a \+ b/);
      assert.ok(question.buttons.includes('Deny'));

      const entries = chat.transcript.entries;
      const tools = entries.flatMap((entry) => (entry.kind === 'tool' ? [entry.tool] : []));
      assert.deepEqual(tools.map((tool) => [tool.toolName, tool.kind, tool.status]), [
        ['Read', 'read', 'completed'],
        ['Edit', 'edit', 'completed'],
      ]);
      assert.ok(tools[1].content.some((item) => item.type === 'diff' && item.newText.includes('return a + b')));
      assert.equal(tools[1].awaitingPermission, false);
      const answer = entries.flatMap((entry) => (entry.kind === 'agent' ? [entry.text] : [])).join('');
      assert.match(answer, /Fixed: calc\.add now returns a \+ b\./);
      assert.equal(entries[0].kind === 'user' && entries[0].text, 'fix the bug in calc.py');
      assert.ok(updateKinds.includes('usage_update') && updateKinds.includes('available_commands_update'));
      const view = chat.view();
      assert.equal(typeof view.model, 'string');
      assert.equal(view.modeId, 'default');
      assert.ok((view.costUsd ?? 0) > 0);
    } finally {
      await connection.sendRequest('shutdown').catch(() => undefined);
      await connection.sendNotification('exit').catch(() => undefined);
      connection.dispose();
      if (server.exitCode === null) {
        await new Promise((resolve) => server.once('exit', resolve));
      }
    }
  });
});
