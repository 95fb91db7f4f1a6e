import {
  ClosedError,
  HttpClient,
  type Logger,
  normalizeLogger,
  packageVersion,
  resolveEndpoints,
  resolveToken,
  userAgent,
  ValidationError,
} from '@sfx/core';
import type { Computation } from './computation.js';
import type { ExecuteParameters } from './messages.js';
import { type ReconnectOptions, resolveReconnect } from './reconnect.js';
import { SseTransport } from './sse.js';
import type { AttachOptions, ExecuteOptions, StartOptions } from './types.js';
import { WebSocketTransport } from './websocket.js';

export const SIGNALFLOW_VERSION: string = packageVersion(import.meta.url);

export interface SignalFlowClientOptions {
  /** An API or session token; default `SFX_TOKEN`. Never logged. */
  token?: string;
  /** Realm, e.g. `us1`; default `SFX_REALM` or `us0`. */
  realm?: string;
  /** Stream base URL (`https://…`, `http://…`, `wss://…` or `ws://…`); overrides the realm. */
  endpoint?: string;
  /** `websocket` (default): one multiplexed socket. `sse`: one HTTP request per computation. */
  transport?: 'websocket' | 'sse';
  /** Ask the server for gzip-compressed binary frames (WebSocket). Default true. */
  compress?: boolean;
  /** Reconnection after a drop; `false` fails the computations at the first drop. */
  reconnect?: ReconnectOptions | false;
  /** A connection with no traffic (data or KEEP_ALIVE) for this long counts as dropped, ms. Default 60,000. */
  idleTimeoutMs?: number;
  /** Time allowed to connect and authenticate, ms. Default 10,000. */
  connectTimeoutMs?: number;
  /** Messages buffered per computation before the connection is paused. Default 1,000. */
  maxBufferedMessages?: number;
  /** HTTP CONNECT proxy URL; `false` ignores `HTTPS_PROXY`/`HTTP_PROXY`. Default: from the environment. */
  proxy?: string | false;
  logger?: Partial<Logger>;
}

function positive(value: number | undefined, fallback: number, field: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ValidationError(`${field} must be a positive number, got ${String(value)}`, { field });
  }
  return value;
}

/** Execute parameters as they go on the wire: `undefined` left out. */
function parameters(options: ExecuteOptions | StartOptions): ExecuteParameters {
  const out: Record<string, unknown> = {};
  for (const key of [
    'start',
    'stop',
    'resolution',
    'maxDelay',
    'persistent',
    'immediate',
    'timezone',
    'disableAllMetricPublishes',
    'withDerivedMetadata',
    'resolutionAdjustable',
  ] as const) {
    const value = options[key];
    if (value !== undefined) out[key] = value;
  }
  return out as ExecuteParameters;
}

function checkProgram(program: unknown): string {
  if (typeof program !== 'string' || program.trim() === '') {
    throw new ValidationError('program must be a non-empty SignalFlow program', { field: 'program' });
  }
  return program;
}

function checkHandle(handle: unknown): string {
  if (typeof handle !== 'string' || handle === '') {
    throw new ValidationError('handle must be a job handle string', { field: 'handle' });
  }
  return handle;
}

/**
 * Runs SignalFlow computations and streams their output. Over WebSocket every computation shares
 * one socket, opened on first use; over SSE each has its own HTTP request.
 */
export class SignalFlowClient {
  /** The stream base URL (`https://…`). */
  readonly streamUrl: string;
  readonly transport: 'websocket' | 'sse';
  readonly #compress: boolean;
  readonly #websocket: WebSocketTransport | undefined;
  readonly #sse: SseTransport | undefined;
  readonly #http: HttpClient;
  #closed = false;

