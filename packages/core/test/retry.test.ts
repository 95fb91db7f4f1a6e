import { describe, expect, it } from 'vitest';
import {
  backoffDelay,
  DEFAULT_RETRY,
  isRetryableStatus,
  nextRetryDelay,
  parseRetryAfter,
  resolveRetryOptions,
  ValidationError,
} from '../src/index.js';

describe('retry policy', () => {
  it('retries exactly 408, 429, 502, 503 and 504', () => {
    const retryable = [];
    for (let status = 400; status < 600; status++) if (isRetryableStatus(status)) retryable.push(status);
    expect(retryable).toEqual([408, 429, 502, 503, 504]);
  });

  it('draws full-jitter exponential backoff capped by maxDelayMs', () => {
    const options = resolveRetryOptions({ initialDelayMs: 100, maxDelayMs: 1_000 });
    expect([1, 2, 3, 4, 5].map((retry) => backoffDelay(retry, options, () => 0.999999))).toEqual([
      99, 199, 399, 799, 999,
    ]);
    expect(backoffDelay(3, options, () => 0)).toBe(0);
    expect(backoffDelay(3, options, () => 0.5)).toBe(200);
  });

  it('stops when attempts are used up', () => {
    const options = resolveRetryOptions({ maxAttempts: 3 });
    expect(nextRetryDelay({ attempt: 2, startedAt: 0, now: 0 }, options, () => 0.5)).toBe(100);
    expect(nextRetryDelay({ attempt: 3, startedAt: 0, now: 0 }, options, () => 0.5)).toBeUndefined();
  });

  it('stops when the wait would end past the elapsed budget', () => {
    const options = resolveRetryOptions({ maxElapsedMs: 5_000 });
    expect(nextRetryDelay({ attempt: 1, startedAt: 0, now: 4_000, retryAfterMs: 900 }, options)).toBe(900);
    expect(nextRetryDelay({ attempt: 1, startedAt: 0, now: 4_000, retryAfterMs: 1_100 }, options)).toBeUndefined();
  });

  it('prefers Retry-After over backoff', () => {
    expect(nextRetryDelay({ attempt: 1, startedAt: 0, now: 0, retryAfterMs: 2_000 }, DEFAULT_RETRY, () => 0)).toBe(
      2_000,
    );
  });

  it('parses Retry-After in seconds and as an HTTP date', () => {
    expect(parseRetryAfter('1')).toBe(1_000);
    expect(parseRetryAfter(' 2.5 ')).toBe(2_500);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:03 GMT', now)).toBe(3_000);
    expect(parseRetryAfter('Thu, 01 Jan 2025 00:00:03 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter('')).toBeUndefined();
  });

  it('turns `false` into a single attempt and checks options', () => {
    expect(resolveRetryOptions(false).maxAttempts).toBe(1);
    expect(resolveRetryOptions(undefined)).toEqual(DEFAULT_RETRY);
    expect(() => resolveRetryOptions({ maxAttempts: 0 })).toThrow(ValidationError);
    expect(() => resolveRetryOptions({ maxDelayMs: Number.NaN })).toThrow(/retry.maxDelayMs/);
  });
});
