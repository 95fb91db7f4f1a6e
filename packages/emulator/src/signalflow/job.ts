import { randomBytes } from 'node:crypto';
import type { EmulatorContext } from '../context.js';
import type { Computation, InfoMessage, TimestampOutput } from '../engine/types.js';
import type { JobParameters } from './params.js';
import { programErrorInfo } from './program-error.js';

/** A JSON message for one channel (signalflow.md §4), without `channel`: the sink adds it. */
export type ChannelMessage = Record<string, unknown> & { type: string };

export interface DataMessage {
  logicalTimestampMs: number;
  maxDelayMs: number;
  data: Array<{ tsId: string; value: number | null }>;
}

/** Where a job's messages for one channel go: a WebSocket channel or an SSE response. */
export interface ChannelSink {
  readonly channel: string;
  send(message: ChannelMessage): void;
  sendData(message: DataMessage): void;
  /** The channel is over (after its last message); release it. */
  close(): void;
  /** True while the transport has too much unsent data; the job then waits before computing more. */
  congested(): boolean;
  /** Preflight channels get events only. */
  readonly eventsOnly?: boolean;
}

/** Wait between historical chunks while a sink is congested. */
const CONGESTION_WAIT_MS = 20;
/** Logical timestamps computed per slice before yielding to the event loop. */
const SLICE_TIMESTAMPS = 500;
/** Timestamp outputs kept for replay to channels that attach later. */
const HISTORY_LIMIT = 1_000;
/** Completed jobs kept for replay to late attachments, beyond which the oldest are forgotten. */
const FINISHED_JOBS_KEPT = 100;
/** Max delay used when the request leaves it automatic: how long a live job waits for late points. */
export const AUTOMATIC_MAX_DELAY_MS = 1_000;

export function newHandle(): string {
  return randomBytes(8).toString('base64url');
}

export function controlMessage(event: string, extra: Record<string, unknown> = {}): ChannelMessage {
  return { type: 'control-message', event, timestampMs: Date.now(), ...extra };
}

/** The WebSocket error shape of signalflow.md §4.6 for a program the engine rejects. */
export function programErrorMessage(error: unknown, programText: string): ChannelMessage {
  const info = programErrorInfo(error) ?? {
    errorType: 'ANALYTICS_INTERNAL_ERROR' as const,
    message: error instanceof Error ? error.message : String(error),
    line: 1,
    column: 1,
  };
  return {
    type: 'error',
    error: 400,
    errorType: info.errorType,
    message: info.message,
    context: {
      bindingName: null,
      column: info.column,
      line: info.line,
      programText,
      reference: info.reference ?? null,
      traceback: null,
    },
  };
}

interface Attachment {
  sink: ChannelSink;
  resolutionSent: boolean;
}

/** One running computation and the channels attached to it. */
export class Job {
  private readonly attachments = new Map<ChannelSink, Attachment>();
  private readonly metadata = new Map<string, Record<string, unknown>>();
  private readonly history: TimestampOutput[] = [];
  private timer: NodeJS.Timeout | undefined;
  private computedUpTo: number;
  private running = false;
  private ended = false;
  private idleSince: number;
  readonly maxDelayMs: number;
  readonly stop: number | undefined;
  private readonly metricPublishesDisabled: boolean;

  private constructor(
    readonly handle: string,
    private readonly context: EmulatorContext,
    private readonly computation: Computation,
    params: JobParameters,
    private readonly onEnd: (job: Job, completed: boolean) => void,
  ) {
    this.maxDelayMs = params.maxDelayMs ?? AUTOMATIC_MAX_DELAY_MS;
    this.stop = params.stop;
    this.metricPublishesDisabled = params.disableAllMetricPublishes === true;
    this.computedUpTo = params.start - 1;
    this.idleSince = context.now();
  }

  /** Starts the computation; throws the engine's ProgramError for a bad program. */
  static start(
    context: EmulatorContext,
    program: string,
    params: JobParameters,
    onEnd: (job: Job, completed: boolean) => void,
  ): Job {
    const handle = newHandle();
    const computation = context.startComputation(program, {
      source: context.store,
      start: params.start,
      ...(params.stop !== undefined ? { stop: params.stop } : {}),
      ...(params.resolutionMs !== undefined ? { resolutionMs: params.resolutionMs } : {}),
      now: context.now,
      jobId: handle,
      findLimit: context.signalflow.findLimit,
    });
    return new Job(handle, context, computation, params, onEnd);
  }

  get channelCount(): number {
    return this.attachments.size;
  }

  get finished(): boolean {
    return this.ended;
  }

  /** When the job has had no channel since this time (for the idle sweep); undefined while attached. */
  idleSinceMs(): number | undefined {
    return this.attachments.size === 0 ? this.idleSince : undefined;
  }

  keepalive(): void {
    this.idleSince = this.context.now();
  }

