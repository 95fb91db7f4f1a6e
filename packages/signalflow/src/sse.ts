import type { Readable } from 'node:stream';
import { AuthError, ConnectionError, HttpError, type Logger, proxyForUrl, redactUrl, TimeoutError } from '@sfx/core';
import { Agent, type Dispatcher, ProxyAgent } from 'undici';
import { type Computation, type ComputationDriver, newComputation } from './computation.js';
import { ComputationFailedError } from './errors.js';
import type { ServerMessage } from './messages.js';
import { ReconnectBudget, type TransportSettings } from './reconnect.js';

export interface SseTransportOptions extends TransportSettings {
  /** `http:` or `https:` stream base URL. */
  baseUrl: string;
}

export interface SseStreamRequest {
  /** Path under the base URL, e.g. `/v2/signalflow/execute`. */
  path: string;
  query: Record<string, string | number | boolean | undefined>;
  /** The program text, or undefined for attach. */
  program: string | undefined;
  /** Whether a resume may set `start` (not for attach). */
  resumable: boolean;
}

/** One HTTP exchange of a stream: replaced on every reconnection. */
interface Exchange {
  abort: AbortController;
  body: Readable | undefined;
}

interface Stream {
  computation: Computation;
  request: SseStreamRequest;
  /** The exchange in flight; events of any other one are stale. */
  exchange: Exchange | undefined;
  reconnect: ReconnectBudget;
  connectedOnce: boolean;
  /** The consumer is behind: keep the response paused, across reconnections too. */
  paused: boolean;
  timer: NodeJS.Timeout | undefined;
  idleTimer: NodeJS.Timeout | undefined;
  lastTrafficAt: number;
  cleanup: () => void;
}

const MAX_ERROR_BODY = 4096;

/**
 * Incremental `text/event-stream` parser: feed it text chunks, it calls back once per complete
 * event with the event name and the joined data lines.
 */
export class SseParser {
  /** The start of a line whose end has not arrived yet (never holds a line break). */
  #buffer = '';
  /** The last chunk ended with CR: a LF opening the next one belongs to that line break. */
  #afterCarriageReturn = false;
  #event = '';
  #data: string[] = [];
  readonly #onEvent: (event: string, data: string) => void;

  constructor(onEvent: (event: string, data: string) => void) {
    this.#onEvent = onEvent;
  }

  /** Lines end with LF, CRLF or a lone CR, as the SSE format allows. */
  push(chunk: string): void {
    let start = 0;
    if (this.#afterCarriageReturn && chunk.length > 0) {
      this.#afterCarriageReturn = false;
      if (chunk.charCodeAt(0) === 10) start = 1;
    }
    // Only the new text is searched: a long line arriving in many chunks costs linear time.
    let lineFeed = chunk.indexOf('\n', start);
    let carriageReturn = chunk.indexOf('\r', start);
    while (lineFeed >= 0 || carriageReturn >= 0) {
      let end: number;
      let next: number;
      if (carriageReturn >= 0 && (lineFeed < 0 || carriageReturn < lineFeed)) {
        end = carriageReturn;
        if (carriageReturn + 1 === chunk.length) {
          this.#afterCarriageReturn = true;
          next = carriageReturn + 1;
        } else next = chunk.charCodeAt(carriageReturn + 1) === 10 ? carriageReturn + 2 : carriageReturn + 1;
      } else {
        end = lineFeed;
        next = lineFeed + 1;
      }
      const piece = chunk.slice(start, end);
      const line = this.#buffer === '' ? piece : this.#buffer + piece;
      this.#buffer = '';
      this.#line(line);
      start = next;
      if (lineFeed >= 0 && lineFeed < start) lineFeed = chunk.indexOf('\n', start);
      if (carriageReturn >= 0 && carriageReturn < start) carriageReturn = chunk.indexOf('\r', start);
    }
    if (start < chunk.length) this.#buffer += chunk.slice(start);
  }

  #line(line: string): void {
    if (line === '') {
      if (this.#data.length > 0) this.#onEvent(this.#event || 'message', this.#data.join('\n'));
      this.#event = '';
      this.#data = [];
      return;
    }
    if (line.charCodeAt(0) === 58) return; // ':' comment
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    if (field === 'event') this.#event = value;
    else if (field === 'data') this.#data.push(value);
  }
}

/**
 * One HTTP request per computation over undici, answered as Server-Sent Events; resumes after a
 * drop. Each response is its own connection, so a slow consumer pauses only its own computation.
 */
export class SseTransport implements ComputationDriver {
  readonly #options: SseTransportOptions;
  readonly #logger: Logger;
  readonly #streams = new Map<Computation, Stream>();
  /** One undici dispatcher per proxy choice ('' = direct). */
  readonly #dispatchers = new Map<string, Dispatcher>();
  #counter = 0;
  #closed = false;

