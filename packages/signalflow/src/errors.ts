import { SfxError, type SfxErrorOptions } from '@sfx/core';

/** Error codes of this package, besides the `@sfx/core` ones. */
export const SignalFlowErrorCode = {
  Frame: 'SFX_ERR_FRAME',
  FrameUnsupported: 'SFX_ERR_FRAME_UNSUPPORTED',
  ComputationFailed: 'SFX_ERR_COMPUTATION_FAILED',
  ComputationAborted: 'SFX_ERR_COMPUTATION_ABORTED',
  Protocol: 'SFX_ERR_PROTOCOL',
} as const;

/** A binary frame that is truncated or malformed. */
export class FrameDecodeError extends SfxError {
  /** The channel named in the frame header, when the header could be read. */
  readonly channel: string | undefined;

  constructor(message: string, options?: SfxErrorOptions & { channel?: string; code?: string }) {
    super(options?.code ?? SignalFlowErrorCode.Frame, message, options);
    this.channel = options?.channel;
  }
}

/**
 * A well-formed frame of a version or message type this decoder does not know. Clients skip
 * such frames with a warning instead of failing the computation.
 */
export class UnsupportedFrameError extends FrameDecodeError {
  constructor(message: string, options?: SfxErrorOptions & { channel?: string }) {
    super(message, { ...options, code: SignalFlowErrorCode.FrameUnsupported });
  }
}

/** One entry of a computation failure as the server reports it. */
export interface ComputationErrorDetail {
  code?: unknown;
  context?: unknown;
  [key: string]: unknown;
}

/** The server reported an error for the computation: a program error or a runtime failure. */
export class ComputationFailedError extends SfxError {
  /** HTTP-like status the server gave (e.g. 400), when it gave one. */
  readonly status: number | undefined;
  /** The server's error type, e.g. `ANALYTICS_PROGRAM_NAME_ERROR`. */
  readonly errorType: string | undefined;
  /** The server's `errors` list (computation failures) or the single error context. */
  readonly errors: ComputationErrorDetail[];
  readonly channel: string | undefined;

  constructor(
    message: string,
    details: { status?: number; errorType?: string; errors?: ComputationErrorDetail[]; channel?: string },
    options?: SfxErrorOptions,
  ) {
    super(SignalFlowErrorCode.ComputationFailed, message, options);
    this.status = details.status;
    this.errorType = details.errorType;
    this.errors = details.errors ?? [];
    this.channel = details.channel;
  }
}

/** The abort information of a `CHANNEL_ABORT` control message. */
export interface AbortInfo {
  sf_job_abortState?: string;
  sf_job_abortReason?: string;
  [key: string]: unknown;
}

/** The computation ended abnormally (`CHANNEL_ABORT`), e.g. stopped by `stop()` or failed on the server. */
export class ComputationAbortedError extends SfxError {
  readonly abortInfo: AbortInfo;
  /** `abortInfo.sf_job_abortState`, e.g. `STOPPED` or `FAILED`. */
  readonly state: string | undefined;
  readonly reason: string | undefined;

  constructor(abortInfo: AbortInfo, options?: SfxErrorOptions) {
    const state = typeof abortInfo.sf_job_abortState === 'string' ? abortInfo.sf_job_abortState : undefined;
    const reason = typeof abortInfo.sf_job_abortReason === 'string' ? abortInfo.sf_job_abortReason : undefined;
    super(
      SignalFlowErrorCode.ComputationAborted,
      `computation ${(state ?? 'aborted').toLowerCase()}${reason ? `: ${reason}` : ''}`,
      options,
    );
    this.abortInfo = abortInfo;
    this.state = state;
    this.reason = reason;
  }
}

/** The server broke the protocol (e.g. an unexpected message before authentication). */
export class ProtocolError extends SfxError {
  constructor(message: string, options?: SfxErrorOptions) {
    super(SignalFlowErrorCode.Protocol, message, options);
  }
}
