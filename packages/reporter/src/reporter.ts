import { ClosedError, type Logger, normalizeLogger, SfxError, ValidationError } from '@sfx/core';
import { IngestClient, type IngestClientOptions } from '@sfx/ingest';
import { ReportError } from './errors.js';
import { BatchBuilder, type DatapointBatch, mergeDimensions, type Naming, registryPoints } from './naming.js';
import type { Dimensions, MetricsRegistry } from './registry.js';
import type { MetricSource } from './source.js';

/**
 * What the reporter needs of an ingest client: `IngestClient` of `@sfx/ingest` has it, and so can a test double.
 * `send` queues and returns at once; it throws `ValidationError` for points it refuses.
 */
export interface IngestSink {
  send(batch: DatapointBatch): unknown;
  flush(): Promise<unknown>;
  close(): Promise<unknown>;
}

export interface SignalFxReporterOptions {
  /** The registry to report. */
  registry?: MetricsRegistry;
  /** More things to report with it, e.g. `fromPromClient(register)`. */
  sources?: MetricSource[];
  /** The ingest client to send through (an `IngestClient`, or anything with `send`, `flush` and `close`). */
  ingest?: IngestSink;
  /** Without `ingest`: the token of the `IngestClient` the reporter creates. */
  token?: string;
  /** Without `ingest`: the realm of the `IngestClient` the reporter creates. */
  realm?: string;
  /** Without `ingest`: any other `IngestClient` option (endpoint, encoding, batchSize…). */
  ingestOptions?: IngestClientOptions;
  /** Time between reports, in ms. Default 10,000. */
  intervalMs?: number;
  /** Dimensions added to every datapoint. */
  defaultDimensions?: Record<string, string>;
  /** Names of the datapoints: `'pyformance'` (default, the seed's) or `'measured'`. */
  naming?: Naming;
  /** Which side wins when a default dimension and a metric dimension share a key. Default: `'default'` for the pyformance naming, `'metric'` for measured. */
  dimensionPrecedence?: 'default' | 'metric';
  /** Whether `stop()` closes the ingest client (else it only flushes it). Default true. */
  closeIngest?: boolean;
  /** The wall clock of report timestamps, ms since the epoch. Default `Date.now`. */
  now?: () => number;
  logger?: Partial<Logger>;
  /**
   * Told of every failure inside a report, and (for the `IngestClient` made from `token`, unless
   * `ingestOptions.onError` is given) of every failure of its background sends; reports go on regardless.
   */
  onError?: (error: SfxError) => void;
}

/** What one report did. */
export interface ReportResult {
  /** Datapoints handed to the ingest client. */
  datapoints: number;
  /** Datapoints left out because a metric, a source or the ingest client refused them. */
  skipped: number;
  /** Timestamp of the report, ms since the epoch. */
  timestamp: number;
}

export interface ReporterStats {
  reports: number;
  datapoints: number;
  skipped: number;
  errors: number;
}

/** The reporter's own `IngestClient`; its background failures (network, refusals, overflow) go to `onFailure`. */
function createIngestClient(options: SignalFxReporterOptions, onFailure: (error: SfxError) => void): IngestSink {
  const ingestOptions: IngestClientOptions = { ...options.ingestOptions, token: options.token };
  if (options.realm !== undefined) ingestOptions.realm = options.realm;
  if (options.logger !== undefined && ingestOptions.logger === undefined) ingestOptions.logger = options.logger;
  ingestOptions.onError ??= onFailure;
  return new IngestClient(ingestOptions);
}

function checkDimensions(dimensions: unknown, field: string): Readonly<Record<string, string>> {
  if (dimensions === undefined) return Object.freeze({});
  if (typeof dimensions !== 'object' || dimensions === null || Array.isArray(dimensions)) {
    throw new ValidationError(`${field} must be an object of string values`, { field });
  }
  for (const [key, value] of Object.entries(dimensions)) {
    if (typeof value !== 'string') {
      throw new ValidationError(`${field}.${key} must be a string`, { field: `${field}.${key}` });
    }
  }
  return Object.freeze({ ...(dimensions as Record<string, string>) });
}

const KINDS = ['gauges', 'counters', 'cumulativeCounters'] as const;
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * Reports a `MetricsRegistry` (and other sources) to SignalFx every `intervalMs`, through an ingest client that
 * sends in the background: a report never waits on the network and never throws into the app. Failures go to
 * `onError` and the logger, and the schedule goes on.
 */
