// A scriptable SignalFlow server on 127.0.0.1 for the tests: WebSocket (`/v2/signalflow/connect`)
// and SSE (`POST /v2/signalflow/{execute,preflight,start}`, `{handle}/{attach,stop,keepalive}`).
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import { type DataFrame, encodeDataFrame, encodeJsonFrame } from '../../src/index.js';

export const GOOD_TOKEN = 'good-token-123';

export interface DataOptions {
  version?: 1 | 2 | 3;
  compress?: boolean;
  /** Send the data message as JSON (text frame over WS) instead of binary. */
  json?: boolean;
}

/** Where a scenario writes the messages of one computation, whatever the transport. */
export interface Sink {
  readonly transport: 'websocket' | 'sse';
  readonly channel: string;
  readonly request: Record<string, unknown>;
  /** A JSON message (type given); over WS a text frame, or a JSON binary frame when `jsonFrames`. */
  message(message: Record<string, unknown>, options?: { binary?: boolean; compress?: boolean }): void;
  data(frame: Omit<DataFrame, 'type' | 'channel'>, options?: DataOptions): void;
  control(event: string, extra?: Record<string, unknown>): void;
  info(messageCode: string, logicalTimestampMs: number, extra?: Record<string, unknown>): void;
  /** SSE only: writes raw response text one byte per write, yielding between writes. */
  writeBytewise(text: string): Promise<void>;
  /** Ends the stream (SSE: the response; WS: nothing more is sent). */
  end(): void;
  readonly closed: boolean;
  /** Resolves when the socket can take more (WS backpressure aware). */
  drain(): Promise<void>;
  bufferedAmount(): number;
}

function controlMessage(event: string, extra?: Record<string, unknown>): Record<string, unknown> {
  return { type: 'control-message', event, timestampMs: Date.now(), ...extra };
}

function infoMessage(
  messageCode: string,
  logicalTimestampMs: number,
  extra?: Record<string, unknown>,
): Record<string, unknown> {
  return {
    type: 'message',
    logicalTimestampMs,
    message: { messageCode, messageLevel: 'INFO', timestampMs: Date.now(), ...extra },
  };
}

export type Scenario = (sink: Sink) => void | Promise<void>;

export interface FakeServerOptions {
  scenario: Scenario;
  /** Sent before `authenticated`; default none. */
  beforeAuthenticated?: (socket: WebSocket) => void;
}

export class FakeSignalFlowServer {
  readonly requests: Array<Record<string, unknown>> = [];
  readonly httpRequests: Array<{ method: string; url: string; body: string; headers: IncomingMessage['headers'] }> = [];
  connections = 0;
  readonly #options: FakeServerOptions;
  #server: Server;
  #wss: WebSocketServer;
  #port = 0;
  readonly #sockets = new Set<Socket>();
  readonly #wsClients = new Set<WebSocket>();
  readonly #handles = new Map<string, Sink>();
  #handleCounter = 0;

  private constructor(options: FakeServerOptions) {
    this.#options = options;
    this.#server = this.#createHttp();
    this.#wss = this.#createWss();
  }

