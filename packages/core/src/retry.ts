import { ValidationError } from './errors.js';

export interface RetryOptions {
  /** Attempts in all, the first included. Default 5; 1 disables retries. */
  maxAttempts?: number;
  /** The backoff ceiling of the first retry, in ms. Default 100. */
  initialDelayMs?: number;
  /** The largest wait between two attempts, in ms. Default 10,000. */
  maxDelayMs?: number;
  /** No retry starts after this much time since the first attempt, in ms. Default 60,000. */
  maxElapsedMs?: number;
}

export type ResolvedRetryOptions = Required<RetryOptions>;

export const DEFAULT_RETRY: ResolvedRetryOptions = Object.freeze({
  maxAttempts: 5,
  initialDelayMs: 100,
  maxDelayMs: 10_000,
  maxElapsedMs: 60_000,
});

/** HTTP statuses worth another attempt. Every other 4xx is final. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 429, 502, 503, 504]);

export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUSES.has(status);
}

function positiveInteger(value: number | undefined, fallback: number, field: string, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw new ValidationError(`retry.${field} must be a number >= ${min}, got ${String(value)}`, {
      field: `retry.${field}`,
    });
  }
  return Math.floor(value);
}

/** Fills in and checks retry options. `false` means a single attempt. */
export function resolveRetryOptions(options: RetryOptions | false | undefined): ResolvedRetryOptions {
  if (options === false) return { ...DEFAULT_RETRY, maxAttempts: 1 };
  const o = options ?? {};
  return {
    maxAttempts: positiveInteger(o.maxAttempts, DEFAULT_RETRY.maxAttempts, 'maxAttempts', 1),
    initialDelayMs: positiveInteger(o.initialDelayMs, DEFAULT_RETRY.initialDelayMs, 'initialDelayMs', 0),
    maxDelayMs: positiveInteger(o.maxDelayMs, DEFAULT_RETRY.maxDelayMs, 'maxDelayMs', 0),
    maxElapsedMs: positiveInteger(o.maxElapsedMs, DEFAULT_RETRY.maxElapsedMs, 'maxElapsedMs', 0),
  };
}

/**
 * The wait before retry number `retry` (1 for the first retry): exponential backoff with full
 * jitter, a uniform draw from [0, min(maxDelay, initialDelay * 2^(retry-1))].
 */
export function backoffDelay(retry: number, options: ResolvedRetryOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(random() * ceiling);
}

/**
 * A `Retry-After` header in ms: delta-seconds or an HTTP date. `undefined` when absent or unreadable.
 */
export function parseRetryAfter(value: string | undefined | null, now: number = Date.now()): number | undefined {
  if (value === undefined || value === null) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/**
 * The next wait, or `undefined` when no retry should happen: attempts are used up, or the wait
 * would end past the elapsed-time budget.
 */
export function nextRetryDelay(
  state: { attempt: number; startedAt: number; now: number; retryAfterMs?: number | undefined },
  options: ResolvedRetryOptions,
  random: () => number = Math.random,
): number | undefined {
  if (state.attempt >= options.maxAttempts) return undefined;
  const delay = state.retryAfterMs ?? backoffDelay(state.attempt, options, random);
  if (state.now - state.startedAt + delay > options.maxElapsedMs) return undefined;
  return delay;
}
