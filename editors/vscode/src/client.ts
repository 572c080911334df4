// Creates the language client: how the server starts, which documents it sees, the
// experimental.claude capability, and the `claude` settings answered to the server.
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { ClientCapabilities, FeatureState, StaticFeature } from 'vscode-languageclient';
import { LanguageClient, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { readSettings, SECTION } from './config';
import { isRunnable, resolveServerCommand, type ServerCommand } from './core/serverCommand';
import { addClaudeCapability, claudeSettingsObject, configurationAnswer, serverEnvironment } from './core/settings';

/** Declares experimental.claude, which makes the server stream updates and ask us. */
class ClaudeCapabilityFeature implements StaticFeature {
  constructor(private readonly reviewEdits: boolean) {}

  fillClientCapabilities(capabilities: ClientCapabilities): void {
    addClaudeCapability(capabilities, { reviewEdits: this.reviewEdits });
  }

  initialize(): void {
    // Nothing to set up: the capability is all this feature adds.
  }

  getState(): FeatureState {
    return { kind: 'static' };
  }

  clear(): void {
    // Holds no listeners.
  }
}

function isExecutable(candidate: string): boolean {
  try {
    fs.accessSync(candidate, fs.constants.X_OK);
    return fs.statSync(candidate).isFile();
  } catch {
    return false;
  }
}

/** The command that starts the server, or undefined (logged) when it cannot be run. */
export function serverCommand(output: vscode.LogOutputChannel): ServerCommand | undefined {
  const resolved = resolveServerCommand(readSettings(), process.env.PATH, isExecutable);
  if (!isRunnable(resolved.command, process.env.PATH, isExecutable)) {
    output.error(`Cannot start the server: ${resolved.command} is not an executable file or on PATH.`);
    return undefined;
  }
  return resolved;
}

export function createClient(output: vscode.LogOutputChannel, { command, args }: ServerCommand): LanguageClient {
  const settings = readSettings();
  output.info(`Starting the server: ${[command, ...args].join(' ')}`);
  const serverOptions: ServerOptions = {
    command,
    args,
    options: { env: serverEnvironment(process.env, settings.env) },
  };
  const clientOptions: LanguageClientOptions = {
    // The server indexes many languages and offers its code actions on any file.
    documentSelector: [{ scheme: 'file' }],
    // No initializationOptions.claude: the server merges the configuration answer over
    // it, so a setting cleared later would live on from there.
    outputChannel: output,
    middleware: {
      workspace: {
        configuration: async (params, token, next) => {
          const found = await next(params, token);
          return Array.isArray(found) ? configurationAnswer(params.items, found, claudeSettingsObject(readSettings())) : found;
        },
      },
    },
  };
  const client = new LanguageClient(SECTION, 'claude-lsp', serverOptions, clientOptions);
  client.registerFeature(new ClaudeCapabilityFeature(settings.reviewEdits));
  return client;
}
