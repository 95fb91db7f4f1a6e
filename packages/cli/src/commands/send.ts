import { createReadStream, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { ValidationError } from '@sfx/core';
import { IngestClient } from '@sfx/ingest';
import { parseMetricKind, parseTime, parseValue } from '../args.js';
import { endpointsOf, type GlobalOptions, type Io, loggerOf, println, timeoutOf, tokenOf } from '../context.js';
import { describeError, describeErrorVerbose, UsageError } from '../errors.js';
import { renderProgress } from '../format.js';
import { csvReader, type FilePoint, formatOfFile, type PointFileFormat, parseJsonLine } from '../point-file.js';

export interface SendOptions extends GlobalOptions {
  dim?: Record<string, string>;
  timestamp?: string;
  file?: string;
  format?: PointFileFormat;
  output?: 'text' | 'json';
}

type Datapoint = { metric: string; value: number | bigint; timestamp?: number; dimensions?: Record<string, string> };

/** Points are read and queued in chunks this big; the client is flushed between chunks to bound memory. */
const CHUNK = 5_000;
const MAX_REPORTED_BAD_LINES = 5;

function ingestClient(options: GlobalOptions, io: Io, errors: unknown[]): IngestClient {
  const timeoutMs = timeoutOf(options);
  return new IngestClient({
    token: tokenOf(options, io.env),
    endpoint: endpointsOf(options, io.env).ingest,
    flushOnExit: false,
    logger: loggerOf(options, io),
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
    onError: (error: unknown) => {
      if (errors.length < 3) errors.push(error);
    },
  });
}

function toDatapoint(point: FilePoint): Datapoint {
  const datapoint: Datapoint = { metric: point.metric, value: point.value };
  if (point.timestamp !== undefined) datapoint.timestamp = point.timestamp;
  if (point.dimensions !== undefined) datapoint.dimensions = point.dimensions;
  return datapoint;
}

function sendPoints(ingest: IngestClient, points: readonly FilePoint[]): void {
  const gauges: Datapoint[] = [];
  const counters: Datapoint[] = [];
  const cumulativeCounters: Datapoint[] = [];
  for (const point of points) {
    const target = point.kind === 'gauge' ? gauges : point.kind === 'counter' ? counters : cumulativeCounters;
    target.push(toDatapoint(point));
  }
  ingest.send({ gauges, counters, cumulativeCounters });
}

interface Totals {
  sent: number;
  failed: number;
  dropped: number;
  invalid: number;
}

/** Prints the counts, then the first errors (one line each; with `--verbose`, their stacks). */
function report(io: Io, options: SendOptions, totals: Totals, errors: unknown[]): number {
  if (options.output === 'json') {
    println(io.stdout, JSON.stringify({ ...totals, errors: errors.map(describeError) }));
  } else {
    const invalid = totals.invalid > 0 ? `, invalid ${totals.invalid}` : '';
    println(io.stdout, `sent ${totals.sent}, failed ${totals.failed}, dropped ${totals.dropped}${invalid}`);
    for (const error of errors) {
      println(io.stderr, `sfx: ${describeError(error)}`);
      if (options.verbose) println(io.stderr, describeErrorVerbose(error));
    }
  }
  return totals.failed + totals.dropped + totals.invalid > 0 ? 1 : 0;
}

/** `sfx send gauge|counter|cumulative METRIC VALUE`, or `sfx send --file points.jsonl|csv`. */
export async function runSend(
  kind: string | undefined,
  metric: string | undefined,
  value: string | undefined,
  options: SendOptions,
  io: Io,
): Promise<number> {
  if (options.file !== undefined) {
    if (kind !== undefined) throw new UsageError('give either --file or TYPE METRIC VALUE, not both');
    return sendFile(options.file, options, io);
  }
  if (kind === undefined || metric === undefined || value === undefined) {
    throw new UsageError('missing arguments: sfx send TYPE METRIC VALUE (or --file FILE)');
  }
  const point: FilePoint = { kind: parseMetricKind(kind), metric, value: parseValue(value) };
  if (options.timestamp !== undefined) point.timestamp = parseTime(options.timestamp, Date.now(), '--timestamp');
  if (options.dim !== undefined && Object.keys(options.dim).length > 0) point.dimensions = options.dim;
  const errors: unknown[] = [];
  const ingest = ingestClient(options, io, errors);
  try {
    sendPoints(ingest, [point]);
    const result = await ingest.flush();
    return report(
      io,
      options,
      { sent: result.sent, failed: result.failed, dropped: result.dropped, invalid: 0 },
      errors,
    );
  } finally {
    await ingest.close();
  }
}

async function sendFile(path: string, options: SendOptions, io: Io): Promise<number> {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (cause) {
    throw new UsageError(`cannot read ${path}: ${(cause as NodeJS.ErrnoException).code ?? String(cause)}`);
  }
  const format = options.format ?? formatOfFile(path);
  const errors: unknown[] = [];
  const ingest = ingestClient(options, io, errors);
  const totals: Totals = { sent: 0, failed: 0, dropped: 0, invalid: 0 };
  const showProgress = io.stderr.isTTY === true && options.output !== 'json';
  const extra = options.dim ?? {};
  const stream = createReadStream(path);
  // Progress counts the bytes of the lines read so far (the stream itself reads ahead of them).
  let bytesDone = 0;
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  let parse: ((line: string) => FilePoint | undefined) | undefined = format === 'jsonl' ? parseJsonLine : undefined;
  let chunk: FilePoint[] = [];
  /** The line number of each point of `chunk`, to name the lines the ingest client refuses. */
  let chunkLines: number[] = [];
  let lineNumber = 0;
  const reportInvalid = (line: number, error: unknown) => {
    totals.invalid++;
    if (totals.invalid <= MAX_REPORTED_BAD_LINES) println(io.stderr, `sfx: ${path}:${line}: ${describeError(error)}`);
  };
  const drain = async () => {
    if (chunk.length > 0) {
      try {
        sendPoints(ingest, chunk);
      } catch (error) {
        // The client refuses a whole call for one bad point: send the chunk point by point, so only the bad
        // lines are left out and each is reported with its line number.
        if (!(error instanceof ValidationError)) throw error;
        chunk.forEach((point, i) => {
          try {
            sendPoints(ingest, [point]);
          } catch (pointError) {
            if (!(pointError instanceof ValidationError)) throw pointError;
            reportInvalid(chunkLines[i] as number, pointError);
          }
        });
      }
    }
    chunk = [];
    chunkLines = [];
    const result = await ingest.flush();
    totals.sent += result.sent;
    totals.failed += result.failed;
    totals.dropped += result.dropped;
    if (showProgress) {
      const counts = `sent ${totals.sent}, failed ${totals.failed}, dropped ${totals.dropped}`;
      io.stderr.write(`\r${renderProgress(bytesDone, size, 30, counts)}`);
    }
  };
  try {
    for await (const rawLine of lines) {
      lineNumber++;
      bytesDone += Buffer.byteLength(rawLine) + 1;
      // Editors on Windows start UTF-8 files with a byte-order mark, which is not part of the first line.
      const line = lineNumber === 1 && rawLine.startsWith('\uFEFF') ? rawLine.slice(1) : rawLine;
      try {
        if (parse === undefined) {
          parse = csvReader(line);
          continue;
        }
        const point = parse(line);
        if (point === undefined) continue;
        if (Object.keys(extra).length > 0) point.dimensions = { ...extra, ...point.dimensions };
        chunk.push(point);
        chunkLines.push(lineNumber);
      } catch (error) {
        if (parse === undefined) throw new UsageError(`${path}:${lineNumber}: ${describeError(error)}`);
        reportInvalid(lineNumber, error);
        continue;
      }
      if (chunk.length >= CHUNK) await drain();
    }
    bytesDone = size; // every byte is read, whatever the line endings
    await drain();
    if (showProgress) io.stderr.write('\n');
    return report(io, options, totals, errors);
  } finally {
    lines.close();
    stream.destroy();
    await ingest.close();
  }
}
