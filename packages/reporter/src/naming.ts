import { Counter, Gauge, Histogram, Meter, type Metric, Timer } from './metrics.js';
import type { Dimensions, RegisteredMetric } from './registry.js';

/**
 * How registry metrics become datapoints.
 * - `'pyformance'` (default): the seed's names. `count` is a cumulative counter named after the metric, every
 *   other sub-metric a gauge `<metric>.<sub-metric>` (`avg`, `max`, `min`, `std_dev`, `75_percentile`, …,
 *   `1m_rate`, …), timer durations in seconds, default dimensions win over the metric's.
 * - `'measured'`: `<metric>.count` cumulative counters, `.max/.min/.mean/.p95/.p99` gauges, timer durations in
 *   milliseconds, meters not reported, the metric's dimensions win.
 */
export type Naming = 'pyformance' | 'measured';

/** One datapoint as `@sfx/ingest` takes it. */
export interface Datapoint {
  metric: string;
  value: number | bigint;
  /** `'double'` sends an integral value as a double (`3.0`), as the seed sends the values that are floats. */
  valueType?: 'int' | 'double';
  /** Milliseconds since the epoch; absent means the server's receive time. */
  timestamp?: number;
  dimensions?: Record<string, string>;
}

/** How a value travels when the seed sends it as a float whatever its value. */
type ValueType = Datapoint['valueType'];

/** The argument of an ingest client's `send()`. */
export interface DatapointBatch {
  gauges?: Datapoint[];
  counters?: Datapoint[];
  cumulativeCounters?: Datapoint[];
}

/** Collects the points of one report; skips values that are not finite (the ingest API cannot carry them). */
export class BatchBuilder {
  readonly gauges: Datapoint[] = [];
  readonly counters: Datapoint[] = [];
  readonly cumulativeCounters: Datapoint[] = [];
  readonly #timestamp: number | undefined;

  constructor(timestamp: number | undefined) {
    this.#timestamp = timestamp;
  }

  get size(): number {
    return this.gauges.length + this.counters.length + this.cumulativeCounters.length;
  }

  #point(
    metric: string,
    value: number | bigint,
    dimensions: Record<string, string>,
    valueType: ValueType,
  ): Datapoint | undefined {
    if (typeof value === 'number' && !Number.isFinite(value)) return undefined;
    const point: Datapoint = { metric, value, dimensions };
    if (valueType !== undefined && typeof value === 'number') point.valueType = valueType;
    if (this.#timestamp !== undefined) point.timestamp = this.#timestamp;
    return point;
  }

  gauge(metric: string, value: number | bigint, dimensions: Record<string, string>, valueType?: ValueType): void {
    const point = this.#point(metric, value, dimensions, valueType);
    if (point) this.gauges.push(point);
  }

  counter(metric: string, value: number | bigint, dimensions: Record<string, string>, valueType?: ValueType): void {
    const point = this.#point(metric, value, dimensions, valueType);
    if (point) this.counters.push(point);
  }

  cumulativeCounter(
    metric: string,
    value: number | bigint,
    dimensions: Record<string, string>,
    valueType?: ValueType,
  ): void {
    const point = this.#point(metric, value, dimensions, valueType);
    if (point) this.cumulativeCounters.push(point);
  }

  toBatch(): DatapointBatch {
    const batch: DatapointBatch = {};
    if (this.gauges.length > 0) batch.gauges = this.gauges;
    if (this.counters.length > 0) batch.counters = this.counters;
    if (this.cumulativeCounters.length > 0) batch.cumulativeCounters = this.cumulativeCounters;
    return batch;
  }
}

/** Merges default dimensions with a metric's; `winner` says which side wins on a shared key. */
export function mergeDimensions(
  metric: Dimensions,
  defaults: Dimensions,
  winner: 'default' | 'metric',
): Record<string, string> {
  return winner === 'default' ? { ...metric, ...defaults } : { ...defaults, ...metric };
}

const PERCENTILES: ReadonlyArray<readonly [string, number]> = [
  ['75_percentile', 0.75],
  ['95_percentile', 0.95],
  ['99_percentile', 0.99],
  ['999_percentile', 0.999],
];

