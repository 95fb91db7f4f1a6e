import type { Clock } from './clock.js';
import { ExponentiallyDecayingReservoir } from './reservoir.js';
import type { Snapshot } from './snapshot.js';

/** A count that goes up (and down). Reported as a cumulative counter. */
export class Counter {
  readonly kind = 'counter' as const;
  count = 0;

  inc(n = 1): void {
    this.count += n;
  }

  dec(n = 1): void {
    this.count -= n;
  }

  reset(): void {
    this.count = 0;
  }
}

/** A value read at report time: from its callback, or the last `set()` (NaN, not reported, until then). */
export class Gauge {
  readonly kind = 'gauge' as const;
  #value: number;
  readonly #callback: (() => number) | undefined;

  constructor(callback?: () => number, initial = Number.NaN) {
    this.#callback = callback;
    this.#value = initial;
  }

  set(value: number): void {
    this.#value = value;
  }

  /** The current value; calls the callback, which may throw. */
  get value(): number {
    return this.#callback ? this.#callback() : this.#value;
  }

  reset(): void {
    this.#value = Number.NaN;
  }
}

/**
 * A distribution: lifetime count, sum, min, max, mean and sample standard deviation, plus quantiles from an
 * exponentially decaying reservoir of 1028 values (α 0.015).
 */
export class Histogram {
  readonly kind: 'histogram' | 'timer' = 'histogram';
  count = 0;
  sum = 0;
  #min = Number.POSITIVE_INFINITY;
  #max = Number.NEGATIVE_INFINITY;
  #mean = 0;
  /** Sum of squared distances from the mean (Welford). */
  #m2 = 0;
  /** The clock of the reservoir's decay weights: the coarse reading when the clock has one. */
  readonly #decayNow: () => number;
  readonly #reservoir: ExponentiallyDecayingReservoir;

  constructor(clock: Clock) {
    this.#decayNow = clock.coarseNow ? clock.coarseNow.bind(clock) : clock.now.bind(clock);
    this.#reservoir = new ExponentiallyDecayingReservoir(this.#decayNow());
  }

