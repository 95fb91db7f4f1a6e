import { createHash } from 'node:crypto';
import type { MetricType, SeriesRecord, SeriesSource, StoredPoint } from '../engine/types.js';
import { SeriesBuffer } from './series-buffer.js';
import { matchesWildcard } from './wildcard.js';

/** How much the store keeps. Older or excess points are dropped silently, as the real service drops bad points. */
export interface RetentionOptions {
  /** Points kept per MTS; the oldest go first. Default 10,000. */
  maxPointsPerSeries?: number;
  /** Points older than this (relative to the emulator's clock) are dropped. Default 24 h. */
  maxAgeMs?: number;
  /** Distinct MTS kept; points of further new MTS are dropped. Default 100,000. */
  maxSeries?: number;
  /** Events kept; the oldest go first. Default 10,000. */
  maxEvents?: number;
}

export type ResolvedRetention = Required<RetentionOptions>;

export const DEFAULT_RETENTION: ResolvedRetention = {
  maxPointsPerSeries: 10_000,
  maxAgeMs: 24 * 3_600_000,
  maxSeries: 100_000,
  maxEvents: 10_000,
};

export function resolveRetention(options: RetentionOptions | undefined): ResolvedRetention {
  const pick = (value: number | undefined, fallback: number): number =>
    typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.floor(value) : fallback;
  return {
    maxPointsPerSeries: pick(options?.maxPointsPerSeries, DEFAULT_RETENTION.maxPointsPerSeries),
    maxAgeMs: pick(options?.maxAgeMs, DEFAULT_RETENTION.maxAgeMs),
    maxSeries: pick(options?.maxSeries, DEFAULT_RETENTION.maxSeries),
    maxEvents: pick(options?.maxEvents, DEFAULT_RETENTION.maxEvents),
  };
}

/** One datapoint as the ingest layer hands it to the store. */
export interface IncomingDatapoint {
  metric: string;
  metricType: MetricType;
  dimensions: Record<string, string>;
  /** Epoch ms. */
  timestamp: number;
  value: number;
}

/** One ingested custom event, as stored. */
export interface StoredEvent {
  eventType: string;
  category: string;
  dimensions: Record<string, string>;
  properties: Record<string, string | number | boolean>;
  /** Epoch ms. */
  timestamp: number;
}

/** One MTS as the store keeps it: what the engine reads plus bookkeeping for the REST API. */
export interface StoredSeries extends SeriesRecord {
  /** Epoch ms of the first point received. */
  readonly created: number;
  /** Epoch ms of the last point received. */
  readonly lastReceived: number;
  /** Points currently held. */
  readonly size: number;
}

export interface StoreStats {
  series: number;
  points: number;
  events: number;
  /** Points refused: too old, too many dimensions, too many series, not numeric. */
  droppedPoints: number;
  /** Bytes held by point buffers. */
  pointBytes: number;
}

/** Read access to what the emulator has ingested, for tests (`emulator.store`). */
export interface EmulatorStore extends SeriesSource {
  /** Every stored MTS. */
  allSeries(): StoredSeries[];
  findSeries(metric: string): Iterable<StoredSeries>;
  getSeries(id: string): StoredSeries | undefined;
  /** The id the store gives (or would give) the MTS of this metric and dimensions. */
  seriesId(metric: string, dimensions: Readonly<Record<string, string>>): string;
  events(): StoredEvent[];
  stats(): StoreStats;
  /** Forgets every series, point and event. */
  clear(): void;
}

class Series implements StoredSeries {
  readonly buffer: SeriesBuffer;
  lastReceived: number;

  constructor(
    readonly id: string,
    readonly metric: string,
    readonly metricType: MetricType,
    readonly dimensions: Readonly<Record<string, string>>,
    readonly created: number,
    maxPoints: number,
    private readonly cutoff: () => number,
  ) {
    this.buffer = new SeriesBuffer(maxPoints);
    this.lastReceived = created;
  }

  get size(): number {
    return this.buffer.size;
  }

  points(from: number, to: number): StoredPoint[] {
    return this.buffer.range(Math.max(from, this.cutoff()), to);
  }
}

/** The key of an MTS: metric name and dimensions sorted by key. */
export function seriesKey(metric: string, dimensions: Readonly<Record<string, string>>): string {
  const keys = Object.keys(dimensions).sort();
  let key = metric;
  for (const k of keys) key += `\u0000${k}\u0001${dimensions[k]}`;
  return key;
}

/** A stable 11-character base64url id from the MTS key, so ids survive restarts. */
function idForKey(key: string, attempt: number): string {
  const hash = createHash('sha256')
    .update(attempt === 0 ? key : `${key}#${attempt}`)
    .digest();
  return hash.subarray(0, 8).toString('base64url');
}

export class TimeSeriesStore implements EmulatorStore {
  private readonly byKey = new Map<string, Series>();
  private readonly byId = new Map<string, Series>();
  private readonly byMetric = new Map<string, Series[]>();
  private storedEvents: StoredEvent[] = [];
  private pointCount = 0;
  private dropped = 0;

