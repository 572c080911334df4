// Runs the message handling against the real claude-lsp: the pytest test
// (tests/editors/test_vscode_extension.py) starts a fake Messages API scripted to read and
// fix calc.py, and passes the server command and project here. Skipped when run alone.
// calc.py is open, as in VS Code: the prompt carries editorContext, and the edit comes
// back as an annotated workspace/applyEdit for review (diffReview), which this test
// accepts the way the refactor preview's "Apply" does.
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
import { clientCapability, configurationAnswer } from '../core/settings';

const command = process.env.CLAUDE_LSP_COMMAND;
const project = process.env.CLAUDE_LSP_TEST_PROJECT;

interface TextEdit {
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  newText: string;
}

interface ApplyEditParams {
  label?: string;
  edit: {
    documentChanges?: { textDocument: { uri: string; version: number | null }; edits: TextEdit[] }[];
    changeAnnotations?: Record<string, { label: string; needsConfirmation?: boolean }>;
  };
}

/** What VS Code does with accepted edits (lines end at \n here; UTF-16 like the server). */
function applyTextEdits(text: string, edits: TextEdit[]): string {
  const lineStarts = [0, ...[...text.matchAll(/\n/g)].map((match) => match.index + 1)];
  const offset = (position: TextEdit['range']['start']): number => lineStarts[position.line] + position.character;
  const ordered = [...edits].sort((a, b) => offset(b.range.start) - offset(a.range.start));
  return ordered.reduce((current, edit) => current.slice(0, offset(edit.range.start)) + edit.newText + current.slice(offset(edit.range.end)), text);
}

describe('against the real server', { skip: command === undefined || project === undefined ? 'CLAUDE_LSP_COMMAND and CLAUDE_LSP_TEST_PROJECT are not set' : false }, () => {
  it('sends the editor context, takes the edit for review into the open buffer, and folds the real updates', async () => {
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
    // The settings come only as the answer to workspace/configuration, as the extension gives them.
    connection.onRequest('workspace/configuration', (params: { items: { section?: string }[] }) => configurationAnswer(params.items, params.items.map(() => null), { permissionMode: 'default' }));
    connection.onRequest(Methods.saveDocuments, (params: SaveDocumentsParams) => ({ saved: params.uris }));
    const calcUri = pathToFileURL(calc).toString();
    const buffer = { text: fs.readFileSync(calc, 'utf8'), version: 1 };
    const applied: ApplyEditParams[] = [];
    connection.onRequest('workspace/applyEdit', async (params: ApplyEditParams) => {
      applied.push(params);
      for (const change of params.edit.documentChanges ?? []) {
        assert.equal(change.textDocument.uri, calcUri);
        buffer.text = applyTextEdits(buffer.text, change.edits);
      }
      buffer.version += 1;
      await connection.sendNotification('textDocument/didChange', { textDocument: { uri: calcUri, version: buffer.version }, contentChanges: [{ text: buffer.text }] });
      return { applied: true };
    });
    connection.listen();
    try {
      await connection.sendRequest('initialize', {
        processId: process.pid,
        rootUri: pathToFileURL(root).toString(),
        workspaceFolders: [{ uri: pathToFileURL(root).toString(), name: 'project' }],
        capabilities: {
          // What vscode-languageclient declares for the paths this test takes.
          workspace: { applyEdit: true, configuration: true, workspaceEdit: { documentChanges: true, resourceOperations: ['create'], changeAnnotationSupport: { groupsOnLabel: true } } },
          experimental: { claude: clientCapability({ reviewEdits: true }) },
        },
      });
      await connection.sendNotification('initialized', {});
      await connection.sendNotification('textDocument/didOpen', { textDocument: { uri: calcUri, languageId: 'python', version: buffer.version, text: buffer.text } });

      // The cursor's line selected in the editor, as the chat sends it.
      const editor = { uri: calcUri, version: buffer.version, selections: [{ start: { line: 1, character: 0 }, end: { line: 1, character: 16 } }] };
      const result = await chat.prompt('fix the bug in calc.py', editor, root);

      assert.equal(result?.stopReason, 'end_turn');
      assert.equal(buffer.text, 'def add(a, b):\n    return a + b\n', 'the edit went into the open buffer');
      assert.equal(fs.readFileSync(calc, 'utf8'), 'def add(a, b):\n    return a - b\n', 'an open file is never written behind the editor');
      assert.equal(questions.length, 0, 'with diffReview the edit itself is the question');
      assert.equal(applied.length, 1);
      const annotations = Object.values(applied[0].edit.changeAnnotations ?? {});
      assert.ok(annotations.length > 0 && annotations.every((annotation) => annotation.needsConfirmation === true), 'each change waits for the user in the refactor preview');

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