  /** Streams this job on `sink`: STREAM_START, JOB_START, known metadata, replayed history, then live output. */
  attach(sink: ChannelSink): void {
    const attachment: Attachment = { sink, resolutionSent: false };
    this.attachments.set(sink, attachment);
    sink.send(controlMessage('STREAM_START'));
    sink.send(controlMessage('JOB_START', { handle: this.handle }));
    // Every series known so far, then the kept history: the replay may not reach back to a series' first value.
    for (const [tsId, properties] of this.metadata) {
      if (this.shows(properties)) sink.send({ type: 'metadata', tsId, properties });
    }
    for (const output of this.history) this.emit(attachment, output, true);
    if (this.ended) {
      this.finishAttachment(attachment);
      return;
    }
    this.schedule(0);
  }

  /** Stops streaming to `sink`, telling it why. The job keeps running in the background. */
  detach(sink: ChannelSink, reason: string): void {
    if (!this.attachments.delete(sink)) return;
    sink.send(
      controlMessage('CHANNEL_ABORT', { abortInfo: { sf_job_abortState: 'DETACHED', sf_job_abortReason: reason } }),
    );
    sink.close();
    this.idleSince = this.context.now();
  }

  /** Forgets `sink` without a message (its transport is gone). */
  drop(sink: ChannelSink): void {
    if (this.attachments.delete(sink)) this.idleSince = this.context.now();
  }

  /** Ends the job: every channel gets CHANNEL_ABORT with state STOPPED. */
  halt(reason: string, state = 'STOPPED'): void {
    for (const attachment of this.attachments.values()) {
      attachment.sink.send(
        controlMessage('CHANNEL_ABORT', { abortInfo: { sf_job_abortState: state, sf_job_abortReason: reason } }),
      );
      attachment.sink.close();
    }
    this.attachments.clear();
    this.end(false);
  }

  private end(completed: boolean): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.ended) {
      this.ended = true;
      this.idleSince = this.context.now();
      this.onEnd(this, completed);
    }
  }

  private schedule(delayMs: number): void {
    if (this.ended || this.running) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.run(), Math.max(0, Math.min(delayMs, 2 ** 31 - 1)));
    this.timer.unref?.();
  }

  /** Computes what is due (in slices, yielding between them), emits it, and schedules the next run. */
  private run(): void {
    this.timer = undefined;
    if (this.ended) return;
    this.running = true;
    try {
      const resolution = Math.max(1, this.computation.resolutionMs);
      const now = this.context.now();
      const due = this.stop === undefined ? now - this.maxDelayMs : Math.min(this.stop, now - this.maxDelayMs);
      if ([...this.attachments.keys()].some((sink) => sink.congested())) {
        this.running = false;
        this.schedule(CONGESTION_WAIT_MS);
        return;
      }
      if (due > this.computedUpTo) {
        const sliceEnd = Math.min(due, this.computedUpTo + SLICE_TIMESTAMPS * resolution);
        const outputs = this.computation.advance(sliceEnd);
        this.computedUpTo = sliceEnd;
        for (const output of outputs) this.publish(output);
        if (sliceEnd < due) {
          this.running = false;
          this.timer = setTimeout(() => this.run(), 0);
          return;
        }
      }
      if (this.computation.finished || (this.stop !== undefined && this.computedUpTo >= this.stop)) {
        for (const attachment of this.attachments.values()) this.finishAttachment(attachment);
        this.attachments.clear();
        this.running = false;
        this.end(true);
        return;
      }
      // Next run when the next logical timestamp is complete: its end plus the max delay.
      const nextTimestamp = (Math.floor(this.computedUpTo / resolution) + 1) * resolution;
      this.running = false;
      this.schedule(nextTimestamp + this.maxDelayMs - now);
    } catch (error) {
      this.running = false;
      this.context.logger.error({ err: error, handle: this.handle }, 'emulator: computation failed');
      this.halt(error instanceof Error ? error.message : String(error), 'FAILED');
    }
  }

  private publish(output: TimestampOutput): void {
    for (const item of output.newMetadata) this.metadata.set(item.tsId, item.properties);
    for (const tsId of output.expired) this.metadata.delete(tsId);
    this.history.push(output);
    if (this.history.length > HISTORY_LIMIT) this.history.shift();
    for (const attachment of this.attachments.values()) this.emit(attachment, output, false);
  }

  private emit(attachment: Attachment, output: TimestampOutput, replay: boolean): void {
    const { sink } = attachment;
    if (!replay) {
      for (const item of output.newMetadata) {
        if (this.shows(item.properties)) sink.send({ type: 'metadata', tsId: item.tsId, properties: item.properties });
      }
    }
    if (!sink.eventsOnly && !this.metricPublishesDisabled) {
      for (const publish of output.publishes) {
        sink.sendData({
          logicalTimestampMs: output.logicalTimestampMs,
          maxDelayMs: this.maxDelayMs,
          data: publish.values,
        });
      }
    }
    for (const event of output.events) {
      sink.send({
        type: 'event',
        tsId: event.tsId,
        timestampMs: event.timestampMs,
        metadata: event.metadata ?? {},
        properties: event.properties,
      });
    }
    for (const tsId of output.expired) sink.send({ type: 'expired-tsid', tsId });
    const infoTimestamp = output.logicalTimestampMs + this.computation.resolutionMs;
    if (!attachment.resolutionSent) this.sendInfo(attachment, infoTimestamp);
    // Warnings found while computing this timestamp (e.g. GROUPBY_MISSING_PROPERTY) follow its data.
    for (const info of output.infoMessages ?? []) this.sendInfoMessage(attachment, info, infoTimestamp);
  }

  /** False for a metric series' metadata when the request disabled metric publishes. */
  private shows(properties: Record<string, unknown>): boolean {
    return !this.metricPublishesDisabled || properties.sf_type !== 'MetricTimeSeries';
  }

  /** JOB_RUNNING_RESOLUTION first (clients close their first batch on it), then the engine's info messages. */
  private sendInfo(attachment: Attachment, logicalTimestampMs: number): void {
    attachment.resolutionSent = true;
    const resolution: InfoMessage = {
      messageCode: 'JOB_RUNNING_RESOLUTION',
      messageLevel: 'INFO',
      contents: { resolutionMs: this.computation.resolutionMs },
    };
    const initialDelay: InfoMessage = {
      messageCode: 'JOB_INITIAL_MAX_DELAY',
      messageLevel: 'INFO',
      contents: { maxDelayMs: this.maxDelayMs },
    };
    for (const info of [resolution, initialDelay, ...this.computation.infoMessages]) {
      this.sendInfoMessage(attachment, info, logicalTimestampMs);
    }
  }

  private sendInfoMessage(attachment: Attachment, info: InfoMessage, logicalTimestampMs: number): void {
    attachment.sink.send({
      type: 'message',
      logicalTimestampMs,
      message: {
        messageCode: info.messageCode,
        messageLevel: info.messageLevel,
        timestampMs: Date.now(),
        numInputTimeSeries: info.numInputTimeSeries ?? 0,
        contents: info.contents,
      },
    });
  }

  private finishAttachment(attachment: Attachment): void {
    if (!attachment.resolutionSent) this.sendInfo(attachment, this.computedUpTo);
    attachment.sink.send(controlMessage('END_OF_CHANNEL'));
    attachment.sink.close();
  }
}

