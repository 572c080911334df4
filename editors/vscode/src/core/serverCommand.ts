// Decides how to start the server: an explicit path, `claude-lsp` on PATH, or Python.
import * as path from 'node:path';

export interface ServerCommandSettings {
  serverPath: string;
  serverArgs: string[];
  pythonPath: string;
}

export interface ServerCommand {
  command: string;
  args: string[];
}

/** Looks for an executable on PATH; injected so tests need no real files. */
export type ExecutableCheck = (candidate: string) => boolean;

export function findOnPath(name: string, pathVariable: string | undefined, isExecutable: ExecutableCheck, platform = process.platform): string | undefined {
  const names = platform === 'win32' ? [`${name}.exe`, `${name}.cmd`, name] : [name];
  for (const folder of (pathVariable ?? '').split(path.delimiter)) {
    if (folder === '') {
      continue;
    }
    for (const candidate of names) {
      const full = path.join(folder, candidate);
      if (isExecutable(full)) {
        return full;
      }
    }
  }
  return undefined;
}

export function resolveServerCommand(
  settings: ServerCommandSettings,
  pathVariable: string | undefined,
  isExecutable: ExecutableCheck,
  platform = process.platform,
): ServerCommand {
  const extraArgs = settings.serverArgs;
  if (settings.serverPath.trim() !== '') {
    return { command: settings.serverPath.trim(), args: extraArgs };
  }
  const found = findOnPath('claude-lsp', pathVariable, isExecutable, platform);
  if (found !== undefined) {
    return { command: found, args: extraArgs };
  }
  const python = settings.pythonPath.trim() !== '' ? settings.pythonPath.trim() : platform === 'win32' ? 'python' : 'python3';
  // -P: the server starts in the workspace folder, whose files must not shadow its modules.
  return { command: python, args: ['-P', '-m', 'claude_lsp', ...extraArgs] };
}

/** Whether the command can be started: a path must be an executable file, a bare name
 * must be found on PATH. */
export function isRunnable(command: string, pathVariable: string | undefined, isExecutable: ExecutableCheck, platform = process.platform): boolean {
  if (command.includes('/') || (platform === 'win32' && command.includes('\\'))) {
    return isExecutable(command);
  }
  return findOnPath(command, pathVariable, isExecutable, platform) !== undefined;
}
