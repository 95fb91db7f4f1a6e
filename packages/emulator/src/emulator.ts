import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { type Logger, normalizeLogger, SfxError } from '@sfx/core';
import { WebSocketServer } from 'ws';
import type { ComputationFactory, EmulatorContext, IngestRequestRecord, SignalFlowServerOptions } from './context.js';
import { type Fault, FaultInjector } from './http/faults.js';
import { handleIngest } from './http/ingest.js';
import { RequestError, sendJson, sendText } from './http/util.js';
import { handleRest } from './rest/api.js';
import { DetectorRunner } from './rest/detector-runner.js';
import { MetadataStore } from './rest/metadata-store.js';
import { JobRegistry } from './signalflow/job.js';
import { handleSse } from './signalflow/sse.js';
import { SignalFlowConnection } from './signalflow/websocket.js';
import {
  type EmulatorStore,
  type RetentionOptions,
  resolveRetention,
  TimeSeriesStore,
} from './store/time-series-store.js';

export interface EmulatorOptions {
  /** Interface to bind. Default `127.0.0.1` (loopback only). */
  host?: string;
  /** Port; 0 (the default) picks a free one. */
  port?: number;
  /** Org access tokens accepted on every endpoint. Default `['dev-token']`. */
  tokens?: readonly string[];
  /** Logins accepted by `POST /v2/session`; when absent any email and password log in. */
  users?: ReadonlyArray<{ email: string; password: string }>;
  /** How many points, series and events are kept. */
  retention?: RetentionOptions;
  /** Receives request errors and lifecycle lines; silent by default. */
  logger?: Partial<Logger>;
  /** Largest request body accepted, before and after gunzip. Default 32 MiB. */
  maxBodyBytes?: number;
  /** SignalFlow transport knobs. */
  signalflow?: SignalFlowServerOptions;
  /** The emulator's clock (epoch ms), for tests. Default `Date.now`. */
  now?: () => number;
}

export interface Emulator {
  /** Base URL of the ingest API (`/v2/datapoint`, `/v2/event`). */
  readonly ingestUrl: string;
  /** Base URL of the REST API (`/v2/metric`, `/v2/detector`, ...). */
  readonly apiUrl: string;
  /** Base URL of SignalFlow: `ws` on `/v2/signalflow/connect` (use `ws://` or let the client swap the scheme), SSE on `/v2/signalflow/execute`. */
  readonly streamUrl: string;
  /** The port the emulator listens on. */
  readonly port: number;
  /** What was ingested, for assertions in tests. */
  readonly store: EmulatorStore;
  /** The last 1,000 accepted ingest requests (sizes, headers, counts), oldest first, for assertions. */
  ingestRequests(): IngestRequestRecord[];
  /** Makes the next matching HTTP requests fail or wait (429 with Retry-After, 503, delays), for client tests. */
  injectFault(fault: Fault): void;
  /** Forgets every injected fault not yet used. */
  clearFaults(): void;
  /** Drops every SignalFlow WebSocket at once, as a network failure would; their jobs keep running. Returns how many. */
  dropConnections(): number;
  /** Stops every job, closes every connection and the server. */
  close(): Promise<void>;
}

/** The emulator's own errors (failing to start, e.g. the port is taken). */
export class EmulatorError extends SfxError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SFX_ERR_EMULATOR', message, options);
  }
}

const DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;
const PRUNE_INTERVAL_MS = 30_000;

function splitPath(pathname: string): string[] {
  try {
    return pathname
      .split('/')
      .filter((segment) => segment !== '')
      .map((segment) => decodeURIComponent(segment));
  } catch {
    throw new RequestError(400, `malformed percent-encoding in path ${pathname}`);
  }
}