  update(value: number): void {
    this.updateAt(value, this.#decayNow());
  }

  /** @internal `update` with a clock reading the caller already has. */
  updateAt(value: number, nowMs: number): void {
    const count = ++this.count;
    this.sum += value;
    if (value < this.#min) this.#min = value;
    if (value > this.#max) this.#max = value;
    const delta = value - this.#mean;
    this.#mean += delta / count;
    this.#m2 += delta * (value - this.#mean);
    this.#reservoir.update(value, nowMs);
  }

  /** Smallest value seen; 0 before the first. */
  get min(): number {
    return this.count === 0 ? 0 : this.#min;
  }

  /** Largest value seen; 0 before the first. */
  get max(): number {
    return this.count === 0 ? 0 : this.#max;
  }

  /** Mean of every value seen; 0 before the first. */
  get mean(): number {
    return this.count === 0 ? 0 : this.#mean;
  }

  /** Sample standard deviation (n − 1) of every value seen; 0 for fewer than two. */
  get stdDev(): number {
    return this.count <= 1 ? 0 : Math.sqrt(this.#m2 / (this.count - 1));
  }

  /** The reservoir's values, sorted, for quantiles. */
  snapshot(): Snapshot {
    return this.#reservoir.snapshot();
  }

  reset(): void {
    this.count = 0;
    this.sum = 0;
    this.#min = Number.POSITIVE_INFINITY;
    this.#max = Number.NEGATIVE_INFINITY;
    this.#mean = 0;
    this.#m2 = 0;
    this.#reservoir.clear(this.#decayNow());
  }
}

const TICK_MS = 5000;
const TICK_SECONDS = TICK_MS / 1000;
const ALPHA_1M = 1 - Math.exp(-TICK_SECONDS / 60);
const ALPHA_5M = 1 - Math.exp(-TICK_SECONDS / 60 / 5);
const ALPHA_15M = 1 - Math.exp(-TICK_SECONDS / 60 / 15);

/**
 * Events per second: the count, the mean rate since creation, and 1, 5 and 15-minute exponentially weighted
 * moving averages that tick every 5 s of the clock (ticks are caught up lazily on mark and on read).
 */
export class Meter {
  readonly kind = 'meter' as const;
  count = 0;
  #uncounted = 0;
  #rate1 = 0;
  #rate5 = 0;
  #rate15 = 0;
  #initialized = false;
  #startMs: number;
  #lastTickMs: number;
  readonly #clock: Clock;

  constructor(clock: Clock) {
    this.#clock = clock;
    this.#startMs = clock.now();
    this.#lastTickMs = this.#startMs;
  }

  mark(n = 1): void {
    this.markAt(n, this.#clock.now());
  }

  /** @internal `mark` with a clock reading the caller already has. */
  markAt(n: number, nowMs: number): void {
    if (nowMs - this.#lastTickMs > TICK_MS) this.#catchUp(nowMs);
    this.count += n;
    this.#uncounted += n;
  }

  #catchUp(nowMs: number): void {
    const age = nowMs - this.#lastTickMs;
    if (age <= TICK_MS) return;
    this.#lastTickMs = nowMs - (age % TICK_MS);
    const ticks = Math.floor(age / TICK_MS);
    this.#tick();
    // Every further tick sees no new events: the rates only decay, which has a closed form.
    if (ticks > 1) {
      this.#rate1 *= (1 - ALPHA_1M) ** (ticks - 1);
      this.#rate5 *= (1 - ALPHA_5M) ** (ticks - 1);
      this.#rate15 *= (1 - ALPHA_15M) ** (ticks - 1);
    }
  }

  #tick(): void {
    const instantRate = this.#uncounted / TICK_SECONDS;
    this.#uncounted = 0;
    if (this.#initialized) {
      this.#rate1 += ALPHA_1M * (instantRate - this.#rate1);
      this.#rate5 += ALPHA_5M * (instantRate - this.#rate5);
      this.#rate15 += ALPHA_15M * (instantRate - this.#rate15);
    } else {
      this.#rate1 = instantRate;
      this.#rate5 = instantRate;
      this.#rate15 = instantRate;
      this.#initialized = true;
    }
  }

  /** One-minute moving average, events per second. */
  get oneMinuteRate(): number {
    this.#catchUp(this.#clock.now());
    return this.#rate1;
  }

  get fiveMinuteRate(): number {
    this.#catchUp(this.#clock.now());
    return this.#rate5;
  }

  get fifteenMinuteRate(): number {
    this.#catchUp(this.#clock.now());
    return this.#rate15;
  }

  /** Events per second since creation (or the last reset); 0 before the first. */
  get meanRate(): number {
    if (this.count === 0) return 0;
    const elapsedMs = this.#clock.now() - this.#startMs;
    return elapsedMs <= 0 ? 0 : (this.count * 1000) / elapsedMs;
  }

  reset(): void {
    this.count = 0;
    this.#uncounted = 0;
    this.#rate1 = 0;
    this.#rate5 = 0;
    this.#rate15 = 0;
    this.#initialized = false;
    this.#startMs = this.#clock.now();
    this.#lastTickMs = this.#startMs;
  }
}

/**
 * Durations in milliseconds: a histogram of them plus a meter of how often they happen. `start()` returns a
 * function that stops the watch, records the duration and returns it.
 */
export class Timer extends Histogram {
  override readonly kind = 'timer' as const;
  /** How often: rates of the timed events. */
  readonly meter: Meter;
  readonly #timerClock: Clock;

  constructor(clock: Clock) {
    super(clock);
    this.#timerClock = clock;
    this.meter = new Meter(clock);
  }

  /** Records one duration, in milliseconds. */
  override update(durationMs: number): void {
    const now = this.#timerClock.now();
    this.updateAt(durationMs, now);
    this.meter.markAt(1, now);
  }

  /** Starts a stopwatch; calling the returned function records and returns the elapsed milliseconds. */
  start(): () => number {
    const clock = this.#timerClock;
    const started = clock.now();
    let stopped = false;
    return () => {
      const now = clock.now();
      const elapsed = now - started;
      if (!stopped) {
        stopped = true;
        this.updateAt(elapsed, now);
        this.meter.markAt(1, now);
      }
      return elapsed;
    };
  }

  /** Times `fn` (sync or async), recording its duration even when it throws or rejects. */
  time<T>(fn: () => T): T {
    const stop = this.start();
    let result: T;
    try {
      result = fn();
    } catch (error) {
      stop();
      throw error;
    }
    if (isThenable(result)) {
      result.then(stop, stop);
    } else {
      stop();
    }
    return result;
  }

  override reset(): void {
    super.reset();
    this.meter.reset();
  }
}

/** @internal */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

export type Metric = Counter | Gauge | Histogram | Meter | Timer;
export type MetricKind = Metric['kind'];
