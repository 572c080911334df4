// The extension's settings as the server sees them: the experimental.claude client
// capability and the `claude` settings object, given only as the answer to
// workspace/configuration. The server merges that answer over initializationOptions.claude,
// so a setting sent there too could never be cleared.
import type { ClaudeClientCapability } from './protocol';

export interface ExtensionSettings {
  serverPath: string;
  serverArgs: string[];
  pythonPath: string;
  env: Record<string, string>;
  model: string;
  permissionMode: string;
  maxTurns: number | null;
  reviewEdits: boolean;
  claudeSettings: Record<string, unknown>;
}

export function clientCapability(settings: Pick<ExtensionSettings, 'reviewEdits'>): ClaudeClientCapability {
  return {
    protocolVersion: 1,
    sessionUpdate: true,
    requestPermission: true,
    diffReview: settings.reviewEdits,
    saveDocuments: true,
  };
}

/** Adds experimental.claude to the capabilities the language client declares, keeping
 * any other experimental entries. */
export function addClaudeCapability(capabilities: { experimental?: unknown }, settings: Pick<ExtensionSettings, 'reviewEdits'>): void {
  const others = typeof capabilities.experimental === 'object' && capabilities.experimental !== null ? capabilities.experimental : {};
  capabilities.experimental = { ...others, claude: clientCapability(settings) };
}

/** The answer to workspace/configuration: our `claude` object for the `claude` section,
 * whatever VS Code found for the rest (it would answer `claude` from any other extension's
 * settings under that key). */
export function configurationAnswer(items: { section?: string }[], found: unknown[], claude: Record<string, unknown>): unknown[] {
  return items.map((item, index) => (item.section === 'claude' ? claude : found[index]));
}

/** Claude Code settings for the server's editor scope. Empty values are left out so the
 * settings files (`~/.claude/settings.json`, …) decide instead. */
export function claudeSettingsObject(settings: ExtensionSettings): Record<string, unknown> {
  const object: Record<string, unknown> = { ...settings.claudeSettings };
  if (settings.model.trim() !== '') {
    object.model = settings.model.trim();
  }
  if (settings.permissionMode !== '') {
    object.permissionMode = settings.permissionMode;
  }
  if (settings.maxTurns !== null && settings.maxTurns >= 1) {
    object.maxTurns = settings.maxTurns;
  }
  return object;
}

/** The server process's environment: the editor's, plus the user's additions. */
export function serverEnvironment(base: NodeJS.ProcessEnv, extra: Record<string, string>): NodeJS.ProcessEnv {
  return { ...base, ...extra };
}
