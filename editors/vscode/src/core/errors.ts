// Words for the errors the server answers with (docs/protocol.md, Errors).
import { ErrorCodes } from './protocol';

interface RpcErrorLike {
  code?: unknown;
  message?: unknown;
}

export function errorCode(error: unknown): number | undefined {
  const code = (error as RpcErrorLike | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

export function describeError(error: unknown): string {
  const message = (error as RpcErrorLike | null)?.message;
  const text = typeof message === 'string' ? message : String(error);
  if (errorCode(error) === ErrorCodes.noCredentials) {
    return `${text}\n\nIn VS Code: start it from a shell that has the key, or put the key in the "env" of a Claude settings file (~/.claude/settings.json), then run "Claude: Restart Server".`;
  }
  return text;
}