  constructor(options: SseTransportOptions) {
    this.#options = options;
    this.#logger = options.logger;
  }

  open(request: SseStreamRequest, signal: AbortSignal | undefined): Computation {
    const { computation, cleanup } = newComputation(`sse-${++this.#counter}`, this, {
      maxBufferedMessages: this.#options.maxBufferedMessages,
      logger: this.#logger,
      closed: this.#closed,
      signal,
    });
    if (cleanup === undefined) return computation;
    const stream: Stream = {
      computation,
      request,
      exchange: undefined,
      reconnect: new ReconnectBudget(this.#options.reconnect),
      connectedOnce: false,
      paused: false,
      timer: undefined,
      idleTimer: undefined,
      lastTrafficAt: Date.now(),
      cleanup,
    };
    this.#streams.set(computation, stream);
    this.#connect(stream);
    return computation;
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const stream of [...this.#streams.values()]) {
      this.detach(stream.computation);
      stream.computation._complete('closed');
    }
    const dispatchers = [...this.#dispatchers.values()];
    this.#dispatchers.clear();
    await Promise.all(dispatchers.map((dispatcher) => dispatcher.destroy().catch(() => undefined)));
  }

  pause(computation: Computation): void {
    const stream = this.#streams.get(computation);
    if (stream === undefined) return;
    stream.paused = true;
    stream.exchange?.body?.pause();
  }

  resume(computation: Computation): void {
    const stream = this.#streams.get(computation);
    if (stream === undefined) return;
    stream.paused = false;
    stream.lastTrafficAt = Date.now();
    stream.exchange?.body?.resume();
  }

  detach(computation: Computation): void {
    this.release(computation);
  }

  release(computation: Computation): void {
    const stream = this.#streams.get(computation);
    if (stream === undefined) return;
    this.#forget(stream);
    const exchange = stream.exchange;
    stream.exchange = undefined;
    exchange?.abort.abort();
  }

  #forget(stream: Stream): void {
    this.#streams.delete(stream.computation);
    clearTimeout(stream.timer);
    clearInterval(stream.idleTimer);
    stream.cleanup();
  }

  #dispatcher(url: URL): Dispatcher {
    const options = this.#options;
    const proxy = proxyForUrl(url, options.proxy);
    const key = proxy ?? '';
    let dispatcher = this.#dispatchers.get(key);
    if (dispatcher === undefined) {
      // The stream may stay quiet between events: silence is watched here (idleTimeoutMs), not by undici.
      const timeouts = {
        headersTimeout: options.connectTimeoutMs,
        bodyTimeout: 0,
        connect: { timeout: options.connectTimeoutMs },
      };
      dispatcher = proxy ? new ProxyAgent({ uri: proxy, ...timeouts }) : new Agent(timeouts);
      this.#dispatchers.set(key, dispatcher);
    }
    return dispatcher;
  }

