import type { Clock, DatapointBatch, IngestSink } from '../src/index.js';

/** A clock that moves only when told to. */
export class FakeClock implements Clock {
  constructor(public ms = 0) {}

  now(): number {
    return this.ms;
  }

  advance(ms: number): void {
    this.ms += ms;
  }
}

export interface FlatPoint {
  type: 'gauge' | 'counter' | 'cumulative_counter';
  metric: string;
  value: number | bigint;
  timestamp: number | undefined;
  dimensions: Record<string, string>;
}

export function flatten(batch: DatapointBatch): FlatPoint[] {
  const points: FlatPoint[] = [];
  const add = (type: FlatPoint['type'], list: DatapointBatch['gauges']) => {
    for (const p of list ?? []) {
      points.push({ type, metric: p.metric, value: p.value, timestamp: p.timestamp, dimensions: { ...p.dimensions } });
    }
  };
  add('gauge', batch.gauges);
  add('counter', batch.counters);
  add('cumulative_counter', batch.cumulativeCounters);
  return points;
}

/** An in-memory ingest client: records every `send`, can refuse points like the real one. */
export class RecordingSink implements IngestSink {
  readonly batches: DatapointBatch[] = [];
  flushes = 0;
  closes = 0;
  refuse?: (batch: DatapointBatch) => Error | undefined;

  send(batch: DatapointBatch): void {
    const error = this.refuse?.(batch);
    if (error) throw error;
    this.batches.push(structuredClone(batch));
  }

  async flush(): Promise<void> {
    this.flushes++;
  }

  async close(): Promise<void> {
    this.closes++;
  }

  points(): FlatPoint[] {
    return this.batches.flatMap(flatten);
  }
}

/** Points by metric name; fails on a duplicate name, which no single report should contain per dimension set. */
export function byName(points: FlatPoint[]): Map<string, FlatPoint> {
  const map = new Map<string, FlatPoint>();
  for (const point of points) {
    if (map.has(point.metric)) throw new Error(`duplicate ${point.metric}`);
    map.set(point.metric, point);
  }
  return map;
}
