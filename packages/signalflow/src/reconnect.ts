import { backoffDelay, type ResolvedRetryOptions, resolveRetryOptions, ValidationError } from '@sfx/core';

export interface ReconnectOptions {
  /** Reconnection attempts after a drop before the computations fail. Default 10. */
  maxAttempts?: number;
  /** Backoff ceiling of the first attempt, ms. Default 250. */
  initialDelayMs?: number;
  /** Largest wait between attempts, ms. Default 15,000. */
  maxDelayMs?: number;
}

export type ResolvedReconnect = ResolvedRetryOptions;

export function resolveReconnect(options: ReconnectOptions | false | undefined): ResolvedReconnect | false {
  if (options === false) return false;
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new ValidationError('reconnect must be an object or false', { field: 'reconnect' });
  }
  const resolved = resolveRetryOptions({
    maxAttempts: options?.maxAttempts ?? 10,
    initialDelayMs: options?.initialDelayMs ?? 250,
    maxDelayMs: options?.maxDelayMs ?? 15_000,
    maxElapsedMs: Number.MAX_SAFE_INTEGER,
  });
  return resolved;
}

/** The wait before reconnection attempt `attempt` (1-based): full-jitter exponential backoff. */
export function reconnectDelay(attempt: number, options: ResolvedReconnect): number {
  // The first retry after a drop is immediate-ish: a jittered fraction of the initial delay.
  return backoffDelay(attempt, options);
}
