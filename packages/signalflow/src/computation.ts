import { ClosedError, type Logger } from '@sfx/core';
import {
  type AbortInfo,
  ComputationAbortedError,
  ComputationFailedError,
  FrameDecodeError,
  ProtocolError,
} from './errors.js';
import type { ErrorMessage, InfoMessageBody, ServerMessage } from './messages.js';
import type { ComputationData, ComputationMessage, ComputationState } from './types.js';

/** What a computation needs from the transport that feeds it. */
export interface ComputationDriver {
  /** The consumer is behind: stop reading from the network. */
  pause(computation: Computation): void;
  /** The consumer caught up. */
  resume(computation: Computation): void;
  /** The consumer closed the computation: stop streaming it (detach or abort the request). */
  detach(computation: Computation, reason: string): void;
  /** The computation ended for good; forget it. */
  release(computation: Computation): void;
}

/** The data points of one data message, whatever the wire form. */
export interface DataInput {
  logicalTimestampMs: number;
  maxDelayMs?: number | null | undefined;
  data: ReadonlyArray<{ tsId: string; value: number | bigint | null }>;
}

interface Batch {
  logicalTimestampMs: number;
  maxDelayMs: number | undefined;
  data: Record<string, number | null>;
  messages: number;
}

interface Ending {
  error?: unknown;
}

/** The find and group-by warnings the server reported for the program. */
export interface ComputationWarnings {
  findMatchedNoTimeseries: boolean;
  findLimitedResultSet: { matchedSize: number; limitSize: number } | undefined;
  groupByMissingProperties: string[];
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/**
 * One running computation: an async iterable of its messages. It keeps the job's handle,
 * resolution and per-series metadata, and merges the data messages of each logical timestamp into
 * one batch before yielding it (spec §8.3), so no message order loses data.
 */
export class Computation implements AsyncIterable<ComputationMessage>, AsyncIterator<ComputationMessage> {
  /** The channel this computation streams on (WebSocket), or an internal name (SSE). */
  channel: string;
  #state: ComputationState = 'pending';
  #handle: string | undefined;
  #resolution: number | undefined;
  #inputTimeSeries = 0;
  #detectedLagMs: number | undefined;
  #initialMaxDelayMs: number | undefined;
  readonly #warnings: ComputationWarnings = {
    findMatchedNoTimeseries: false,
    findLimitedResultSet: undefined,
    groupByMissingProperties: [],
  };
  readonly #metadata = new Map<string, Record<string, unknown>>();
  /** The metadata each queued expired-tsid message drops once the consumer reads it. */
  readonly #expiries = new WeakMap<ComputationMessage, Record<string, unknown>>();
  /** Expiries (and metadata that follows them) received while a batch is open: they come after it. */
  #deferred: ComputationMessage[] = [];

  readonly #driver: ComputationDriver;
  readonly #logger: Logger;
  readonly #highWater: number;
  readonly #lowWater: number;
  #queue: ComputationMessage[] = [];
  #head = 0;
  #paused = false;
  #waiter: { resolve: (r: IteratorResult<ComputationMessage>) => void; reject: (e: unknown) => void } | undefined;
  #ending: Ending | undefined;
  #finished = false;

  #batch: Batch | undefined;
  #lastLogicalTimestampMs: number | undefined;
  /** Messages per logical timestamp, learned from the first batch known to be complete. */
  #messagesPerTimestamp: number | undefined;
  #countFlushEnabled = true;
  /** After a resume, data at or before this timestamp was already yielded. */
  #resumedAfter: number | undefined;

  constructor(channel: string, driver: ComputationDriver, options: { maxBufferedMessages: number; logger: Logger }) {
    this.channel = channel;
    this.#driver = driver;
    this.#logger = options.logger;
    this.#highWater = Math.max(1, options.maxBufferedMessages);
    this.#lowWater = Math.floor(this.#highWater / 2);
  }

  /** The job's handle from JOB_START, for `stop`, `keepalive` and `attach`. */
  get handle(): string | undefined {
    return this.#handle;
  }

  /** The resolution in ms, from the JOB_RUNNING_RESOLUTION info message. */
  get resolution(): number | undefined {
    return this.#resolution;
  }

  get state(): ComputationState {
    return this.#state;
  }

  /** The number of input time series (the sum over FETCH_NUM_TIMESERIES messages). */
  get inputTimeSeries(): number {
    return this.#inputTimeSeries;
  }

