import { SfxError } from '@sfx/core';

/** Exit statuses of the `sfx` command. */
export const ExitCode = { Ok: 0, Failure: 1, Usage: 2 } as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Bad command-line input (a malformed flag, a missing argument): exit status 2. */
export class UsageError extends SfxError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SFX_ERR_USAGE', message, options);
  }
}

/** The exit status for an error thrown by a command. */
export function exitCodeFor(error: unknown): ExitCode {
  if (error instanceof UsageError) return ExitCode.Usage;
  if (error instanceof SfxError && error.code === 'SFX_ERR_VALIDATION') return ExitCode.Usage;
  return ExitCode.Failure;
}

/** One line for the terminal: the message, without a stack, with the error code when there is one. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const message = error.message.split('\n')[0] ?? '';
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' && code.startsWith('SFX_ERR_') && code !== 'SFX_ERR_USAGE'
      ? `${message} (${code})`
      : message;
  }
  return String(error);
}

/** The stack of an error and of each of its causes, for `--verbose`. */
export function describeErrorVerbose(error: unknown): string {
  const lines: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 5; depth++) {
    const text = current instanceof Error ? (current.stack ?? `${current.name}: ${current.message}`) : String(current);
    lines.push(depth === 0 ? text : `caused by: ${text}`);
    current = current instanceof Error ? current.cause : undefined;
  }
  return lines.join('\n');
}