/** Every job of the emulator, by handle, with an idle sweep for background jobs. */
export class JobRegistry {
  private readonly jobs = new Map<string, Job>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly context: EmulatorContext) {
    this.sweeper = setInterval(() => this.sweep(), Math.min(10_000, context.signalflow.idleJobTimeoutMs));
    this.sweeper.unref();
  }

  get size(): number {
    return this.jobs.size;
  }

  /** Jobs still computing (completed ones kept for replay do not count towards `maxJobs`). */
  get running(): number {
    let running = 0;
    for (const job of this.jobs.values()) if (!job.finished) running++;
    return running;
  }

  /** Starts a job; throws the engine's ProgramError, or an Error when too many jobs run. */
  start(program: string, params: JobParameters): Job {
    if (this.running >= this.context.signalflow.maxJobs) {
      throw new Error(`too many jobs running (limit ${this.context.signalflow.maxJobs}); stop some first`);
    }
    const job = Job.start(this.context, program, params, (ended, completed) => {
      // A completed job stays attachable (for replay) until the idle sweep or until newer ones push it out;
      // a stopped or failed one is gone.
      if (completed) this.forgetOldFinished();
      else this.jobs.delete(ended.handle);
    });
    this.jobs.set(job.handle, job);
    return job;
  }

  get(handle: string): Job | undefined {
    return this.jobs.get(handle);
  }

  stop(handle: string, reason: string): boolean {
    const job = this.jobs.get(handle);
    if (!job) return false;
    this.jobs.delete(handle);
    job.halt(reason);
    return true;
  }

  private forgetOldFinished(): void {
    let finished = 0;
    for (const job of this.jobs.values()) if (job.finished) finished++;
    for (const [handle, job] of this.jobs) {
      if (finished <= FINISHED_JOBS_KEPT) return;
      if (job.finished && job.channelCount === 0) {
        this.jobs.delete(handle);
        finished--;
      }
    }
  }

  private sweep(): void {
    const deadline = this.context.now() - this.context.signalflow.idleJobTimeoutMs;
    for (const [handle, job] of this.jobs) {
      const idleSince = job.idleSinceMs();
      if (idleSince !== undefined && idleSince < deadline) {
        this.jobs.delete(handle);
        job.halt('idle timeout');
        this.context.logger.debug(
          { handle },
          'emulator: job stopped after idleJobTimeoutMs without a channel or keepalive',
        );
      }
    }
  }

  close(): void {
    clearInterval(this.sweeper);
    for (const job of this.jobs.values()) job.halt('emulator closing');
    this.jobs.clear();
  }
}
