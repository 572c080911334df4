// Reads the claudeLsp.* settings into the plain shape the core works with.
import * as vscode from 'vscode';
import type { ExtensionSettings } from './core/settings';

export const SECTION = 'claudeLsp';

export function readSettings(): ExtensionSettings {
  const config = vscode.workspace.getConfiguration(SECTION);
  return {
    serverPath: config.get<string>('serverPath', ''),
    serverArgs: config.get<string[]>('serverArgs', []),
    pythonPath: config.get<string>('pythonPath', ''),
    env: config.get<Record<string, string>>('env', {}),
    model: config.get<string>('model', ''),
    permissionMode: config.get<string>('permissionMode', ''),
    maxTurns: config.get<number | null>('maxTurns', null),
    reviewEdits: config.get<boolean>('reviewEdits', true),
    claudeSettings: config.get<Record<string, unknown>>('settings', {}),
  };
}

/** Settings that only take effect when the server (re)starts. */
export const RESTART_SETTINGS = ['serverPath', 'serverArgs', 'pythonPath', 'env', 'reviewEdits'].map((key) => `${SECTION}.${key}`);
