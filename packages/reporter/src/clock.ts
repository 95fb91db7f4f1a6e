import { performance } from 'node:perf_hooks';
// From node:timers, not the globals: fake timers installed by an app's tests must not freeze the coarse clock.
import { clearInterval, setInterval } from 'node:timers';

/**
 * A monotonic clock in milliseconds. Rates, decay and timers read it; tests inject a fake one.
 * Only differences between two readings matter, never the absolute value.
 */
export interface Clock {
  now(): number;
  /**
   * Optional cheaper reading, never ahead of `now()` and at most about `COARSE_CLOCK_RESOLUTION_MS` behind it
   * while the event loop turns (a long synchronous stretch sees one value). Used only where such an error is
   * immaterial: the decay weights of histogram reservoirs (α 0.015/s: 100 ms moves a weight by 0.15%). Without
   * it, `now()` is used.
   */
  coarseNow?(): number;
}

/** How often the coarse reading of `systemClock` is refreshed while it is being read. */
export const COARSE_CLOCK_RESOLUTION_MS = 100;

let coarseMs = 0;
let readSinceRefresh = false;
let refresher: ReturnType<typeof setInterval> | undefined;

function refreshCoarse(): void {
  // Nobody read it during the last period: stop waking up; the next read starts again.
  if (!readSinceRefresh) {
    clearInterval(refresher);
    refresher = undefined;
    return;
  }
  readSinceRefresh = false;
  coarseMs = performance.now();
}

function coarseNow(): number {
  if (refresher === undefined) {
    coarseMs = performance.now();
    refresher = setInterval(refreshCoarse, COARSE_CLOCK_RESOLUTION_MS);
    refresher.unref();
  }
  readSinceRefresh = true;
  return coarseMs;
}

/**
 * The process's monotonic high-resolution clock (`performance.now()`, which costs tens of ns on some virtual
 * machines), with a coarse reading refreshed by an unref'd timer that runs only while something reads it.
 */
export const systemClock: Clock = { now: () => performance.now(), coarseNow };
