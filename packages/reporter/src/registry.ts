import { ValidationError } from '@sfx/core';
import { type Clock, systemClock } from './clock.js';
import { Counter, Gauge, Histogram, Meter, type Metric, type MetricKind, Timer } from './metrics.js';

/** Dimensions of a metric: string keys to string values. */
export type Dimensions = Readonly<Record<string, string>>;

/** One registered metric with its name and dimensions. */
export interface RegisteredMetric {
  readonly name: string;
  /** A frozen copy of the dimensions it was registered with. */
  readonly dimensions: Dimensions;
  readonly metric: Metric;
}

export interface MetricsRegistryOptions {
  /** The monotonic clock of rates, decay and timers. Default: `performance.now()`. */
  clock?: Clock;
}

const NO_DIMENSIONS: Dimensions = Object.freeze({});

/**
 * The structured half of a registry key: the sorted (key, value) pairs, JSON-encoded so that no two different
 * dimension sets share a key (unlike string concatenation with separators).
 */
function dimensionsKey(dimensions: Dimensions | undefined, field: string): string {
  if (dimensions === undefined || dimensions === null) return '';
  if (typeof dimensions !== 'object' || Array.isArray(dimensions)) {
    throw new ValidationError(`${field} must be an object of string values`, { field });
  }
  const keys = Object.keys(dimensions);
  if (keys.length === 0) return '';
  if (keys.length > 1) keys.sort();
  const pairs: string[] = [];
  for (const key of keys) {
    const value = dimensions[key];
    if (typeof value !== 'string') {
      throw new ValidationError(`${field}.${key} must be a string, got ${typeof value}`, { field: `${field}.${key}` });
    }
    if (key === '') throw new ValidationError(`${field} has an empty key`, { field });
    pairs.push(key, value);
  }
  return JSON.stringify(pairs);
}

/**
 * A dimension-aware metrics registry: one metric per (name, dimensions). Asking again for the same name and
 * dimensions (in any key order) returns the same instance; asking for it as another kind throws `ValidationError`.
 */
export class MetricsRegistry {
  readonly clock: Clock;
  /** name → dimensions key → entry. */
  readonly #byName = new Map<string, Map<string, RegisteredMetric>>();

  constructor(options: MetricsRegistryOptions = {}) {
    this.clock = options.clock ?? systemClock;
  }

  counter(name: string, dimensions?: Dimensions): Counter {
    return this.#getOrCreate(name, dimensions, 'counter', () => new Counter()) as Counter;
  }

  /**
   * A gauge: with `callback`, its value is read at report time; without, `set()` it. An existing gauge is
   * returned as is (its callback is not replaced).
   */
  gauge(name: string, dimensions?: Dimensions, callback?: () => number): Gauge {
    if (callback !== undefined && typeof callback !== 'function') {
      throw new ValidationError('gauge callback must be a function', { field: 'callback' });
    }
    return this.#getOrCreate(name, dimensions, 'gauge', () => new Gauge(callback)) as Gauge;
  }

  histogram(name: string, dimensions?: Dimensions): Histogram {
    return this.#getOrCreate(name, dimensions, 'histogram', () => new Histogram(this.clock)) as Histogram;
  }

  meter(name: string, dimensions?: Dimensions): Meter {
    return this.#getOrCreate(name, dimensions, 'meter', () => new Meter(this.clock)) as Meter;
  }

  timer(name: string, dimensions?: Dimensions): Timer {
    return this.#getOrCreate(name, dimensions, 'timer', () => new Timer(this.clock)) as Timer;
  }

  /** Registers a metric made elsewhere; throws `ValidationError` if (name, dimensions) is already taken. */
  register<M extends Metric>(name: string, metric: M, dimensions?: Dimensions): M {
    const created = this.#getOrCreate(name, dimensions, metric.kind, () => metric);
    if (created !== metric) {
      throw new ValidationError(`metric ${JSON.stringify(name)} with these dimensions is already registered`, {
        field: 'name',
      });
    }
    return metric;
  }

  /** The metric registered under (name, dimensions), if any. */
  get(name: string, dimensions?: Dimensions): Metric | undefined {
    return this.#byName.get(name)?.get(dimensionsKey(dimensions, 'dimensions'))?.metric;
  }

  /** Forgets one metric; true if it was there. */
  remove(name: string, dimensions?: Dimensions): boolean {
    const byDimensions = this.#byName.get(name);
    if (!byDimensions) return false;
    const removed = byDimensions.delete(dimensionsKey(dimensions, 'dimensions'));
    if (byDimensions.size === 0) this.#byName.delete(name);
    return removed;
  }

  /** Forgets every metric. */
  clear(): void {
    this.#byName.clear();
  }

  /** How many metrics are registered. */
  get size(): number {
    let size = 0;
    for (const byDimensions of this.#byName.values()) size += byDimensions.size;
    return size;
  }

  /** Every registered metric, in registration order of names. */
  *entries(): IterableIterator<RegisteredMetric> {
    for (const byDimensions of this.#byName.values()) yield* byDimensions.values();
  }

  [Symbol.iterator](): IterableIterator<RegisteredMetric> {
    return this.entries();
  }

  #getOrCreate(name: string, dimensions: Dimensions | undefined, kind: MetricKind, create: () => Metric): Metric {
    if (typeof name !== 'string' || name.length === 0) {
      throw new ValidationError(`metric name must be a non-empty string, got ${JSON.stringify(name)}`, {
        field: 'name',
      });
    }
    const key = dimensionsKey(dimensions, 'dimensions');
    let byDimensions = this.#byName.get(name);
    const existing = byDimensions?.get(key);
    if (existing) {
      if (existing.metric.kind !== kind) {
        throw new ValidationError(
          `metric ${JSON.stringify(name)} with these dimensions is a ${existing.metric.kind}, not a ${kind}`,
          { field: 'name' },
        );
      }
      return existing.metric;
    }
    const metric = create();
    const frozen = key === '' ? NO_DIMENSIONS : Object.freeze({ ...dimensions });
    if (!byDimensions) {
      byDimensions = new Map();
      this.#byName.set(name, byDimensions);
    }
    byDimensions.set(key, { name, dimensions: frozen, metric });
    return metric;
  }
}
