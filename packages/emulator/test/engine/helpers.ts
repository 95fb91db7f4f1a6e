import {
  type Computation,
  type ComputationOptions,
  type MetricType,
  type SeriesRecord,
  type SeriesSource,
  type StoredPoint,
  startComputation,
  type TimestampOutput,
} from '../../src/engine/index.js';

/** T0 of the spec's worked examples: a multiple of 60 000 ms. */
export const T0 = 1_700_000_040_000;

/** An in-memory SeriesSource, written independently of the emulator's store. */
export class MemorySource implements SeriesSource {
  readonly series: SeriesRecord[] = [];
  /** Number of points() calls, to check the engine reads per batch and not per timestamp. */
  reads = 0;

  add(metric: string, dimensions: Record<string, string>, points: Array<[number, number]>, type: MetricType = 'gauge') {
    const sorted: StoredPoint[] = points
      .map(([timestamp, value]) => ({ timestamp, value }))
      .sort((a, b) => a.timestamp - b.timestamp);
    const source = this;
    const id = `${metric}|${JSON.stringify(Object.entries(dimensions).sort())}`;
    const existing = this.series.find((s) => s.id === id) as (SeriesRecord & { all: StoredPoint[] }) | undefined;
    if (existing) {
      existing.all.push(...sorted);
      existing.all.sort((a, b) => a.timestamp - b.timestamp);
      return;
    }
    const record = {
      id,
      metric,
      metricType: type,
      dimensions,
      all: sorted,
      points(from: number, to: number): StoredPoint[] {
        source.reads += 1;
        return this.all.filter((p) => p.timestamp >= from && p.timestamp < to);
      },
    };
    this.series.push(record);
  }

  findSeries(metric: string): Iterable<SeriesRecord> {
    const regex = new RegExp(
      `^${metric
        .split('*')
        .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*')}$`,
    );
    return this.series.filter((s) => regex.test(s.metric));
  }
}

export interface RunResult {
  computation: Computation;
  outputs: TimestampOutput[];
  /** Metadata properties by tsId, from every newMetadata seen. */
  metadata: Map<string, Record<string, unknown>>;
  /** Values of one publish block: logical timestamp → series name → value. */
  table(
    label: string,
    name?: (properties: Record<string, unknown>) => string,
  ): Map<number, Record<string, number | null>>;
  /** Relative table: offset from T0 in seconds → series name → value. */
  rel(
    label: string,
    name?: (properties: Record<string, unknown>) => string,
  ): Record<number, Record<string, number | null>>;
}

export const byHost = (p: Record<string, unknown>): string => String(p.host ?? '');

/** Series name: its dimensions as k=v joined by ',' (empty for no dimensions). */
export const byDims = (p: Record<string, unknown>): string =>
  Object.keys(p)
    .filter((k) => !k.startsWith('sf_'))
    .sort()
    .map((k) => `${k}=${String(p[k])}`)
    .join(',');

export function run(
  program: string,
  source: SeriesSource,
  options: Partial<ComputationOptions> & { start: number; stop: number },
): RunResult {
  const computation = startComputation(program, { source, ...options });
  const outputs = computation.advance(options.stop);
  const metadata = new Map<string, Record<string, unknown>>();
  for (const output of outputs) for (const m of output.newMetadata) metadata.set(m.tsId, m.properties);
  const table = (label: string, name = byDims) => {
    const result = new Map<number, Record<string, number | null>>();
    for (const output of outputs) {
      const block = output.publishes.find((p) => p.label === label);
      if (!block) throw new Error(`no publish '${label}'`);
      const row: Record<string, number | null> = {};
      for (const { tsId, value } of block.values) {
        const properties = metadata.get(tsId);
        if (!properties) throw new Error(`value before metadata for ${tsId}`);
        row[name(properties)] = value;
      }
      result.set(output.logicalTimestampMs, row);
    }
    return result;
  };
  const rel = (label: string, name = byDims) => {
    const result: Record<number, Record<string, number | null>> = {};
    for (const [T, row] of table(label, name)) result[(T - T0) / 1000] = row;
    return result;
  };
  return { computation, outputs, metadata, table, rel };
}

/** Points at T0 + offset seconds. */
export function at(pairs: Array<[number, number]>): Array<[number, number]> {
  return pairs.map(([offsetSeconds, value]) => [T0 + offsetSeconds * 1000, value]);
}