  #connect(stream: Stream): void {
    const options = this.#options;
    const url = new URL(options.baseUrl + stream.request.path);
    const query = { ...stream.request.query };
    const resumeFrom = stream.computation.lastLogicalTimestampMs;
    if (stream.connectedOnce && stream.request.resumable && resumeFrom !== undefined) query.start = resumeFrom;
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const body = stream.request.program;
    const headers: Record<string, string> = {
      'x-sf-token': options.token,
      accept: 'text/event-stream',
      'user-agent': options.userAgent,
    };
    if (body !== undefined) headers['content-type'] = 'text/plain; charset=utf-8';
    const exchange: Exchange = { abort: new AbortController(), body: undefined };
    stream.exchange = exchange;
    const safeUrl = redactUrl(url);
    let dispatcher: Dispatcher;
    try {
      dispatcher = this.#dispatcher(url);
    } catch (error) {
      // A malformed proxy URL: nothing to retry.
      this.#forget(stream);
      stream.computation._fail(
        new ConnectionError(`SignalFlow proxy unusable: ${(error as Error).message}`, { cause: error }),
      );
      return;
    }
    dispatcher
      .request({
        origin: url.origin,
        path: url.pathname + url.search,
        method: 'POST',
        headers,
        body: body ?? '',
        signal: exchange.abort.signal,
      })
      .then(
        (response) => {
          if (stream.exchange !== exchange) {
            response.body.destroy();
            return;
          }
          if (response.statusCode !== 200) {
            this.#refused(stream, exchange, response, safeUrl);
            return;
          }
          this.#streamEvents(stream, exchange, response.body);
        },
        (error: Error) => {
          if (stream.exchange === exchange) this.#dropped(stream, error);
        },
      );
  }

  #streamEvents(stream: Stream, exchange: Exchange, body: Readable): void {
    exchange.body = body;
    stream.reconnect.connected();
    stream.connectedOnce = true;
    stream.lastTrafficAt = Date.now();
    this.#watchIdle(stream, exchange);
    const parser = new SseParser((event, data) => this.#onEvent(stream, event, data));
    // Streaming decode: a character split across chunks is joined before parsing.
    const decoder = new TextDecoder('utf-8');
    body.on('data', (chunk: Uint8Array) => {
      stream.lastTrafficAt = Date.now();
      parser.push(decoder.decode(chunk, { stream: true }));
    });
    body.on('end', () => {
      if (stream.exchange === exchange)
        this.#dropped(stream, new ConnectionError('SignalFlow event stream ended early'));
    });
    body.on('error', (error) => {
      if (stream.exchange === exchange) this.#dropped(stream, error);
    });
    if (stream.paused) body.pause();
  }

  #watchIdle(stream: Stream, exchange: Exchange): void {
    clearInterval(stream.idleTimer);
    const limit = this.#options.idleTimeoutMs;
    stream.idleTimer = setInterval(
      () => {
        if (stream.exchange !== exchange || stream.paused) return;
        if (Date.now() - stream.lastTrafficAt > limit) {
          this.#dropped(
            stream,
            new TimeoutError(`SignalFlow event stream silent for ${limit} ms`, { timeoutMs: limit }),
          );
        }
      },
      Math.max(10, Math.min(5000, Math.floor(limit / 4))),
    );
    stream.idleTimer.unref();
  }

  #onEvent(stream: Stream, event: string, data: string): void {
    let payload: unknown;
    try {
      payload = JSON.parse(data);
    } catch {
      this.#logger.warn({ event }, 'SignalFlow SSE event is not JSON: skipped');
      return;
    }
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
      this.#logger.warn({ event }, 'SignalFlow SSE event is not a JSON object: skipped');
      return;
    }
    const message = payload as Record<string, unknown>;
    if (typeof message.type !== 'string') message.type = event;
    if (message.type === 'control-message' && message.event === 'KEEP_ALIVE') return;
    try {
      stream.computation._receive(message as unknown as ServerMessage);
    } catch (error) {
      // Nothing thrown while handling one event may escape the response's data handler.
      stream.computation._failMalformed(error);
    }
  }

  #refused(stream: Stream, exchange: Exchange, response: Dispatcher.ResponseData, safeUrl: string): void {
    const status = response.statusCode;
    const chunks: Buffer[] = [];
    let size = 0;
    response.body.on('data', (chunk: Buffer) => {
      if (size < MAX_ERROR_BODY) chunks.push(chunk);
      size += chunk.length;
    });
    response.body.on('error', (error) => {
      if (stream.exchange === exchange) this.#dropped(stream, error);
    });
    response.body.on('end', () => {
      if (stream.exchange !== exchange) return;
      const text = Buffer.concat(chunks).toString('utf8').slice(0, 512);
      let json: Record<string, unknown> | undefined;
      try {
        json = JSON.parse(text) as Record<string, unknown>;
      } catch {
        json = undefined;
      }
      const details = { status, method: 'POST', url: safeUrl, body: text };
      const message = typeof json?.message === 'string' ? json.message : undefined;
      let error: Error;
      if (status === 401 || status === 403) {
        error = new AuthError(details, { message: `SignalFlow refused the token: ${message ?? `HTTP ${status}`}` });
      } else if (status >= 400 && status < 500 && status !== 408 && status !== 429) {
        error = new ComputationFailedError(message ?? `SignalFlow request failed with HTTP ${status}`, {
          status,
          ...(typeof json?.errorType === 'string' ? { errorType: json.errorType } : {}),
          ...(Array.isArray(json?.errors) ? { errors: json.errors as [] } : {}),
        });
      } else {
        this.#dropped(stream, new HttpError(details));
        return;
      }
      this.#forget(stream);
      stream.exchange = undefined;
      stream.computation._fail(error);
    });
  }

  #dropped(stream: Stream, error: Error): void {
    if (this.#closed || !this.#streams.has(stream.computation)) return;
    const exchange = stream.exchange;
    stream.exchange = undefined;
    exchange?.abort.abort();
    clearInterval(stream.idleTimer);
    stream.computation._interrupted();
    const delay = stream.reconnect.nextDelay();
    this.#logger.warn({ error: error.message, attempt: stream.reconnect.attempts }, 'SignalFlow event stream dropped');
    if (delay === undefined) {
      this.#forget(stream);
      stream.computation._fail(
        error instanceof HttpError
          ? error
          : new ConnectionError(`SignalFlow event stream lost: ${error.message}`, { cause: error }),
      );
      return;
    }
    stream.timer = setTimeout(() => {
      stream.timer = undefined;
      if (this.#streams.has(stream.computation)) this.#connect(stream);
    }, delay);
  }
}