  static async start(options: FakeServerOptions): Promise<FakeSignalFlowServer> {
    const server = new FakeSignalFlowServer(options);
    await server.#listen(0);
    return server;
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  get port(): number {
    return this.#port;
  }

  /** A fresh job handle, remembered for stop. */
  registerHandle(sink: Sink): string {
    const handle = `JOB${++this.#handleCounter}`;
    this.#handles.set(handle, sink);
    return handle;
  }

  /** Kills every open connection (like a crash), the server goes on listening. */
  killConnections(): void {
    for (const client of this.#wsClients) client.terminate();
    for (const socket of this.#sockets) socket.destroy();
  }

  /** Kills every connection and stops listening; `restart()` listens again on the same port. */
  async stop(): Promise<void> {
    this.killConnections();
    this.#wss.close();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async restart(): Promise<void> {
    this.#server = this.#createHttp();
    this.#wss = this.#createWss();
    await this.#listen(this.#port);
  }

  async close(): Promise<void> {
    if (this.#server.listening) await this.stop();
  }

  async #listen(port: number): Promise<void> {
    this.#server.listen(port, '127.0.0.1');
    await once(this.#server, 'listening');
    this.#port = (this.#server.address() as AddressInfo).port;
  }

  #createHttp(): Server {
    const server = createServer((req, res) => {
      this.#onHttp(req, res).catch((error) => {
        if (!res.headersSent) res.writeHead(500);
        res.end(String(error));
      });
    });
    server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
    return server;
  }

  #createWss(): WebSocketServer {
    const wss = new WebSocketServer({ server: this.#server, path: '/v2/signalflow/connect' });
    wss.on('connection', (ws) => this.#onWebSocket(ws));
    return wss;
  }

  #onWebSocket(ws: WebSocket): void {
    this.connections++;
    this.#wsClients.add(ws);
    ws.on('close', () => this.#wsClients.delete(ws));
    ws.on('error', () => {});
    let authenticated = false;
    const channels = new Map<string, { closed: boolean }>();
    ws.on('message', (raw) => {
      const request = JSON.parse(raw.toString()) as Record<string, unknown>;
      this.requests.push(request);
      switch (request.type) {
        case 'authenticate':
          if (request.token !== GOOD_TOKEN) {
            ws.send(JSON.stringify({ type: 'error', message: 'Invalid auth token' }));
            ws.close(4401, 'unauthorized');
            return;
          }
          this.#options.beforeAuthenticated?.(ws);
          authenticated = true;
          ws.send(JSON.stringify({ type: 'authenticated', userId: 'u1', orgId: 'o1' }));
          return;
        case 'execute':
        case 'preflight':
        case 'attach': {
          if (!authenticated) return;
          const channel = String(request.channel);
          const state = { closed: false };
          channels.set(channel, state);
          const sink = this.#wsSink(ws, channel, request, state);
          Promise.resolve(this.#options.scenario(sink)).catch(() => {});
          return;
        }
        case 'detach': {
          const state = channels.get(String(request.channel));
          if (state && !state.closed) {
            ws.send(
              JSON.stringify({
                type: 'control-message',
                channel: request.channel,
                event: 'END_OF_CHANNEL',
                timestampMs: 1,
              }),
            );
            state.closed = true;
          }
          return;
        }
        case 'stop': {
          const sink = this.#handles.get(String(request.handle));
          if (sink && !sink.closed) {
            sink.control('CHANNEL_ABORT', {
              abortInfo: { sf_job_abortState: 'STOPPED', sf_job_abortReason: request.reason ?? 'stopped' },
            });
            sink.end();
          }
          return;
        }
        default:
          return;
      }
    });
  }

  #wsSink(ws: WebSocket, channel: string, request: Record<string, unknown>, state: { closed: boolean }): Sink {
    const open = () => !state.closed && ws.readyState === ws.OPEN;
    return {
      transport: 'websocket',
      channel,
      request,
      get closed() {
        return !open();
      },
      message(message, options) {
        if (!open()) return;
        if (message.type === 'raw-text') {
          ws.send(String(message.text));
          return;
        }
        if (message.type === 'raw') {
          ws.send(Uint8Array.from(message.bytes as number[]));
          return;
        }
        const full = { channel, ...message };
        if (options?.binary) ws.send(encodeJsonFrame(channel, full, { compress: options.compress ?? false }));
        else ws.send(JSON.stringify(full));
      },
      data(frame, options) {
        if (!open()) return;
        if (options?.json) ws.send(JSON.stringify({ type: 'data', channel, ...frame }));
        else
          ws.send(
            encodeDataFrame(
              { channel, ...frame },
              { version: options?.version ?? 1, compress: options?.compress ?? false },
            ),
          );
      },
      control(event, extra) {
        this.message(controlMessage(event, extra));
      },
      info(messageCode, logicalTimestampMs, extra) {
        this.message(infoMessage(messageCode, logicalTimestampMs, extra));
      },
      writeBytewise() {
        return Promise.reject(new Error('writeBytewise is for SSE'));
      },
      end() {
        state.closed = true;
      },
      async drain() {
        for (let i = 0; i < 2000 && open() && ws.bufferedAmount > 1 << 20; i++)
          await new Promise((r) => setTimeout(r, 5));
      },
      bufferedAmount: () => ws.bufferedAmount,
    };
  }

  async #onHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', this.url);
    this.httpRequests.push({ method: req.method ?? '', url: url.pathname + url.search, body, headers: req.headers });
    if (req.headers['x-sf-token'] !== GOOD_TOKEN) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code: 401, message: 'You must use your user session' }));
      return;
    }
    const match = /^\/v2\/signalflow\/(?:(execute|preflight|start)|([^/]+)\/(attach|stop|keepalive))$/.exec(
      url.pathname,
    );
    if (!match || req.method !== 'POST') {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: 'HTTP 404 Not Found' }));
      return;
    }
    const action = match[1] ?? match[3];
    if (action === 'start') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`JOB-${++this.#handleCounter}`);
      return;
    }
    if (action === 'keepalive') {
      res.writeHead(200);
      res.end();
      return;
    }
    if (action === 'stop') {
      const sink = this.#handles.get(match[2]!);
      if (!sink) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: 'HTTP 404 Not Found' }));
        return;
      }
      sink.control('CHANNEL_ABORT', {
        abortInfo: { sf_job_abortState: 'STOPPED', sf_job_abortReason: url.searchParams.get('reason') ?? 'stopped' },
      });
      sink.end();
      res.writeHead(200);
      res.end();
      return;
    }
    const request: Record<string, unknown> = { type: action, program: body };
    for (const [key, value] of url.searchParams) request[key] = /^-?\d+$/.test(value) ? Number(value) : value;
    if (match[2]) request.handle = match[2];
    this.requests.push(request);
    if (request.program === 'http-400') {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: 'bad program', errorType: 'ANALYTICS_PROGRAM_NAME_ERROR' }));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.flushHeaders();
    let closed = false;
    res.on('close', () => {
      closed = true;
    });
    const sink: Sink = {
      transport: 'sse',
      channel: 'sse',
      request,
      get closed() {
        return closed || res.destroyed;
      },
      message(message) {
        if (this.closed) return;
        const { type, ...rest } = message;
        res.write(`event: ${String(type)}\ndata: ${JSON.stringify(rest)}\n\n`);
      },
      data(frame) {
        this.message({ type: 'data', ...frame, data: frame.data.map(({ tsId, value }) => ({ tsId, value })) });
      },
      control(event, extra) {
        this.message(controlMessage(event, extra));
      },
      info(messageCode, logicalTimestampMs, extra) {
        this.message(infoMessage(messageCode, logicalTimestampMs, extra));
      },
      async writeBytewise(text) {
        for (const byte of Buffer.from(text, 'utf8')) {
          if (this.closed) return;
          res.write(Buffer.of(byte));
          await new Promise((r) => setImmediate(r));
        }
      },
      end() {
        closed = true;
        res.end();
      },
      async drain() {
        for (let i = 0; i < 2000 && !this.closed && res.writableNeedDrain; i++)
          await new Promise((r) => setTimeout(r, 5));
      },
      bufferedAmount: () => res.writableLength,
    };
    await this.#options.scenario(sink);
  }
}

/** Waits until `condition` holds, polling; throws after `timeoutMs`. */
export async function waitFor(condition: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export const TS_A = 'AAAAAAobLD0';
export const TS_B = 'AAAAAfvv__8';
export const TS_C = 'AAAAAAAAAAc';
