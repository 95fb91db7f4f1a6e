import { type Computation, type ExecuteOptions, SignalFlowClient } from '@sfx/signalflow';
import { parseDuration, parseTime } from '../args.js';
import { endpointsOf, type GlobalOptions, type Io, loggerOf, println, tokenOf } from '../context.js';
import { describeError, UsageError } from '../errors.js';
import { type FlowMessages, type FlowOutput, runFlowView } from '../flow-view.js';

/** How long Ctrl-C waits for the job's handle when it comes before JOB_START. */
const HANDLE_WAIT_MS = 5_000;

export interface FlowOptions extends GlobalOptions {
  start?: string;
  stop?: string;
  resolution?: string;
  maxDelay?: string;
  immediate?: boolean;
  output?: FlowOutput;
  /** Stop after this many logical timestamps (for scripts and tests). */
  count?: number;
}

function positiveDuration(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const ms = parseDuration(text, flag);
  if (ms <= 0) throw new UsageError(`${flag} must be positive`);
  return ms;
}

/** `sfx flow 'PROGRAM'`: runs a computation and shows it live, as a table, or as JSON/CSV lines. */
export async function runFlow(program: string, options: FlowOptions, io: Io): Promise<number> {
  if (program.trim() === '') throw new UsageError('the SignalFlow program is empty');
  const now = Date.now();
  const start = options.start === undefined ? undefined : parseTime(options.start, now, '--start');
  const stop = options.stop === undefined ? undefined : parseTime(options.stop, now, '--stop');
  if (start !== undefined && stop !== undefined && stop <= start) throw new UsageError('--stop must be after --start');
  const resolution = positiveDuration(options.resolution, '--resolution');
  const maxDelay = options.maxDelay === undefined ? undefined : parseDuration(options.maxDelay, '--max-delay');
  const output: FlowOutput = options.output ?? (io.stdout.isTTY ? 'live' : 'json');
  const token = tokenOf(options, io.env);
  const endpoint = endpointsOf(options, io.env).stream;

  const client = new SignalFlowClient({ token, endpoint, logger: loggerOf(options, io) });
  const execute: ExecuteOptions = {
    ...(start === undefined ? {} : { start }),
    ...(stop === undefined ? {} : { stop }),
    ...(resolution === undefined ? {} : { resolution }),
    ...(maxDelay === undefined ? {} : { maxDelay }),
    ...(options.immediate ? { immediate: true } : {}),
  };
  let computation: Computation;
  try {
    computation = client.execute(program, execute);
  } catch (error) {
    await client.close();
    throw error;
  }
  const controller = new AbortController();
  // Ctrl-C before JOB_START: the job's handle is still unknown, and leaving then would leave the job
  // running on the server. Wait for the handle (HANDLE_WAIT_MS at most), then leave and stop it.
  let waitingForHandle = false;
  let handleWait: NodeJS.Timeout | undefined;
  const interrupt = () => {
    if (computation.handle !== undefined || computation.finished) {
      controller.abort();
      return;
    }
    waitingForHandle = true;
    handleWait ??= setTimeout(() => controller.abort(), HANDLE_WAIT_MS);
  };
  const messages: FlowMessages = {
    get resolution() {
      return computation.resolution;
    },
    close: () => computation.close(),
    async *[Symbol.asyncIterator]() {
      for await (const message of computation) {
        if (message.type === 'job-start' && waitingForHandle) controller.abort();
        yield message;
      }
    },
  };
  // The reader of a pipe went away (`sfx flow ... | head`): leave as on Ctrl-C, stopping the job.
  const onOutputError = (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') interrupt();
  };
  io.stdout.on('error', onOutputError);
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  try {
    const summary = await runFlowView(
      program,
      messages,
      { output, signal: controller.signal, ...(options.count === undefined ? {} : { count: options.count }) },
      io,
    );
    // Closing a computation only detaches from it; stop the job too, so nothing keeps running on the server.
    const handle = computation.handle;
    let stopped = '';
    if (handle !== undefined && !summary.ended) {
      await client.stop(handle, 'stopped by sfx flow');
      stopped = ` (job ${handle} stopped)`;
    }
    const how = summary.interrupted ? 'detached' : summary.ended ? 'ended' : 'done';
    println(
      io.stderr,
      `${how}: ${summary.timestamps} timestamps, ${summary.series} series, ${summary.values} values${stopped}`,
    );
    return 0;
  } finally {
    clearTimeout(handleWait);
    io.stdout.removeListener('error', onOutputError);
    process.removeListener('SIGINT', interrupt);
    process.removeListener('SIGTERM', interrupt);
    await client.close().catch((error: unknown) => println(io.stderr, `sfx: ${describeError(error)}`));
  }
}
