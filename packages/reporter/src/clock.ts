import { performance } from 'node:perf_hooks';

/**
 * A monotonic clock in milliseconds. Rates, decay and timers read it; tests inject a fake one.
 * Only differences between two readings matter, never the absolute value.
 */
export interface Clock {
  now(): number;
}

/** The process's monotonic high-resolution clock (`performance.now()`). */
export const systemClock: Clock = { now: () => performance.now() };
