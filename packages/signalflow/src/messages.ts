/**
 * The SignalFlow wire messages in their JSON form: what the server sends (text frames, JSON binary
 * frames, SSE events) and what the client sends. Fields the protocol leaves open stay open
 * (`[key: string]: unknown`) so that servers may add to them.
 */

import type { AbortInfo, ComputationErrorDetail } from './errors.js';

/** Binary message type codes, the second header byte of a frame. */
export const MessageTypeCode = {
  'control-message': 1,
  message: 2,
  event: 3,
  metadata: 4,
  data: 5,
  error: 6,
  authenticated: 7,
  'computation-started': 8,
  estimation: 9,
  'expired-tsid': 10,
  'log-data': 11,
  'livetail-started': 12,
} as const;

export type ServerMessageType = keyof typeof MessageTypeCode;

/** Events of `control-message`. Servers may send others; clients ignore those. */
export type ControlEvent =
  | 'STREAM_START'
  | 'JOB_START'
  | 'JOB_PROGRESS'
  | 'CHANNEL_ABORT'
  | 'END_OF_CHANNEL'
  | 'KEEP_ALIVE'
  | 'ATTACH'
  | 'DETACH';

/** `control-message`. KEEP_ALIVE has no channel; every other event has one. */
export interface ControlMessage {
  type: 'control-message';
  channel?: string;
  event: ControlEvent | (string & {});
  /** Wall clock of the server, ms. */
  timestampMs: number;
  /** JOB_START: the job's handle. */
  handle?: string;
  /** JOB_PROGRESS: percent of historical catch-up. */
  progress?: number;
  /** CHANNEL_ABORT: why. */
  abortInfo?: AbortInfo;
  [key: string]: unknown;
}

/** The `message` object of an info message. */
export interface InfoMessageBody {
  messageCode: string;
  messageLevel?: 'INFO' | 'WARNING' | 'ERROR' | (string & {});
  timestampMs?: number;
  numInputTimeSeries?: number;
  blockSerialNumber?: number;
  blockContexts?: Array<{ line: number; column: number }>;
  tsIds?: string[];
  /** Code-specific, e.g. `{ resolutionMs }` for JOB_RUNNING_RESOLUTION. */
  contents?: Record<string, unknown>;
  [key: string]: unknown;
}

/** `message` (info). */
export interface InfoMessage {
  type: 'message';
  channel: string;
  logicalTimestampMs: number;
  message: InfoMessageBody;
  [key: string]: unknown;
}

/** `metadata`: the properties of one output time series, sent before its first datapoint. */
export interface MetadataMessage {
  type: 'metadata';
  channel: string;
  tsId: string;
  properties: Record<string, unknown>;
  [key: string]: unknown;
}

/** `event`: a detector event. */
export interface EventMessage {
  type: 'event';
  channel: string;
  tsId: string;
  timestampMs: number;
  metadata: Record<string, unknown>;
  properties: Record<string, unknown>;
  [key: string]: unknown;
}

/** `data` in JSON form (SSE, JSON-flagged frames, text frames). */
export interface DataMessageJson {
  type: 'data';
  channel: string;
  logicalTimestampMs: number;
  maxDelayMs?: number | null;
  data: Array<{ tsId: string; value: number | null }>;
  [key: string]: unknown;
}

/**
 * `error`. Over WebSocket a request/program error (`error`, `errorType`, `message`, `context`);
 * a computation failure carries `errors` instead.
 */
export interface ErrorMessage {
  type: 'error';
  channel?: string;
  error?: number;
  errorType?: string;
  message?: string | null;
  context?: Record<string, unknown>;
  errors?: ComputationErrorDetail[];
  [key: string]: unknown;
}

/** `authenticated`: the reply to `authenticate`. */
export interface AuthenticatedMessage {
  type: 'authenticated';
  userId?: string;
  orgId?: string;
  [key: string]: unknown;
}

/** `expired-tsid`: the series left the computation. */
export interface ExpiredTsIdMessage {
  type: 'expired-tsid';
  channel: string;
  tsId: string;
  [key: string]: unknown;
}

/** The message types this client knows of but does not interpret. */
export interface OtherServerMessage {
  type: 'computation-started' | 'estimation' | 'log-data' | 'livetail-started';
  channel?: string;
  [key: string]: unknown;
}

/** Any message the server sends, in JSON form. */
export type ServerMessage =
  | ControlMessage
  | InfoMessage
  | MetadataMessage
  | EventMessage
  | DataMessageJson
  | ErrorMessage
  | AuthenticatedMessage
  | ExpiredTsIdMessage
  | OtherServerMessage;

/** Execute parameters (spec §3.2), shared by execute and preflight. */
export interface ExecuteParameters {
  start?: number | string;
  stop?: number | string;
  resolution?: number;
  maxDelay?: number;
  persistent?: boolean;
  immediate?: boolean;
  timezone?: string;
  compress?: boolean;
  disableAllMetricPublishes?: boolean;
  withDerivedMetadata?: boolean;
  resolutionAdjustable?: boolean;
}

export interface AuthenticateRequest {
  type: 'authenticate';
  token: string;
  userAgent?: string;
}

export interface ExecuteRequest extends ExecuteParameters {
  type: 'execute' | 'preflight';
  channel: string;
  program: string;
}

export interface StartRequest extends Omit<ExecuteParameters, 'compress'> {
  type: 'start';
  program: string;
}

export interface AttachRequest {
  type: 'attach';
  channel: string;
  handle: string;
  compress?: boolean;
  filters?: string;
  resolution?: number;
}

export interface DetachRequest {
  type: 'detach';
  channel: string;
  reason?: string;
}

export interface KeepaliveRequest {
  type: 'keepalive';
  handle: string;
}

export interface StopRequest {
  type: 'stop';
  handle: string;
  reason?: string;
}

/** Any request a client sends over the WebSocket. */
export type ClientRequest =
  | AuthenticateRequest
  | ExecuteRequest
  | StartRequest
  | AttachRequest
  | DetachRequest
  | KeepaliveRequest
  | StopRequest;
