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
 * One step of the registry trie: a metric registered with exactly the (key, value) pairs on the path from the
 * root, and the next steps by (key, value). The structure itself is the key, so no two different dimension sets
 * can collide (as they can when joined into one string with separators), and lookups only hash strings the
 * caller already has.
 */
interface TrieNode {
  entry: RegisteredMetric | undefined;
  next: Map<string, Map<string, TrieNode>> | undefined;
}

/** The keys of `dimensions` in code-unit order, after checking every value is a string. */
function sortedKeys(dimensions: Dimensions | undefined, field: string): string[] | undefined {
  if (dimensions === undefined || dimensions === null) return undefined;
  if (typeof dimensions !== 'object' || Array.isArray(dimensions)) {
    throw new ValidationError(`${field} must be an object of string values`, { field });
  }
  const keys = Object.keys(dimensions);
  const count = keys.length;
  // Insertion sort: dimension sets are small, and Array#sort costs far more than the few comparisons needed.
  for (let i = 0; i < count; i++) {
    const key = keys[i] as string;
    if (typeof dimensions[key] !== 'string') {
      throw new ValidationError(`${field}.${key} must be a string, got ${typeof dimensions[key]}`, {
        field: `${field}.${key}`,
      });
    }
    if (key === '') throw new ValidationError(`${field} has an empty key`, { field });
    let j = i - 1;
    while (j >= 0 && (keys[j] as string) > key) {
      keys[j + 1] = keys[j] as string;
      j--;
    }
    keys[j + 1] = key;
  }
  return count === 0 ? undefined : keys;
}

/** @internal Throws `ValidationError` unless `name` is a non-empty string. */
export function checkMetricName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new ValidationError(`metric name must be a non-empty string, got ${JSON.stringify(name)}`, {
      field: 'name',
    });
  }
}

/** @internal Throws `ValidationError` unless `dimensions` is absent or an object of string values. */
export function checkDimensions(dimensions: Dimensions | undefined): void {
  sortedKeys(dimensions, 'dimensions');
}

/**
 * A dimension-aware metrics registry: one metric per (name, dimensions). Asking again for the same name and
 * dimensions (in any key order) returns the same instance; asking for it as another kind throws `ValidationError`.
 */
export class MetricsRegistry {
  readonly clock: Clock;
  readonly #roots = new Map<string, TrieNode>();
  /** Every entry, in registration order, for reports. */
  readonly #entries = new Set<RegisteredMetric>();

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
    return this.#find(name, dimensions)?.entry?.metric;
  }

  /** Forgets one metric; true if it was there. */
  remove(name: string, dimensions?: Dimensions): boolean {
    const node = this.#find(name, dimensions);
    if (!node?.entry) return false;
    this.#entries.delete(node.entry);
    node.entry = undefined;
    return true;
  }

  /** Forgets every metric. */
  clear(): void {
    this.#roots.clear();
    this.#entries.clear();
  }

  /** How many metrics are registered. */
  get size(): number {
    return this.#entries.size;
  }

  /** Every registered metric, in registration order. */
  entries(): IterableIterator<RegisteredMetric> {
    return this.#entries.values();
  }

  [Symbol.iterator](): IterableIterator<RegisteredMetric> {
    return this.entries();
  }

  #find(name: string, dimensions: Dimensions | undefined): TrieNode | undefined {
    const keys = sortedKeys(dimensions, 'dimensions');
    let node = this.#roots.get(name);
    if (keys === undefined || node === undefined) return node;
    for (const key of keys) {
      node = node.next?.get(key)?.get((dimensions as Dimensions)[key] as string);
      if (node === undefined) return undefined;
    }
    return node;
  }

  #getOrCreate(name: string, dimensions: Dimensions | undefined, kind: MetricKind, create: () => Metric): Metric {
    checkMetricName(name);
    const keys = sortedKeys(dimensions, 'dimensions');
    let node = this.#roots.get(name);
    if (node === undefined) {
      node = { entry: undefined, next: undefined };
      this.#roots.set(name, node);
    }
    if (keys !== undefined) {
      const dims = dimensions as Dimensions;
      for (const key of keys) {
        const value = dims[key] as string;
        node.next ??= new Map();
        let byValue = node.next.get(key);
        if (byValue === undefined) {
          byValue = new Map();
          node.next.set(key, byValue);
        }
        let child = byValue.get(value);
        if (child === undefined) {
          child = { entry: undefined, next: undefined };
          byValue.set(value, child);
        }
        node = child;
      }
    }
    const existing = node.entry;
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
    const frozen = keys === undefined ? NO_DIMENSIONS : Object.freeze({ ...dimensions });
    node.entry = { name, dimensions: frozen, metric };
    this.#entries.add(node.entry);
    return metric;
  }
}
