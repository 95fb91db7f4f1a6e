import { createHash } from 'node:crypto';

/** What identifies one series inside a stream, and what its metadata message says about it. */
export interface SeriesInfo {
  /** Identity within the stream (metric + dimensions for raw data, dimensions for computed groups). */
  readonly key: string;
  readonly dims: Readonly<Record<string, string>>;
  /** Canonical form of `dims` alone; streams are correlated on dimensions, never on metric names. */
  readonly dimsKey: string;
  /** `sf_key`: the names that identify the series. */
  readonly keyNames: readonly string[];
  /** The metric name when the values are the metric's own (raw `data()`); undefined once computed. */
  readonly metric?: string;
  readonly originatingMetric?: string;
}

export interface Sample {
  readonly s: SeriesInfo;
  readonly v: number;
}

/** The values of one stream at one logical timestamp, by series key. A series without a value is absent. */
export type Frame = Map<string, Sample>;

export const EMPTY_FRAME: Frame = new Map();

export function dimsKeyOf(dims: Readonly<Record<string, string>>): string {
  const names = Object.keys(dims).sort();
  if (names.length === 0) return '';
  return JSON.stringify(names.map((name) => [name, dims[name]]));
}

export function rawSeriesInfo(metric: string, dims: Readonly<Record<string, string>>): SeriesInfo {
  const dimsKey = dimsKeyOf(dims);
  return {
    key: `${metric}\u0000${dimsKey}`,
    dims,
    dimsKey,
    keyNames: [...Object.keys(dims), 'sf_metric'].sort(),
    metric,
    originatingMetric: metric,
  };
}

export function groupSeriesInfo(dims: Record<string, string>, originatingMetric: string | undefined): SeriesInfo {
  const dimsKey = dimsKeyOf(dims);
  return {
    key: dimsKey,
    dims,
    dimsKey,
    keyNames: Object.keys(dims).sort(),
    ...(originatingMetric === undefined ? {} : { originatingMetric }),
  };
}

const computedCache = new WeakMap<SeriesInfo, SeriesInfo>();

/** The same identity, marked as carrying computed values (so its `sf_metric` becomes a generated name). */
export function asComputed(info: SeriesInfo): SeriesInfo {
  if (info.metric === undefined) return info;
  let computed = computedCache.get(info);
  if (computed === undefined) {
    const { metric: _metric, ...rest } = info;
    computed = rest;
    computedCache.set(info, computed);
  }
  return computed;
}

/** 8 bytes as base64url without padding: always 11 characters (signalflow.md §5.3). */
export function idFromBytes(bytes: Uint8Array): string {
  return Buffer.from(bytes.subarray(0, 8)).toString('base64url');
}

/**
 * A stable 8-byte id derived from `text`, as 11 base64url characters. The top bit is cleared so that the id read as
 * a signed 64-bit integer is positive, as the real service's ids are.
 */
export function stableId(text: string): string {
  const digest = createHash('sha256').update(text).digest();
  digest[0] = (digest[0] as number) & 0x7f;
  return idFromBytes(digest);
}
