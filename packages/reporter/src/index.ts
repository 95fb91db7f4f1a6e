export { type Clock, COARSE_CLOCK_RESOLUTION_MS, systemClock } from './clock.js';
export { ReportError, ReporterErrorCode } from './errors.js';
export { Counter, Gauge, Histogram, Meter, type Metric, type MetricKind, Timer } from './metrics.js';
export type { Datapoint, DatapointBatch, Naming } from './naming.js';
export { fromPromClient, type PromRegistryLike } from './prom-client.js';
export { type Dimensions, MetricsRegistry, type MetricsRegistryOptions, type RegisteredMetric } from './registry.js';
export {
  type IngestSink,
  type ReporterStats,
  type ReportResult,
  SignalFxReporter,
  type SignalFxReporterOptions,
} from './reporter.js';
export { DEFAULT_RESERVOIR_ALPHA, DEFAULT_RESERVOIR_SIZE, ExponentiallyDecayingReservoir } from './reservoir.js';
export { quantileOfSorted, Snapshot } from './snapshot.js';
export type { MetricSource, PointType, SourcePoint } from './source.js';
export {
  type CallWrapper,
  countCalls,
  counted,
  histCalls,
  histogrammed,
  meterCalls,
  metered,
  timeCalls,
  timed,
} from './wrappers.js';
