import type { IncomingMessage, ServerResponse } from 'node:http';
import { type EmulatorContext, isApiToken } from '../context.js';
import { header, mediaType, parseJson, RequestError, readBody, sendEmpty, sendJson } from '../http/util.js';
import {
  type ChannelMessage,
  type ChannelSink,
  type DataMessage,
  type JobRegistry,
  programErrorMessage,
} from './job.js';
import { ParameterError, readJobParameters } from './params.js';

const CONGESTION_BYTES = 8 * 1024 * 1024;

class SseSink implements ChannelSink {
  private closed = false;
  private readonly heartbeat: NodeJS.Timeout;

  constructor(
    private readonly response: ServerResponse,
    readonly channel: string,
    keepAliveMs: number,
    readonly eventsOnly = false,
  ) {
    response.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    // A comment line keeps idle connections (and proxies) open.
    this.heartbeat = setInterval(() => this.write(': keepalive\n\n'), keepAliveMs);
    this.heartbeat.unref();
  }

  private write(text: string): void {
    if (!this.closed && !this.response.destroyed) this.response.write(text);
  }

  send(message: ChannelMessage): void {
    this.write(`event: ${message.type}\ndata: ${JSON.stringify({ ...message, channel: this.channel })}\n\n`);
  }

  sendData(message: DataMessage): void {
    this.send({ type: 'data', ...message });
  }

  close(): void {
    if (this.closed) return;
    clearInterval(this.heartbeat);
    this.closed = true;
    this.response.end();
  }

  abandon(): void {
    clearInterval(this.heartbeat);
    this.closed = true;
  }

  congested(): boolean {
    return this.response.writableLength > CONGESTION_BYTES;
  }
}

/** Reads the program of an SSE request: a text/plain body, or JSON `{ programText }`. */
async function readProgram(context: EmulatorContext, request: IncomingMessage): Promise<string> {
  const body = await readBody(request, context.maxBodyBytes);
  if (mediaType(request) === 'application/json') {
    const parsed = parseJson(body);
    const program = (parsed as { programText?: unknown } | null)?.programText;
    if (typeof program !== 'string') throw new RequestError(400, 'programText must be a string');
    return program;
  }
  return body.toString('utf8');
}

function queryObject(query: URLSearchParams): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of query) out[key] = value;
  return out;
}

/**
 * The HTTP/SSE transport (signalflow.md §12): `segments` are the path parts after `/v2/signalflow/`.
 * Returns false when the path is not one of its routes.
 */
export async function handleSse(
  context: EmulatorContext,
  jobs: JobRegistry,
  request: IncomingMessage,
  response: ServerResponse,
  segments: string[],
  query: URLSearchParams,
): Promise<boolean> {
  const [first, second] = segments;
  const known =
    (segments.length === 1 && (first === 'execute' || first === 'preflight' || first === 'start')) ||
    (segments.length === 2 && (second === 'attach' || second === 'keepalive' || second === 'stop'));
  if (!known) return false;
  if (request.method !== 'POST') {
    request.resume();
    sendJson(response, 405, { code: 405, message: `use POST for /v2/signalflow/${segments.join('/')}` });
    return true;
  }
  if (!isApiToken(context, header(request, 'x-sf-token'))) {
    request.resume();
    sendJson(response, 401, { code: 401, message: 'Unauthorized: a valid X-SF-Token is required' });
    return true;
  }

  if (segments.length === 2) {
    request.resume();
    const job = jobs.get(first!);
    if (!job) {
      sendJson(response, 404, { message: 'HTTP 404 Not Found' });
      return true;
    }
    if (second === 'keepalive') {
      job.keepalive();
      sendEmpty(response, 200);
    } else if (second === 'stop') {
      jobs.stop(job.handle, query.get('reason') ?? 'Stopped by client request');
      sendEmpty(response, 200);
    } else {
      const sink = new SseSink(response, job.handle.slice(0, 16), context.signalflow.keepAliveIntervalMs);
      response.on('close', () => {
        sink.abandon();
        job.drop(sink);
      });
      job.attach(sink);
    }
    return true;
  }

  const program = await readProgram(context, request);
  let params: ReturnType<typeof readJobParameters>;
  try {
    params = readJobParameters(queryObject(query), context.now());
    if (first === 'preflight' && params.stop === undefined) {
      throw new ParameterError('preflight requires start and stop');
    }
  } catch (error) {
    if (error instanceof ParameterError) throw new RequestError(400, error.message);
    throw error;
  }
  if (program.trim() === '') throw new RequestError(400, 'the request body must hold the SignalFlow program');
  let job: ReturnType<JobRegistry['start']>;
  try {
    job = jobs.start(program, params);
  } catch (error) {
    const message = programErrorMessage(error, program);
    // The computation-failure shape SSE clients read, plus the fields of the WebSocket shape.
    sendJson(response, 400, { ...message, errors: [{ code: message.errorType, context: message.context }] });
    return true;
  }
  if (first === 'start') {
    sendJson(response, 200, { handle: job.handle });
    return true;
  }
  const sink = new SseSink(
    response,
    job.handle.slice(0, 16),
    context.signalflow.keepAliveIntervalMs,
    first === 'preflight',
  );
  response.on('close', () => {
    sink.abandon();
    job.drop(sink);
  });
  job.attach(sink);
  return true;
}
