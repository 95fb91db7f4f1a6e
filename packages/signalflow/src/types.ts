import type { ExecuteParameters, InfoMessageBody } from './messages.js';

/** Merged data of one logical timestamp: every series' value, keyed by tsId. */
export interface ComputationData {
  type: 'data';
  logicalTimestampMs: number;
  maxDelayMs?: number;
  data: Record<string, number | null>;
}

export interface ComputationMetadata {
  type: 'metadata';
  tsId: string;
  properties: Record<string, unknown>;
}

export interface ComputationEvent {
  type: 'event';
  tsId: string;
  timestampMs: number;
  metadata: Record<string, unknown>;
  properties: Record<string, unknown>;
}

export interface ComputationInfo {
  type: 'info';
  logicalTimestampMs: number | undefined;
  message: InfoMessageBody;
}

export interface ComputationExpiredTsId {
  type: 'expired-tsid';
  tsId: string;
}

export interface ComputationJobStart {
  type: 'job-start';
  handle: string;
}

export interface ComputationJobProgress {
  type: 'job-progress';
  progress: number;
}

/** What iterating a computation yields. */
export type ComputationMessage =
  | ComputationData
  | ComputationMetadata
  | ComputationEvent
  | ComputationInfo
  | ComputationExpiredTsId
  | ComputationJobStart
  | ComputationJobProgress;

/** The lifecycle of a computation. */
export type ComputationState =
  | 'pending'
  | 'stream-started'
  | 'computation-started'
  | 'data-received'
  | 'completed'
  | 'aborted'
  | 'failed'
  | 'closed';

/** Options of `execute` and `preflight`. */
export interface ExecuteOptions extends Omit<ExecuteParameters, 'compress'> {
  /** Ends the computation (detach) and rejects the iteration with `ComputationAbortedError` (state `ABORTED`). */
  signal?: AbortSignal;
  /** Overrides the client's `compress` for this computation (WebSocket only). */
  compress?: boolean;
}

export interface AttachOptions {
  filters?: string;
  resolution?: number;
  compress?: boolean;
  signal?: AbortSignal;
}

export interface StartOptions extends Omit<ExecuteParameters, 'compress'> {
  signal?: AbortSignal;
}
