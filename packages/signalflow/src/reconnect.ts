import { backoffDelay, type Logger, type ResolvedRetryOptions, ValidationError } from '@sfx/core';

export interface ReconnectOptions {
  /**
   * Reconnection attempts in a row before the computations fail. An attempt that connects but
   * drops again before `stableAfterMs` still counts. Default 10.
   */
  maxAttempts?: number;
  /** Backoff ceiling of the first attempt, ms. Default 250. */
  initialDelayMs?: number;
  /** Largest wait between attempts, ms. Default 15,000. */
  maxDelayMs?: number;
  /**
   * A connection that stays up this long counts as healthy: the attempt count starts over at its
   * next drop. Default 30,000.
   */
  stableAfterMs?: number;
}

export interface ResolvedReconnect extends ResolvedRetryOptions {
  stableAfterMs: number;
}

function integerAtLeast(value: unknown, fallback: number, field: string, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new ValidationError(`reconnect.${field} must be an integer of at least ${min}, got ${String(value)}`, {
      field: `reconnect.${field}`,
    });
  }
  return value;
}

export function resolveReconnect(options: ReconnectOptions | false | undefined): ResolvedReconnect | false {
  if (options === false) return false;
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new ValidationError('reconnect must be an object or false', { field: 'reconnect' });
  }
  return {
    maxAttempts: integerAtLeast(options?.maxAttempts, 10, 'maxAttempts', 1),
    initialDelayMs: integerAtLeast(options?.initialDelayMs, 250, 'initialDelayMs', 0),
    maxDelayMs: integerAtLeast(options?.maxDelayMs, 15_000, 'maxDelayMs', 0),
    maxElapsedMs: Number.MAX_SAFE_INTEGER,
    stableAfterMs: integerAtLeast(options?.stableAfterMs, 30_000, 'stableAfterMs', 0),
  };
}

/**
 * The reconnection attempts of one connection (the shared socket, or one SSE stream). The count
 * starts over only after a connection stayed up for `stableAfterMs`, so a server that accepts and
 * drops at once is not retried forever.
 */
export class ReconnectBudget {
  readonly #options: ResolvedReconnect | false;
  readonly #now: () => number;
  #attempts = 0;
  #connectedAt: number | undefined;

  constructor(options: ResolvedReconnect | false, now: () => number = Date.now) {
    this.#options = options;
    this.#now = now;
  }

  /** Attempts made since the last healthy connection. */
  get attempts(): number {
    return this.#attempts;
  }

  /** A connection is up (authenticated, or the SSE response arrived). */
  connected(): void {
    this.#connectedAt = this.#now();
  }

  /**
   * The connection dropped: the wait in ms before the next attempt, or `undefined` when the
   * attempts ran out (the count then starts over for whatever comes next).
   */
  nextDelay(): number | undefined {
    const options = this.#options;
    if (options === false) return undefined;
    if (this.#connectedAt !== undefined && this.#now() - this.#connectedAt >= options.stableAfterMs) {
      this.#attempts = 0;
    }
    this.#connectedAt = undefined;
    const attempt = ++this.#attempts;
    if (attempt > options.maxAttempts) {
      this.#attempts = 0;
      return undefined;
    }
    return backoffDelay(attempt, options);
  }
}

/** What the client gives either transport (WebSocket or SSE). */
export interface TransportSettings {
  token: string;
  userAgent: string;
  logger: Logger;
  proxy: string | false | undefined;
  reconnect: ResolvedReconnect | false;
  idleTimeoutMs: number;
  connectTimeoutMs: number;
  maxBufferedMessages: number;
}