  /** JOB_DETECTED_LAG, in ms. */
  get detectedLagMs(): number | undefined {
    return this.#detectedLagMs;
  }

  /** JOB_INITIAL_MAX_DELAY, in ms. */
  get initialMaxDelayMs(): number | undefined {
    return this.#initialMaxDelayMs;
  }

  get warnings(): Readonly<ComputationWarnings> {
    return this.#warnings;
  }

  /** The logical timestamp of the last data batch yielded, the point a resume starts from. */
  get lastLogicalTimestampMs(): number | undefined {
    return this.#lastLogicalTimestampMs;
  }

  /** Whether the computation ended (completed, aborted, failed or closed). */
  get finished(): boolean {
    return this.#finished;
  }

  /** The properties of a series, once its metadata message arrived (and until it expires). */
  getMetadata(tsId: string): Record<string, unknown> | undefined {
    return this.#metadata.get(tsId);
  }

  /** Every series with metadata, sorted. */
  knownTsIds(): string[] {
    return [...this.#metadata.keys()].sort();
  }

  [Symbol.asyncIterator](): AsyncIterator<ComputationMessage> {
    return this;
  }

  next(): Promise<IteratorResult<ComputationMessage>> {
    if (this.#head < this.#queue.length) {
      const value = this.#queue[this.#head]!;
      this.#queue[this.#head++] = undefined as unknown as ComputationMessage;
      if (this.#head === this.#queue.length) {
        this.#queue = [];
        this.#head = 0;
      } else if (this.#head >= 1024 && this.#head * 2 >= this.#queue.length) {
        this.#queue = this.#queue.slice(this.#head);
        this.#head = 0;
      }
      if (this.#paused && this.#queue.length - this.#head <= this.#lowWater) {
        this.#paused = false;
        this.#driver.resume(this);
      }
      this.#delivered(value);
      return Promise.resolve({ done: false, value });
    }
    if (this.#ending) {
      const error = this.#ending.error;
      if (error !== undefined) {
        this.#ending = {};
        return Promise.reject(error);
      }
      return Promise.resolve(DONE);
    }
    if (this.#waiter) return Promise.reject(new ClosedError('a computation supports one reader at a time'));
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }

  /** `break` in `for await` lands here: the computation is closed. */
  async return(): Promise<IteratorResult<ComputationMessage>> {
    await this.close();
    return DONE;
  }

  /** Stops streaming (detaches) and ends the iteration; messages not yet read are dropped. */
  async close(reason = 'Stopped by client request.'): Promise<void> {
    if (this.#finished) return;
    this.#queue = [];
    this.#head = 0;
    this.#deferred = [];
    this.#driver.detach(this, reason);
    this.#end('closed', {});
  }

  // ---- fed by the transport ----

  /** @internal A server message for this computation, data excepted. */
  _receive(message: ServerMessage): void {
    if (this.#finished) return;
    switch (message.type) {
      case 'data': {
        const problem = malformedData(message);
        if (problem === undefined) this._receiveData(message as DataInput);
        else this.#failMalformed(`malformed data message on channel ${this.channel}: ${problem}`);
        return;
      }
      case 'control-message':
        this.#control(message.event, message as unknown as Record<string, unknown>);
        return;
      case 'message':
        this.#info(message.message, message.logicalTimestampMs);
        return;
      case 'metadata':
        if (typeof message.tsId === 'string') {
          const tsId = message.tsId;
          const properties = objectOr(message.properties);
          this.#metadata.set(tsId, properties);
          const metadata: ComputationMessage = { type: 'metadata', tsId, properties };
          // A series back after an expiry still waiting for the open batch: keep the two in order.
          if (this.#deferred.some((m) => m.type === 'expired-tsid' && m.tsId === tsId)) this.#deferred.push(metadata);
          else this.#push(metadata);
        }
        return;
      case 'expired-tsid':
        if (typeof message.tsId === 'string') {
          // The metadata goes when the consumer reads the expiry, not before: the data queued ahead
          // of it (and the open batch, which the expiry follows on the wire) still refer to it.
          const expiry: ComputationMessage = { type: 'expired-tsid', tsId: message.tsId };
          const properties = this.#metadata.get(message.tsId);
          if (properties !== undefined) this.#expiries.set(expiry, properties);
          if (this.#batch !== undefined) this.#deferred.push(expiry);
          else this.#push(expiry);
        }
        return;
      case 'event':
        this.#push({
          type: 'event',
          tsId: message.tsId,
          timestampMs: message.timestampMs,
          metadata: objectOr(message.metadata),
          properties: objectOr(message.properties),
        });
        return;
      case 'error':
        this.#flush();
        this._fail(failureOf(message, this.channel));
        return;
      default:
        this.#logger.debug({ channel: this.channel, type: message.type }, 'ignored SignalFlow message');
    }
  }

  /** @internal One data message (binary or JSON form). */
  _receiveData(input: DataInput): void {
    const target = this._openData(input.logicalTimestampMs, input.maxDelayMs ?? undefined);
    if (target === undefined) return;
    const points = input.data;
    for (let i = 0; i < points.length; i++) {
      const point = points[i]!;
      const value = point.value;
      target[point.tsId] = typeof value === 'bigint' ? Number(value) : value;
    }
    this._closeData();
  }

  /**
   * @internal Starts taking the points of one data message: returns the record to merge them
   * into, or undefined to skip them. `_closeData` must follow.
   */
  _openData(timestamp: number, maxDelayMs: number | undefined): Record<string, number | null> | undefined {
    if (this.#finished) return undefined;
    if (this.#resumedAfter !== undefined) {
      if (timestamp <= this.#resumedAfter) return undefined;
      this.#resumedAfter = undefined;
    }
    if (this.#state !== 'data-received') this.#state = 'data-received';
    let batch = this.#batch;
    if (batch !== undefined && batch.logicalTimestampMs !== timestamp) {
      if (this.#messagesPerTimestamp === undefined) this.#messagesPerTimestamp = batch.messages;
      this.#flush();
      batch = undefined;
    }
    if (batch === undefined) {
      if (timestamp === this.#lastLogicalTimestampMs && this.#countFlushEnabled) {
        // A message of a timestamp already yielded: the learned count was too low. Stop trusting it.
        this.#countFlushEnabled = false;
        this.#logger.warn({ channel: this.channel, timestamp }, 'more data messages than expected for one timestamp');
      }
      batch = { logicalTimestampMs: timestamp, maxDelayMs, data: {}, messages: 0 };
      this.#batch = batch;
    }
    return batch.data;
  }

  /** @internal Ends the data message `_openData` started. */
  _closeData(): void {
    const batch = this.#batch;
    if (batch === undefined) return;
    batch.messages++;
    if (this.#countFlushEnabled && batch.messages === this.#messagesPerTimestamp) this.#flush();
  }

  /** @internal The connection dropped; the transport will re-execute from `lastLogicalTimestampMs`. */
  _interrupted(): void {
    // The open batch may be incomplete: drop it, the resumed stream sends that timestamp again.
    this.#batch = undefined;
    this.#pushDeferred();
    this.#resumedAfter = this.#lastLogicalTimestampMs;
    this.#inputTimeSeries = 0;
  }

  /**
   * @internal Ends the iteration with an error, after the messages already queued. After a
   * malformed frame or message the open batch is dropped: it may hold part of the bad message.
   */
  _fail(error: unknown): void {
    if (this.#finished) return;
    if (error instanceof FrameDecodeError || error instanceof ProtocolError) {
      this.#batch = undefined;
      this.#pushDeferred();
    } else this.#flush();
    const state: ComputationState = error instanceof ComputationAbortedError ? 'aborted' : 'failed';
    this.#end(state, { error });
  }

  /**
   * @internal The consumer's signal fired: stop streaming, drop what is queued and reject with
   * `ComputationAbortedError` (state `ABORTED`, the signal's reason as `cause`).
   */
  _abort(reason: unknown): void {
    if (this.#finished) return;
    this.#driver.detach(this, 'Aborted by client.');
    this.#queue = [];
    this.#head = 0;
    this.#batch = undefined;
    this.#deferred = [];
    const text =
      reason instanceof Error ? reason.message : reason === undefined ? 'aborted by its signal' : String(reason);
    this.#end('aborted', {
      error: new ComputationAbortedError({ sf_job_abortState: 'ABORTED', sf_job_abortReason: text }, { cause: reason }),
    });
  }

  /** @internal The transport could not make sense of a message for this channel. */
  _failMalformed(error: unknown): void {
    if (this.#finished) return;
    this.#driver.detach(this, 'Malformed message.');
    this._fail(
      error instanceof FrameDecodeError || error instanceof ProtocolError
        ? error
        : new ProtocolError(`unreadable message on channel ${this.channel}: ${(error as Error)?.message}`, {
            cause: error,
          }),
    );
  }

  /** @internal Ends the iteration normally, after the messages already queued. */
  _complete(state: ComputationState = 'completed'): void {
    if (this.#finished) return;
    this.#flush();
    this.#end(state, {});
  }

  // ---- internals ----

  #failMalformed(text: string): void {
    this._failMalformed(new ProtocolError(text));
  }

  #control(event: string, message: Record<string, unknown>): void {
    switch (event) {
      case 'STREAM_START':
        if (this.#state === 'pending') this.#state = 'stream-started';
        return;
      case 'JOB_START':
        if (typeof message.handle === 'string') {
          this.#handle = message.handle;
          if (this.#state === 'pending' || this.#state === 'stream-started') this.#state = 'computation-started';
          this.#push({ type: 'job-start', handle: message.handle });
        }
        return;
      case 'JOB_PROGRESS':
        this.#push({ type: 'job-progress', progress: Number(message.progress) });
        return;
      case 'END_OF_CHANNEL':
        this._complete();
        return;
      case 'CHANNEL_ABORT':
        this.#flush();
        this._fail(new ComputationAbortedError((message.abortInfo ?? {}) as AbortInfo));
        return;
      default:
        return;
    }
  }

  #info(body: InfoMessageBody | undefined, logicalTimestampMs: number | undefined): void {
    if (body === undefined || body === null || typeof body !== 'object') return;
    const contents = (body.contents ?? {}) as Record<string, unknown>;
    switch (body.messageCode) {
      case 'JOB_RUNNING_RESOLUTION':
        if (typeof contents.resolutionMs === 'number') this.#resolution = contents.resolutionMs;
        break;
      case 'JOB_DETECTED_LAG':
        if (typeof contents.lagMs === 'number') this.#detectedLagMs = contents.lagMs;
        break;
      case 'JOB_INITIAL_MAX_DELAY':
        if (typeof contents.maxDelayMs === 'number') this.#initialMaxDelayMs = contents.maxDelayMs;
        break;
      case 'FETCH_NUM_TIMESERIES':
        if (typeof body.numInputTimeSeries === 'number') this.#inputTimeSeries += body.numInputTimeSeries;
        break;
      case 'FIND_MATCHED_NO_TIMESERIES':
        this.#warnings.findMatchedNoTimeseries = true;
        break;
      case 'FIND_LIMITED_RESULT_SET':
        this.#warnings.findLimitedResultSet = {
          matchedSize: Number(contents.matchedSize),
          limitSize: Number(contents.limitSize),
        };
        break;
      case 'GROUPBY_MISSING_PROPERTY':
        if (Array.isArray(contents.propertyNames)) {
          this.#warnings.groupByMissingProperties = contents.propertyNames.map(String);
        }
        break;
    }
    // Info messages carry the timestamp of the next slot: one later than the open batch closes it.
    const batch = this.#batch;
    if (
      batch !== undefined &&
      typeof logicalTimestampMs === 'number' &&
      logicalTimestampMs > batch.logicalTimestampMs
    ) {
      if (this.#messagesPerTimestamp === undefined) this.#messagesPerTimestamp = batch.messages;
      this.#flush();
    }
    this.#push({ type: 'info', logicalTimestampMs, message: body });
  }

  #flush(): void {
    const batch = this.#batch;
    if (batch === undefined) return;
    this.#batch = undefined;
    this.#lastLogicalTimestampMs = batch.logicalTimestampMs;
    const message: ComputationData = { type: 'data', logicalTimestampMs: batch.logicalTimestampMs, data: batch.data };
    if (batch.maxDelayMs !== undefined) message.maxDelayMs = batch.maxDelayMs;
    this.#push(message);
    this.#pushDeferred();
  }

  #pushDeferred(): void {
    if (this.#deferred.length === 0) return;
    const deferred = this.#deferred;
    this.#deferred = [];
    for (const message of deferred) this.#push(message);
  }

  /** The consumer now holds `message`: an expiry takes effect. */
  #delivered(message: ComputationMessage): void {
    if (message.type !== 'expired-tsid') return;
    const properties = this.#expiries.get(message);
    // Metadata that arrived after the expiry (the series came back) stays.
    if (properties !== undefined && this.#metadata.get(message.tsId) === properties)
      this.#metadata.delete(message.tsId);
  }

  #push(message: ComputationMessage): void {
    const waiter = this.#waiter;
    if (waiter !== undefined) {
      this.#waiter = undefined;
      this.#delivered(message);
      waiter.resolve({ done: false, value: message });
      return;
    }
    this.#queue.push(message);
    if (!this.#paused && this.#queue.length - this.#head >= this.#highWater) {
      this.#paused = true;
      this.#driver.pause(this);
    }
  }

  #end(state: ComputationState, ending: Ending): void {
    this.#finished = true;
    this.#state = state;
    this.#batch = undefined;
    this.#deferred = [];
    if (this.#paused) {
      this.#paused = false;
      this.#driver.resume(this);
    }
    this.#driver.release(this);
    const waiter = this.#waiter;
    if (waiter !== undefined && this.#head >= this.#queue.length) {
      this.#waiter = undefined;
      if (ending.error !== undefined) {
        this.#ending = {};
        waiter.reject(ending.error);
      } else {
        this.#ending = ending;
        waiter.resolve(DONE);
      }
      return;
    }
    this.#ending = ending;
  }
}

/**
 * @internal A transport's new computation, wired to the consumer's signal. `cleanup` (removing the
 * signal listener) is undefined when the computation ended at once: client closed, or signal fired.
 */
export function newComputation(
  channel: string,
  driver: ComputationDriver,
  options: { maxBufferedMessages: number; logger: Logger; closed: boolean; signal: AbortSignal | undefined },
): { computation: Computation; cleanup: (() => void) | undefined } {
  const computation = new Computation(channel, driver, options);
  if (options.closed) {
    computation._fail(new ClosedError('the SignalFlow client is closed'));
    return { computation, cleanup: undefined };
  }
  return { computation, cleanup: watchSignal(computation, options.signal) };
}

/**
 * @internal Wires the consumer's signal to a computation. Returns the listener's cleanup, or
 * `undefined` when the signal had already fired (the computation is then ended).
 */
export function watchSignal(computation: Computation, signal: AbortSignal | undefined): (() => void) | undefined {
  if (signal === undefined) return () => {};
  if (signal.aborted) {
    computation._abort(signal.reason);
    return undefined;
  }
  const onAbort = () => computation._abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  return () => signal.removeEventListener('abort', onAbort);
}

function objectOr(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** What is wrong with a data message in JSON form, or undefined when it is well formed. */
function malformedData(message: Record<string, unknown>): string | undefined {
  if (typeof message.logicalTimestampMs !== 'number' || !Number.isFinite(message.logicalTimestampMs)) {
    return 'logicalTimestampMs is not a number';
  }
  const maxDelayMs = message.maxDelayMs;
  if (maxDelayMs !== undefined && maxDelayMs !== null && typeof maxDelayMs !== 'number') {
    return 'maxDelayMs is not a number';
  }
  const data = message.data;
  if (!Array.isArray(data)) return 'data is not an array';
  for (let i = 0; i < data.length; i++) {
    const point = data[i] as { tsId?: unknown; value?: unknown } | null;
    if (typeof point !== 'object' || point === null || typeof point.tsId !== 'string') {
      return `data[${i}] has no tsId`;
    }
    if (point.value !== null && typeof point.value !== 'number') return `data[${i}].value is not a number or null`;
  }
  return undefined;
}

function failureOf(message: ErrorMessage, channel: string): ComputationFailedError {
  const errors = Array.isArray(message.errors)
    ? message.errors
    : message.context && typeof message.context === 'object'
      ? [{ code: message.error, context: message.context }]
      : [];
  const text =
    typeof message.message === 'string' && message.message !== ''
      ? message.message
      : errors.length > 0
        ? `computation failed: ${JSON.stringify(errors).slice(0, 300)}`
        : 'computation failed';
  const details: { status?: number; errorType?: string; errors: typeof errors; channel: string } = { errors, channel };
  if (typeof message.error === 'number') details.status = message.error;
  if (typeof message.errorType === 'string') details.errorType = message.errorType;
  return new ComputationFailedError(text, details);
}