  constructor(
    readonly retention: ResolvedRetention,
    private readonly now: () => number = Date.now,
  ) {}

  private cutoff = (): number => this.now() - this.retention.maxAgeMs;

  seriesId(metric: string, dimensions: Readonly<Record<string, string>>): string {
    const key = seriesKey(metric, dimensions);
    return this.byKey.get(key)?.id ?? idForKey(key, 0);
  }

  /** Stores one datapoint; returns false when it was dropped under the retention rules. */
  addDatapoint(point: IncomingDatapoint): boolean {
    if (!Number.isFinite(point.timestamp) || point.timestamp < this.cutoff()) {
      this.dropped++;
      return false;
    }
    const key = seriesKey(point.metric, point.dimensions);
    let series = this.byKey.get(key);
    if (!series) {
      if (this.byKey.size >= this.retention.maxSeries) {
        this.dropped++;
        return false;
      }
      series = this.createSeries(key, point);
    }
    const before = series.buffer.size;
    series.buffer.insert(point.timestamp, point.value);
    this.pointCount += series.buffer.size - before;
    series.lastReceived = this.now();
    return true;
  }

  private createSeries(key: string, point: IncomingDatapoint): Series {
    let attempt = 0;
    let id = idForKey(key, attempt);
    while (this.byId.has(id)) id = idForKey(key, ++attempt);
    const series = new Series(
      id,
      point.metric,
      point.metricType,
      Object.freeze({ ...point.dimensions }),
      this.now(),
      this.retention.maxPointsPerSeries,
      this.cutoff,
    );
    this.byKey.set(key, series);
    this.byId.set(id, series);
    const list = this.byMetric.get(point.metric);
    if (list) list.push(series);
    else this.byMetric.set(point.metric, [series]);
    return series;
  }

  countDropped(n: number): void {
    this.dropped += n;
  }

  /** Stores one event; returns false when it is older than the age bound and was dropped. */
  addEvent(event: StoredEvent): boolean {
    if (!Number.isFinite(event.timestamp) || event.timestamp < this.cutoff()) return false;
    this.storedEvents.push(event);
    const excess = this.storedEvents.length - this.retention.maxEvents;
    if (excess > 0) this.storedEvents.splice(0, excess);
    return true;
  }

  /** Drops points older than the age bound. Called on a timer and by the benchmark. */
  prune(): void {
    const cutoff = this.cutoff();
    for (const series of this.byKey.values()) {
      const oldest = series.buffer.oldestTimestamp;
      if (oldest !== undefined && oldest < cutoff) this.pointCount -= series.buffer.dropBefore(cutoff);
    }
    // Events are kept in arrival order, not timestamp order: an old one may follow a newer one.
    if (this.storedEvents.some((event) => event.timestamp < cutoff)) {
      this.storedEvents = this.storedEvents.filter((event) => event.timestamp >= cutoff);
    }
  }

  allSeries(): StoredSeries[] {
    return [...this.byKey.values()];
  }

  *findSeries(metric: string): Iterable<StoredSeries> {
    if (!metric.includes('*')) {
      yield* this.byMetric.get(metric) ?? [];
      return;
    }
    for (const [name, list] of this.byMetric) if (matchesWildcard(metric, name)) yield* list;
  }

  getSeries(id: string): StoredSeries | undefined {
    return this.byId.get(id);
  }

  /** Metric names with their type and first-seen time. */
  metrics(): Array<{ name: string; type: MetricType; created: number }> {
    const out: Array<{ name: string; type: MetricType; created: number }> = [];
    for (const [name, list] of this.byMetric) {
      const first = list[0]!;
      out.push({ name, type: first.metricType, created: list.reduce((min, s) => Math.min(min, s.created), Infinity) });
    }
    return out;
  }

  /** Distinct dimension key/value pairs with their first-seen time. */
  dimensions(): Array<{ key: string; value: string; created: number }> {
    const seen = new Map<string, { key: string; value: string; created: number }>();
    for (const series of this.byKey.values()) {
      for (const [key, value] of Object.entries(series.dimensions)) {
        const id = `${key}\u0000${value}`;
        const existing = seen.get(id);
        if (!existing) seen.set(id, { key, value, created: series.created });
        else if (series.created < existing.created) existing.created = series.created;
      }
    }
    return [...seen.values()];
  }

  events(): StoredEvent[] {
    return [...this.storedEvents];
  }

  stats(): StoreStats {
    let pointBytes = 0;
    for (const series of this.byKey.values()) pointBytes += series.buffer.allocatedBytes;
    return {
      series: this.byKey.size,
      points: this.pointCount,
      events: this.storedEvents.length,
      droppedPoints: this.dropped,
      pointBytes,
    };
  }

  clear(): void {
    this.byKey.clear();
    this.byId.clear();
    this.byMetric.clear();
    this.storedEvents = [];
    this.pointCount = 0;
    this.dropped = 0;
  }
}
