// Creates the language client: how the server starts, which documents it sees, the
// experimental.claude capability, and the `claude` settings answered to the server.
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { ClientCapabilities, FeatureState, StaticFeature } from 'vscode-languageclient';
import { LanguageClient, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { readSettings, SECTION } from './config';
import { resolveServerCommand } from './core/serverCommand';
import { claudeSettingsObject, clientCapability, serverEnvironment } from './core/settings';

/** Declares experimental.claude, which makes the server stream updates and ask us. */
class ClaudeCapabilityFeature implements StaticFeature {
  constructor(private readonly reviewEdits: boolean) {}

  fillClientCapabilities(capabilities: ClientCapabilities): void {
    capabilities.experimental = { ...(capabilities.experimental as object | undefined), claude: clientCapability({ reviewEdits: this.reviewEdits }) };
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

export function createClient(output: vscode.LogOutputChannel): LanguageClient {
  const settings = readSettings();
  const { command, args } = resolveServerCommand(settings, process.env.PATH, isExecutable);
  output.info(`Starting the server: ${[command, ...args].join(' ')}`);
  const serverOptions: ServerOptions = {
    command,
    args,
    options: { env: serverEnvironment(process.env, settings.env) },
  };
  const clientOptions: LanguageClientOptions = {
    // The server indexes many languages and offers its code actions on any file.
    documentSelector: [{ scheme: 'file' }],
    initializationOptions: { claude: claudeSettingsObject(settings) },
    outputChannel: output,
    middleware: {
      workspace: {
        // The server asks for section `claude`; answer from our settings, not from
        // whatever other extensions keep under a `claude` key.
        configuration: async (params, token, next) => {
          const answers = await next(params, token);
          if (!Array.isArray(answers)) {
            return answers;
          }
          return params.items.map((item, index): unknown => (item.section === 'claude' ? claudeSettingsObject(readSettings()) : answers[index]));
        },
      },
    },
  };
  const client = new LanguageClient(SECTION, 'claude-lsp', serverOptions, clientOptions);
  client.registerFeature(new ClaudeCapabilityFeature(settings.reviewEdits));
  return client;
}