  constructor(options: SignalFlowClientOptions = {}) {
    const token = resolveToken(options.token);
    const endpoint = options.endpoint?.trim().replace(/^ws(s?):\/\//i, 'http$1://');
    this.streamUrl = resolveEndpoints({
      ...(options.realm !== undefined ? { realm: options.realm } : {}),
      ...(endpoint ? { streamUrl: endpoint } : {}),
    }).stream;
    const transport = options.transport ?? 'websocket';
    if (transport !== 'websocket' && transport !== 'sse') {
      throw new ValidationError(`transport must be "websocket" or "sse", got ${String(transport)}`, {
        field: 'transport',
      });
    }
    this.transport = transport;
    this.#compress = options.compress ?? true;
    const logger = normalizeLogger(options.logger);
    const product = { name: '@sfx/signalflow', version: SIGNALFLOW_VERSION };
    const common = {
      token,
      userAgent: userAgent(product),
      logger,
      proxy: options.proxy,
      reconnect: resolveReconnect(options.reconnect),
      idleTimeoutMs: positive(options.idleTimeoutMs, 60_000, 'idleTimeoutMs'),
      connectTimeoutMs: positive(options.connectTimeoutMs, 10_000, 'connectTimeoutMs'),
      maxBufferedMessages: Math.floor(positive(options.maxBufferedMessages, 1000, 'maxBufferedMessages')),
    };
    if (transport === 'websocket') {
      const url = `${this.streamUrl.replace(/^http/i, 'ws')}/v2/signalflow/connect`;
      this.#websocket = new WebSocketTransport({ ...common, url });
    } else {
      this.#sse = new SseTransport({ ...common, baseUrl: this.streamUrl });
    }
    this.#http = new HttpClient({
      baseUrl: this.streamUrl,
      token,
      product,
      logger,
      timeoutMs: common.connectTimeoutMs,
      ...(options.proxy !== undefined ? { proxy: options.proxy } : {}),
    });
  }

  /** Runs a program and streams its output. Iterate the result with `for await`. */
  execute(program: string, options: ExecuteOptions = {}): Computation {
    return this.#stream('execute', checkProgram(program), options);
  }

  /** Runs a program over a past range to preview what its detectors would have fired. */
  preflight(program: string, options: ExecuteOptions = {}): Computation {
    return this.#stream('preflight', checkProgram(program), options);
  }

  /** Streams the output of a running (background) job. */
  attach(handle: string, options: AttachOptions = {}): Computation {
    checkHandle(handle);
    const compress = options.compress ?? this.#compress;
    if (this.#websocket) {
      const request = { type: 'attach' as const, handle, compress };
      if (options.filters !== undefined) Object.assign(request, { filters: options.filters });
      if (options.resolution !== undefined) Object.assign(request, { resolution: options.resolution });
      return this.#websocket.open(request, options.signal);
    }
    return this.#sse!.open(
      {
        path: `/v2/signalflow/${encodeURIComponent(handle)}/attach`,
        query: { filters: options.filters, resolution: options.resolution },
        program: undefined,
        resumable: false,
      },
      options.signal,
    );
  }

  /** Starts a background job and resolves with its handle (HTTP `start`; the socket gives no reply). */
  async start(program: string, options: StartOptions = {}): Promise<string> {
    this.#checkOpen();
    const response = await this.#http.request({
      method: 'POST',
      path: '/v2/signalflow/start',
      query: parameters(options) as Record<string, string | number | boolean | undefined>,
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      body: checkProgram(program),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const text = response.text().trim();
    try {
      const json = JSON.parse(text) as unknown;
      if (typeof json === 'string') return json;
      if (typeof json === 'object' && json !== null) {
        const record = json as Record<string, unknown>;
        for (const key of ['handle', 'id', 'jobId']) if (typeof record[key] === 'string') return record[key] as string;
      }
    } catch {
      // Not JSON: the body is the handle itself.
    }
    return text;
  }

  /** Keeps a background or detached job alive. */
  async keepalive(handle: string): Promise<void> {
    this.#checkOpen();
    checkHandle(handle);
    if (this.#websocket) return this.#websocket.send({ type: 'keepalive', handle });
    await this.#http.request({ method: 'POST', path: `/v2/signalflow/${encodeURIComponent(handle)}/keepalive` });
  }

  /** Stops a job; its attached computations end with `ComputationAbortedError` (state STOPPED). */
  async stop(handle: string, reason?: string): Promise<void> {
    this.#checkOpen();
    checkHandle(handle);
    if (this.#websocket) {
      return this.#websocket.send({ type: 'stop', handle, ...(reason !== undefined ? { reason } : {}) });
    }
    await this.#http.request({
      method: 'POST',
      path: `/v2/signalflow/${encodeURIComponent(handle)}/stop`,
      query: { reason },
    });
  }

  /** Ends every computation (their iterations finish) and closes the connection. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([this.#websocket?.close(), this.#sse?.close(), this.#http.close()]);
  }

  #checkOpen(): void {
    if (this.#closed) throw new ClosedError('the SignalFlow client is closed');
  }

  #stream(type: 'execute' | 'preflight', program: string, options: ExecuteOptions): Computation {
    const params = parameters(options);
    if (this.#websocket) {
      return this.#websocket.open(
        { type, program, ...params, compress: options.compress ?? this.#compress },
        options.signal,
      );
    }
    return this.#sse!.open(
      {
        path: `/v2/signalflow/${type}`,
        query: params as Record<string, string | number | boolean | undefined>,
        program,
        resumable: true,
      },
      options.signal,
    );
  }
}