export class SignalFxReporter {
  readonly intervalMs: number;
  readonly naming: Naming;
  readonly ingest: IngestSink;
  readonly #registry: MetricsRegistry | undefined;
  readonly #sources: MetricSource[];
  readonly #defaultDimensions: Dimensions;
  readonly #winner: 'default' | 'metric';
  readonly #closeIngest: boolean;
  readonly #now: () => number;
  readonly #logger: Logger;
  readonly #onError: ((error: SfxError) => void) | undefined;
  readonly #stats: ReporterStats = { reports: 0, datapoints: 0, skipped: 0, errors: 0 };
  readonly #warnedMeters = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #nextAt = 0;
  #inFlight: Promise<unknown> | undefined;
  #stopping: Promise<void> | undefined;

  constructor(options: SignalFxReporterOptions) {
    if (!options || typeof options !== 'object')
      throw new ValidationError('options are required', { field: 'options' });
    const { registry, sources = [] } = options;
    if (!registry && sources.length === 0) {
      throw new ValidationError('give a registry or sources to report', { field: 'registry' });
    }
    for (const [index, source] of sources.entries()) {
      if (!source || typeof source.collect !== 'function') {
        throw new ValidationError(`sources[${index}] has no collect()`, { field: `sources[${index}]` });
      }
    }
    const intervalMs = options.intervalMs ?? 10_000;
    // Beyond 2^31 − 1 ms, setTimeout fires at once: the reporter would report in a loop.
    if (!Number.isFinite(intervalMs) || intervalMs <= 0 || intervalMs > MAX_TIMEOUT_MS) {
      throw new ValidationError(
        `intervalMs must be a positive number up to ${MAX_TIMEOUT_MS}, got ${String(options.intervalMs)}`,
        {
          field: 'intervalMs',
        },
      );
    }
    const naming = options.naming ?? 'pyformance';
    if (naming !== 'pyformance' && naming !== 'measured') {
      throw new ValidationError(`naming must be 'pyformance' or 'measured', got ${String(naming)}`, {
        field: 'naming',
      });
    }
    const winner = options.dimensionPrecedence ?? (naming === 'measured' ? 'metric' : 'default');
    if (winner !== 'default' && winner !== 'metric') {
      throw new ValidationError(`dimensionPrecedence must be 'default' or 'metric'`, { field: 'dimensionPrecedence' });
    }
    this.#defaultDimensions = checkDimensions(options.defaultDimensions, 'defaultDimensions');
    if (options.ingest) {
      if (typeof options.ingest.send !== 'function') {
        throw new ValidationError('ingest must have send(), flush() and close()', { field: 'ingest' });
      }
      this.ingest = options.ingest;
    } else if (options.token !== undefined || process.env.SFX_TOKEN) {
      // Without `token`, the IngestClient falls back to SFX_TOKEN as every client does.
      // The client logs its own failures; the reporter counts them and tells onError.
      this.ingest = createIngestClient(options, (error) => this.#fail(error, false));
    } else {
      throw new ValidationError('give `ingest` (an IngestClient) or `token` (or set SFX_TOKEN)', { field: 'ingest' });
    }
    this.intervalMs = intervalMs;
    this.naming = naming;
    this.#registry = registry;
    this.#sources = [...sources];
    this.#winner = winner;
    this.#closeIngest = options.closeIngest ?? true;
    this.#now = options.now ?? Date.now;
    this.#logger = normalizeLogger(options.logger);
    this.#onError = options.onError;
  }

  /** Starts reporting every `intervalMs` on a fixed schedule. False if already started; throws `ClosedError` after `stop()`. */
  start(): boolean {
    if (this.#stopping) throw new ClosedError('the reporter was stopped');
    if (this.#timer) return false;
    this.#nextAt = this.#now() + this.intervalMs;
    this.#schedule();
    return true;
  }

  get running(): boolean {
    return this.#timer !== undefined;
  }

  #schedule(): void {
    const now = this.#now();
    // The wall clock stepped back (NTP, a manual change): start the schedule again from now rather than wait
    // out the step.
    if (this.#nextAt - now > this.intervalMs) this.#nextAt = now + this.intervalMs;
    const delay = Math.max(0, this.#nextAt - now);
    this.#timer = setTimeout(() => this.#onTick(), delay);
    // A reporter alone must not keep a finished process alive.
    this.#timer.unref();
  }

  #onTick(): void {
    const now = this.#now();
    this.#nextAt += this.intervalMs;
    // After a long pause (sleep, a blocked loop) skip the missed reports rather than firing them in a burst.
    if (this.#nextAt <= now) this.#nextAt = now + this.intervalMs;
    this.#schedule();
    if (this.#inFlight) {
      this.#logger.debug('previous report still running; skipping this one');
      return;
    }
    this.#inFlight = this.#report(undefined)
      .catch((error: unknown) => this.#fail(new ReportError('report failed', { cause: error })))
      .finally(() => {
        this.#inFlight = undefined;
      });
  }

  /**
   * Sends one report now (timestamp in ms since the epoch, default now) and resolves once the ingest client has
   * queued it. Rejects only when the ingest client refuses the whole report (e.g. `ClosedError`).
   */
  async reportNow(timestamp?: number): Promise<ReportResult> {
    if (timestamp !== undefined && (!Number.isFinite(timestamp) || timestamp < 0)) {
      throw new ValidationError(`timestamp must be a non-negative number of ms, got ${String(timestamp)}`, {
        field: 'timestamp',
      });
    }
    return this.#report(timestamp);
  }

  async #report(explicitTimestamp: number | undefined): Promise<ReportResult> {
    const timestamp = explicitTimestamp ?? this.#now();
    // The seed sends whole seconds; the measured reporter sends none and lets the server stamp the points.
    const pointTimestamp = this.naming === 'pyformance' ? Math.floor(timestamp / 1000) * 1000 : explicitTimestamp;
    const builder = new BatchBuilder(pointTimestamp);
    let skipped = 0;
    if (this.#registry) {
      registryPoints(builder, this.#registry.entries(), {
        naming: this.naming,
        defaultDimensions: this.#defaultDimensions,
        winner: this.#winner,
        onSkippedMeter: (name) => {
          if (this.#warnedMeters.has(name)) return;
          this.#warnedMeters.add(name);
          this.#logger.warn({ metric: name }, 'meters are not reported with the measured naming');
        },
        onMetricError: (name, error) => {
          skipped++;
          this.#fail(new ReportError(`metric ${name} could not be read`, { cause: error, metric: name }));
        },
      });
    }
    for (const source of this.#sources) {
      try {
        const points = await source.collect();
        for (const point of points) {
          const dims = mergeDimensions(point.dimensions ?? {}, this.#defaultDimensions, this.#winner);
          if (point.type === 'gauge') builder.gauge(point.metric, point.value, dims);
          else if (point.type === 'counter') builder.counter(point.metric, point.value, dims);
          else builder.cumulativeCounter(point.metric, point.value, dims);
        }
      } catch (error) {
        skipped++;
        this.#fail(new ReportError('a metric source could not be read', { cause: error }));
      }
    }
    const sent = builder.size === 0 ? 0 : this.#send(builder.toBatch());
    skipped += builder.size - sent;
    this.#stats.reports++;
    this.#stats.datapoints += sent;
    this.#stats.skipped += skipped;
    return { datapoints: sent, skipped, timestamp };
  }

  /** Sends the batch; when the ingest client refuses it for some points, sends the others one by one. */
  #send(batch: DatapointBatch): number {
    try {
      this.ingest.send(batch);
      return countPoints(batch);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
    }
    let sent = 0;
    for (const kind of KINDS) {
      for (const point of batch[kind] ?? []) {
        try {
          this.ingest.send({ [kind]: [point] });
          sent++;
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          this.#fail(
            new ReportError(`datapoint ${point.metric} refused: ${error.message}`, {
              cause: error,
              metric: point.metric,
            }),
          );
        }
      }
    }
    return sent;
  }

  #fail(error: SfxError, log = true): void {
    this.#stats.errors++;
    const metric = error instanceof ReportError ? error.metric : undefined;
    if (log) this.#logger.warn({ code: error.code, metric, cause: String(error.cause ?? '') }, error.message);
    if (!this.#onError) return;
    try {
      this.#onError(error);
    } catch (hookError) {
      this.#logger.error({ error: String(hookError) }, 'onError threw');
    }
  }

  /** Counts of reports, datapoints handed over, datapoints skipped and errors. */
  stats(): ReporterStats {
    return { ...this.#stats };
  }

  /**
   * Stops the schedule, sends one last report, then closes the ingest client (or only flushes it, with
   * `closeIngest: false`). Never rejects: failures go to `onError`. Calling it again returns the same promise.
   */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#inFlight;
    try {
      await this.#report(undefined);
    } catch (error) {
      this.#fail(new ReportError('last report failed', { cause: error }));
    }
    try {
      await (this.#closeIngest ? this.ingest.close() : this.ingest.flush());
    } catch (error) {
      this.#fail(
        error instanceof SfxError ? error : new ReportError('closing the ingest client failed', { cause: error }),
      );
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

function countPoints(batch: DatapointBatch): number {
  return (batch.gauges?.length ?? 0) + (batch.counters?.length ?? 0) + (batch.cumulativeCounters?.length ?? 0);
}
