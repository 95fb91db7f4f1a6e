import { describe, expect, it } from 'vitest';
import { ReconnectBudget, resolveReconnect } from '../src/reconnect.js';

describe('ReconnectBudget', () => {
  const options = resolveReconnect({ maxAttempts: 3, initialDelayMs: 100, maxDelayMs: 250, stableAfterMs: 1000 });

  it('gives up after maxAttempts drops in a row, even when every attempt connects', () => {
    let now = 0;
    const budget = new ReconnectBudget(options, () => now);
    const delays: Array<number | undefined> = [];
    for (let i = 0; i < 4; i++) {
      budget.connected();
      now += 10; // up for 10 ms: not healthy
      delays.push(budget.nextDelay());
    }
    expect(delays.slice(0, 3).every((d) => d !== undefined)).toBe(true);
    expect(delays[3]).toBeUndefined();
  });

  it('starts over after a connection stayed up for stableAfterMs', () => {
    let now = 0;
    const budget = new ReconnectBudget(options, () => now);
    for (let round = 0; round < 10; round++) {
      budget.connected();
      now += 1000;
      expect(budget.nextDelay()).toBeDefined();
      expect(budget.attempts).toBe(1);
    }
  });

  it('keeps every wait within the backoff ceiling and maxDelayMs', () => {
    const budget = new ReconnectBudget(options, () => 0);
    for (let round = 0; round < 200; round++) {
      for (let attempt = 1; attempt <= 3; attempt++) {
        const delay = budget.nextDelay()!;
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThanOrEqual(Math.min(250, 100 * 2 ** (attempt - 1)));
      }
      expect(budget.nextDelay()).toBeUndefined();
    }
  });

  it('never reconnects when disabled, and validates its options by field', () => {
    expect(new ReconnectBudget(false).nextDelay()).toBeUndefined();
    expect(() => resolveReconnect({ maxAttempts: 0 })).toThrow(
      expect.objectContaining({ field: 'reconnect.maxAttempts' }),
    );
    expect(() => resolveReconnect({ stableAfterMs: -1 })).toThrow(
      expect.objectContaining({ field: 'reconnect.stableAfterMs' }),
    );
    expect(() => resolveReconnect(5 as never)).toThrow(expect.objectContaining({ field: 'reconnect' }));
  });
});
