/**
 * The contract between the emulator's SignalFlow engine (src/engine) and the rest of the emulator
 * (store, protocol handlers). The store implements `SeriesSource`; the protocol layer drives a
 * `Computation` and turns its outputs into WebSocket/SSE messages.
 */

export type MetricType = 'gauge' | 'counter' | 'cumulative_counter';

export interface StoredPoint {
  /** Epoch ms. */
  timestamp: number;
  value: number;
}

/** One ingested metric time series (MTS). */
export interface SeriesRecord {
  /** The store's stable id of this MTS. */
  readonly id: string;
  readonly metric: string;
  readonly metricType: MetricType;
  readonly dimensions: Readonly<Record<string, string>>;
  /** Points with `from <= timestamp < to`, ascending by timestamp. */
  points(from: number, to: number): StoredPoint[];
}

/** What the engine reads: the store, seen through this interface only. */
export interface SeriesSource {
  /** Every stored series whose metric name matches `metric`: an exact name, or a pattern with `*` wildcards. */
  findSeries(metric: string): Iterable<SeriesRecord>;
}

export interface ComputationOptions {
  source: SeriesSource;
  /** First logical timestamp wanted, epoch ms; output starts at the first multiple of the resolution >= start. */
  start: number;
  /** Last logical timestamp wanted, epoch ms; `undefined` for a live computation. */
  stop?: number;
  /** Requested resolution in ms; when absent the engine derives it from the data (spec §4.1). */
  resolutionMs?: number;
  /** Wall-clock "now", injectable for tests. */
  now?: () => number;
  /** A job id used in generated metric names (`_SF_COMP_<jobId>_<block>`). */
  jobId?: string;
  /** Largest number of input MTS one data() may match before FIND_LIMITED_RESULT_SET. */
  findLimit?: number;
  /**
   * Largest number of logical timestamps a computation may span (history needed before `start` included; for live
   * computations, up to now). Larger ranges are rejected with a ProgramError so a request cannot stall the process.
   * Default 1 000 000.
   */
  maxTimestamps?: number;
}

/** The properties of one output time series, sent as a `metadata` message before its first value. */
export interface OutputMetadata {
  /** base64url of 8 bytes, 11 characters, stable for the job (see signalflow.md §5.3). */
  tsId: string;
  properties: Record<string, unknown>;
}

export interface OutputEvent {
  tsId: string;
  timestampMs: number;
  metadata: Record<string, unknown>;
  properties: Record<string, unknown>;
}

/** An info message to send (signalflow-language.md §12), e.g. FETCH_NUM_TIMESERIES. */
export interface InfoMessage {
  messageCode: string;
  messageLevel: 'INFO' | 'WARNING' | 'ERROR';
  /** Where the real service puts `numInputTimeSeries`; for FETCH_NUM_TIMESERIES. */
  numInputTimeSeries?: number;
  contents: Record<string, unknown>;
}

export interface TimestampOutput {
  logicalTimestampMs: number;
  /** Output series first seen at this timestamp: send their metadata before the data. */
  newMetadata: OutputMetadata[];
  /** One entry per publish() block, in program order, even when empty (one data message each). */
  publishes: Array<{ label: string; values: Array<{ tsId: string; value: number | null }> }>;
  /** Events raised by detect() at this timestamp. */
  events: OutputEvent[];
  /** tsIds to announce as expired (live mode only). */
  expired: string[];
  /**
   * Info messages discovered while computing up to this timestamp (e.g. GROUPBY_MISSING_PROPERTY); send them after
   * this timestamp's data. `Computation.infoMessages` holds only those known when the program was bound.
   */
  infoMessages?: InfoMessage[];
}

export interface Computation {
  readonly resolutionMs: number;
  /** Info messages known once the program is bound to data (FETCH_NUM_TIMESERIES, FIND_MATCHED_NO_TIMESERIES, ...). */
  readonly infoMessages: InfoMessage[];
  /** Publish labels in program order. */
  readonly publishLabels: string[];
  /** Labels of the program's `detect(...).publish(label)` blocks, in program order (what detector rules name). */
  readonly detectLabels?: string[];
  /**
   * Computes every logical timestamp after the last one computed up to and including `upToMs`
   * (clamped to `stop`). Historical callers pass `stop`; live callers pass "now minus max delay"
   * on each tick.
   */
  advance(upToMs: number): TimestampOutput[];
  /** True once `stop` has been computed (never for live computations). */
  readonly finished: boolean;
}

/**
 * A program that does not parse, names something unknown, or uses what the engine lacks.
 * Sent to clients as a WebSocket `error` message (signalflow.md §4.6).
 */
export interface ProgramErrorInfo {
  errorType:
    | 'ANALYTICS_PROGRAM_SYNTAX_ERROR'
    | 'ANALYTICS_PROGRAM_NAME_ERROR'
    | 'ANALYTICS_PROGRAM_TYPE_ERROR'
    | 'ANALYTICS_PROGRAM_UNSUPPORTED'
    | 'ANALYTICS_INTERNAL_ERROR';
  message: string;
  line: number;
  column: number;
  reference?: string;
}
