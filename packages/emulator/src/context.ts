import type { Logger } from '@sfx/core';
import type { Computation, ComputationOptions } from './engine/types.js';
import type { DetectorRecord, MetadataStore } from './rest/metadata-store.js';
import type { TimeSeriesStore } from './store/time-series-store.js';

/** Starts a computation; the engine's `startComputation`, injectable so the protocol layer can be tested alone. */
export type ComputationFactory = (program: string, options: ComputationOptions) => Computation;

/** Protocol knobs of the SignalFlow endpoints. */
export interface SignalFlowServerOptions {
  /** Interval of `KEEP_ALIVE` control messages on WebSockets. Default 15,000 ms. */
  keepAliveIntervalMs?: number;
  /** A WebSocket that has not sent `authenticate` within this is closed. Default 5,000 ms. */
  authTimeoutMs?: number;
  /** Binary data-frame header version: 1 (default, read by every client), 2 or 3. */
  dataFrameVersion?: 1 | 2 | 3;
  /** Send data messages as JSON text frames (uncompressed requests only) instead of binary frames. Default false. */
  jsonDataFrames?: boolean;
  /** Largest number of input MTS one `data()` may match. Default 10,000. */
  findLimit?: number;
  /** Background (`start`ed or detached) jobs without attachment or keepalive stop after this. Default 10 min. */
  idleJobTimeoutMs?: number;
  /** Largest number of jobs running at once; further executes get an error. Default 1,000. */
  maxJobs?: number;
}

export interface ResolvedSignalFlowOptions {
  keepAliveIntervalMs: number;
  authTimeoutMs: number;
  dataFrameVersion: 1 | 2 | 3;
  jsonDataFrames: boolean;
  findLimit: number;
  idleJobTimeoutMs: number;
  maxJobs: number;
}

/** One accepted ingest request, as recorded for assertions (`emulator.ingestRequests()`). */
export interface IngestRequestRecord {
  path: '/v2/datapoint' | '/v2/event';
  /** Epoch ms, the emulator's clock. */
  receivedAt: number;
  contentType: string | undefined;
  contentEncoding: string | undefined;
  userAgent: string | undefined;
  /** Body bytes as received (compressed when gzip). */
  wireBytes: number;
  /** Body bytes after gunzip. */
  bodyBytes: number;
  /** Datapoints or events decoded from the body. */
  items: number;
  /** Of those, dropped (no value, too many dimensions, past retention...). */
  dropped: number;
}

/** Ingest requests remembered for `ingestRequests()`. */
export const INGEST_LOG_LIMIT = 1_000;

/** What every request handler shares. */
export interface EmulatorContext {
  readonly store: TimeSeriesStore;
  readonly metadata: MetadataStore;
  readonly logger: Logger;
  readonly now: () => number;
  readonly tokens: ReadonlySet<string>;
  /** Accepted logins for `POST /v2/session`; undefined accepts any email and password. */
  readonly users: ReadonlyArray<{ email: string; password: string }> | undefined;
  readonly maxBodyBytes: number;
  readonly signalflow: ResolvedSignalFlowOptions;
  readonly startComputation: ComputationFactory;
  /** The last accepted ingest requests, oldest first, at most INGEST_LOG_LIMIT. */
  readonly ingestLog: IngestRequestRecord[];
  /** Runs stored detectors; set once the job registry exists. */
  detectorRunner?: { sync(detector: DetectorRecord): void; remove(id: string): void };
}

/** True for a configured org token. Ingest accepts only these. */
export function isOrgToken(context: EmulatorContext, token: string | undefined): boolean {
  return token !== undefined && context.tokens.has(token);
}

/** True for an org token or an unexpired session token. The API and SignalFlow accept both. */
export function isApiToken(context: EmulatorContext, token: string | undefined): boolean {
  if (token === undefined || token === '') return false;
  if (context.tokens.has(token)) return true;
  const session = context.metadata.sessions.get(token);
  return session !== undefined && session.expiryMs > context.now();
}
