// One scripted session against `claude-lsp --acp`, as an editor on the ACP TypeScript
// SDK runs it: initialize, session/new, a prompt whose Read goes through
// fs/read_text_file (an unsaved buffer), whose Edit asks permission and is written
// through fs/write_text_file. The SDK checks every message against ACP's schema.
// Usage: node session.mjs <project folder> <agent command...>; prints a JSON report.
import { spawn } from "node:child_process";
import { Readable, Writable } from "node:stream";
import * as acp from "@agentclientprotocol/sdk";

const [project, ...command] = process.argv.slice(2);
const calc = `${project}/calc.py`;
const buffers = new Map([[calc, "def add(a, b):\n    # unsaved in the editor\n    return a - b\n"]]);
const report = { reads: [], writes: [], questions: [], updates: [] };

const agentProcess = spawn(command[0], command.slice(1), {
  cwd: project,
  stdio: ["pipe", "pipe", "inherit"],
});
const stream = acp.ndJsonStream(Writable.toWeb(agentProcess.stdin), Readable.toWeb(agentProcess.stdout));

const editor = acp
  .client({ name: "acp-typescript-check" })
  .onRequest("fs/read_text_file", ({ params }) => {
    report.reads.push(params.path);
    return { content: buffers.get(params.path) ?? "" };
  })
  .onRequest("fs/write_text_file", ({ params }) => {
    report.writes.push([params.path, params.content]);
    buffers.set(params.path, params.content);
    return {};
  })
  .onRequest("session/request_permission", ({ params }) => {
    report.questions.push({ title: params.toolCall.title, kinds: params.options.map((o) => o.kind) });
    const allow = params.options.find((o) => o.kind === "allow_once");
    return { outcome: { outcome: "selected", optionId: allow.optionId } };
  });

try {
  await editor.connectWith(stream, async (ctx) => {
    const hello = await ctx.request("initialize", {
      protocolVersion: acp.PROTOCOL_VERSION,
      clientCapabilities: { fs: { readTextFile: true, writeTextFile: true } },
    });
    report.agent = hello.agentInfo;
    report.loadSession = hello.agentCapabilities?.loadSession;
    await ctx.buildSession(project).withSession(async (session) => {
      report.modes = session.modes?.availableModes.map((m) => m.id);
      const done = session.prompt("Fix the bug in calc.py");
      for (;;) {
        const message = await session.nextUpdate();
        if (message.kind === "stop") {
          report.stopReason = message.stopReason;
          break;
        }
        report.updates.push(message.update.sessionUpdate);
      }
      await done;
    });
  });
} finally {
  agentProcess.kill();
}
report.buffer = buffers.get(calc);
process.stdout.write(JSON.stringify(report) + "\n");