function pyformanceHistogram(
  out: BatchBuilder,
  name: string,
  histogram: Histogram,
  dims: Record<string, string>,
  scale: number,
  isTimer: boolean,
): void {
  // As the seed sends them: counts, means and deviations are floats; timer durations are float seconds;
  // a histogram's min, max and percentiles keep the type of what it was fed.
  const duration: ValueType = isTimer ? 'double' : undefined;
  out.cumulativeCounter(name, histogram.count, dims, 'double');
  if (isTimer) out.gauge(`${name}.sum`, histogram.sum * scale, dims, 'double');
  out.gauge(`${name}.avg`, histogram.mean * scale, dims, 'double');
  out.gauge(`${name}.max`, histogram.max * scale, dims, duration);
  out.gauge(`${name}.min`, histogram.min * scale, dims, duration);
  out.gauge(`${name}.std_dev`, histogram.stdDev * scale, dims, 'double');
  const snapshot = histogram.snapshot();
  if (isTimer) out.gauge(`${name}.50_percentile`, snapshot.quantile(0.5) * scale, dims, duration);
  for (const [suffix, q] of PERCENTILES) out.gauge(`${name}.${suffix}`, snapshot.quantile(q) * scale, dims, duration);
}

function pyformanceRates(out: BatchBuilder, name: string, meter: Meter, dims: Record<string, string>): void {
  out.gauge(`${name}.1m_rate`, meter.oneMinuteRate, dims, 'double');
  out.gauge(`${name}.5m_rate`, meter.fiveMinuteRate, dims, 'double');
  out.gauge(`${name}.15m_rate`, meter.fifteenMinuteRate, dims, 'double');
  out.gauge(`${name}.mean_rate`, meter.meanRate, dims, 'double');
}

/** Adds the points of one metric under the seed's (pyformance) names. Gauge callbacks may throw. */
export function pyformancePoints(out: BatchBuilder, name: string, metric: Metric, dims: Record<string, string>): void {
  if (metric instanceof Counter) {
    out.cumulativeCounter(name, metric.count, dims);
  } else if (metric instanceof Gauge) {
    out.gauge(name, metric.value, dims);
  } else if (metric instanceof Timer) {
    pyformanceHistogram(out, name, metric, dims, 1 / 1000, true);
    pyformanceRates(out, name, metric.meter, dims);
  } else if (metric instanceof Histogram) {
    pyformanceHistogram(out, name, metric, dims, 1, false);
  } else if (metric instanceof Meter) {
    out.cumulativeCounter(name, metric.count, dims, 'double');
    pyformanceRates(out, name, metric, dims);
  }
}

/** `null`/NaN become 0, as the measured reporter sends them. */
function orZero(value: number): number {
  return Number.isFinite(value) ? value : 0;
}

/**
 * Adds the points of one metric under the measured reporter's names. Returns false for a meter, which that
 * naming does not report.
 */
export function measuredPoints(out: BatchBuilder, name: string, metric: Metric, dims: Record<string, string>): boolean {
  if (metric instanceof Counter) {
    out.cumulativeCounter(`${name}.count`, metric.count, dims);
  } else if (metric instanceof Gauge) {
    out.gauge(name, metric.value, dims);
  } else if (metric instanceof Histogram) {
    out.cumulativeCounter(`${name}.count`, metric.count, dims);
    out.gauge(`${name}.max`, orZero(metric.max), dims);
    out.gauge(`${name}.min`, orZero(metric.min), dims);
    out.gauge(`${name}.mean`, orZero(metric.mean), dims);
    const snapshot = metric.snapshot();
    out.gauge(`${name}.p95`, orZero(snapshot.quantile(0.95)), dims);
    out.gauge(`${name}.p99`, orZero(snapshot.quantile(0.99)), dims);
  } else {
    return false;
  }
  return true;
}

/** The points of every metric of `entries`. A gauge whose callback throws is skipped and passed to `onError`. */
export function registryPoints(
  out: BatchBuilder,
  entries: Iterable<RegisteredMetric>,
  options: {
    naming: Naming;
    defaultDimensions: Dimensions;
    winner: 'default' | 'metric';
    onSkippedMeter?: (name: string) => void;
    onMetricError: (name: string, error: unknown) => void;
  },
): void {
  for (const entry of entries) {
    const dims = mergeDimensions(entry.dimensions, options.defaultDimensions, options.winner);
    try {
      if (options.naming === 'measured') {
        if (!measuredPoints(out, entry.name, entry.metric, dims)) options.onSkippedMeter?.(entry.name);
      } else {
        pyformancePoints(out, entry.name, entry.metric, dims);
      }
    } catch (error) {
      options.onMetricError(entry.name, error);
    }
  }
}
