import { type Endpoints, type Logger, resolveEndpoints, silentLogger } from '@sfx/core';
import { parseDuration } from './args.js';
import { UsageError } from './errors.js';

/** Options every command accepts (declared once on the root command). */
export interface GlobalOptions {
  token?: string;
  realm?: string;
  ingestUrl?: string;
  apiUrl?: string;
  streamUrl?: string;
  timeout?: string;
  verbose?: boolean;
}

/** Where a command writes, and what it reads from the environment: the process's, or a test's. */
export interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  env: Record<string, string | undefined>;
}

export function processIo(): Io {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env };
}

/** The token: `--token`, else `SFX_TOKEN`. A usage error names both when neither is set. */
export function tokenOf(options: GlobalOptions, env: Io['env']): string {
  const token = options.token?.trim() || env.SFX_TOKEN?.trim();
  if (!token) throw new UsageError('no token: pass --token or set SFX_TOKEN');
  return token;
}

/** Base URLs from the flags, else `SFX_REALM` / `SFX_INGEST_URL` / `SFX_API_URL` / `SFX_STREAM_URL`. */
export function endpointsOf(options: GlobalOptions, env: Io['env']): Endpoints {
  const given: Record<string, string> = {};
  if (options.realm !== undefined) given.realm = options.realm;
  if (options.ingestUrl !== undefined) given.ingestUrl = options.ingestUrl;
  if (options.apiUrl !== undefined) given.apiUrl = options.apiUrl;
  if (options.streamUrl !== undefined) given.streamUrl = options.streamUrl;
  return resolveEndpoints(given, env);
}

/** `--timeout` in ms, if given. */
export function timeoutOf(options: GlobalOptions): number | undefined {
  if (options.timeout === undefined) return undefined;
  const ms = parseDuration(options.timeout, '--timeout');
  if (ms <= 0) throw new UsageError('--timeout must be positive');
  return ms;
}

/** Writes one line. */
export function println(stream: NodeJS.WritableStream, line = ''): void {
  stream.write(`${line}\n`);
}

/**
 * The clients' logger: with `--verbose`, every line (retries included) goes to stderr, so a slow failure
 * shows its attempts; otherwise nothing, since the command reports the outcome itself.
 */
export function loggerOf(options: GlobalOptions, io: Io): Logger {
  if (!options.verbose) return silentLogger;
  const write = (level: string) => (fieldsOrMessage: object | string, message?: string) => {
    const text = typeof fieldsOrMessage === 'string' ? fieldsOrMessage : (message ?? JSON.stringify(fieldsOrMessage));
    println(io.stderr, `sfx: ${level}: ${text}`);
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}
