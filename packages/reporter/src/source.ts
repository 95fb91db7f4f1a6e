/** The metric types of the ingest API. */
export type PointType = 'gauge' | 'counter' | 'cumulative_counter';

/** One datapoint of a `MetricSource`, before the reporter adds the timestamp and default dimensions. */
export interface SourcePoint {
  type: PointType;
  metric: string;
  value: number | bigint;
  dimensions?: Record<string, string>;
}

/** Something besides a `MetricsRegistry` whose metrics the reporter sends, e.g. `fromPromClient(register)`. */
export interface MetricSource {
  /** Reads the current values. Called once per report; may be async. */
  collect(): SourcePoint[] | Promise<SourcePoint[]>;
}