/** Starts an emulator with a given computation factory; `startEmulator` passes the engine's. */
export async function startEmulatorWith(
  options: EmulatorOptions,
  startComputation: ComputationFactory,
): Promise<Emulator> {
  const now = options.now ?? Date.now;
  const logger = normalizeLogger(options.logger);
  const store = new TimeSeriesStore(resolveRetention(options.retention), now);
  const sf = options.signalflow ?? {};
  const positive = (value: number | undefined, fallback: number): number =>
    typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : fallback;
  const context: EmulatorContext = {
    store,
    metadata: new MetadataStore(),
    logger,
    now,
    tokens: new Set(options.tokens ?? ['dev-token']),
    users: options.users,
    maxBodyBytes: positive(options.maxBodyBytes, DEFAULT_MAX_BODY_BYTES),
    signalflow: {
      keepAliveIntervalMs: positive(sf.keepAliveIntervalMs, 15_000),
      authTimeoutMs: positive(sf.authTimeoutMs, 5_000),
      dataFrameVersion: sf.dataFrameVersion === 2 || sf.dataFrameVersion === 3 ? sf.dataFrameVersion : 1,
      jsonDataFrames: sf.jsonDataFrames === true,
      findLimit: positive(sf.findLimit, 10_000),
      idleJobTimeoutMs: positive(sf.idleJobTimeoutMs, 10 * 60_000),
      maxJobs: positive(sf.maxJobs, 1_000),
    },
    startComputation,
    ingestLog: [],
  };
  const jobs = new JobRegistry(context);
  context.detectorRunner = new DetectorRunner(context, jobs);

  const route = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://emulator');
    const segments = splitPath(url.pathname);
    if (segments[0] === 'v2' && segments.length === 2 && (segments[1] === 'datapoint' || segments[1] === 'event')) {
      await handleIngest(context, request, response, segments[1]);
      return;
    }
    if (segments[0] === 'v2' && segments[1] === 'signalflow') {
      if (await handleSse(context, jobs, request, response, segments.slice(2), url.searchParams)) return;
    } else if (segments[0] === 'v2' && segments.length >= 2) {
      if (await handleRest(context, request, response, segments.slice(1), url.searchParams)) return;
    }
    request.resume();
    sendJson(response, 404, { code: 404, message: 'HTTP 404 Not Found' });
  };

  const faults = new FaultInjector();
  const handle = (request: IncomingMessage, response: ServerResponse): void => {
    route(request, response).catch((error: unknown) => {
      request.resume();
      if (error instanceof RequestError) {
        if (error.body !== undefined) sendJson(response, error.status, error.body);
        else if (request.url?.startsWith('/v2/datapoint') || request.url?.startsWith('/v2/event')) {
          sendText(response, error.status, error.message);
        } else sendJson(response, error.status, { code: error.status, message: error.message });
        return;
      }
      // A client that hangs up mid-request is no fault of the emulator: nothing to answer, nothing to report.
      if (request.destroyed || (error as { code?: string }).code === 'ECONNRESET') {
        logger.debug({ url: request.url }, 'emulator: the client went away mid-request');
        return;
      }
      logger.error({ err: error, url: request.url }, 'emulator: request failed');
      sendJson(response, 500, { code: 500, message: 'internal error of the emulator' });
    });
  };
  const server: Server = createServer((request, response) =>
    faults.apply(request, response, () => handle(request, response)),
  );
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    let pathname: string;
    try {
      pathname = new URL(request.url ?? '/', 'http://emulator').pathname;
    } catch {
      pathname = '';
    }
    if (pathname.replace(/\/+$/, '') !== '/v2/signalflow/connect') {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      new SignalFlowConnection(context, jobs, ws);
    });
  });

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error) =>
      reject(new EmulatorError(`cannot listen on ${host}:${options.port ?? 0}: ${error.message}`, { cause: error }));
    server.once('error', onError);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  server.on('error', (error) => logger.error({ err: error }, 'emulator: server error'));

  const pruner = setInterval(() => store.prune(), PRUNE_INTERVAL_MS);
  pruner.unref();

  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  const baseUrl = `http://${urlHost}:${port}`;
  logger.info({ url: baseUrl }, 'emulator: listening');

  let closing: Promise<void> | undefined;
  return {
    ingestUrl: baseUrl,
    apiUrl: baseUrl,
    streamUrl: baseUrl,
    port,
    store,
    ingestRequests: () => context.ingestLog.map((record) => ({ ...record })),
    injectFault: (fault) => faults.add(fault),
    clearFaults: () => faults.clear(),
    dropConnections() {
      let dropped = 0;
      for (const client of wss.clients) {
        client.terminate();
        dropped++;
      }
      return dropped;
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        clearInterval(pruner);
        faults.clear();
        jobs.close();
        for (const client of wss.clients) client.terminate();
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
