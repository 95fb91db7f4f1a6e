/** Stable error codes: switch on `error.code`, never on the message. */
export const ErrorCode = {
  Http: 'SFX_ERR_HTTP',
  Auth: 'SFX_ERR_AUTH',
  RateLimit: 'SFX_ERR_RATE_LIMIT',
  NotFound: 'SFX_ERR_NOT_FOUND',
  Timeout: 'SFX_ERR_TIMEOUT',
  Connection: 'SFX_ERR_CONNECTION',
  Validation: 'SFX_ERR_VALIDATION',
  Aborted: 'SFX_ERR_ABORTED',
  Closed: 'SFX_ERR_CLOSED',
} as const;

export type CoreErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const BRAND = Symbol.for('@sfx/core.SfxError');
const KINDS = Symbol.for('@sfx/core.SfxError.kinds');

export interface SfxErrorOptions {
  cause?: unknown;
}

/**
 * The base of every error the SDK throws. `instanceof` works across duplicate installs of
 * `@sfx/core` because it is decided by class name along the chain, not by object identity.
 */
export class SfxError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: SfxErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.name = new.target.name;
    const kinds: string[] = [];
    for (let proto: Function = new.target; proto && proto !== Error; proto = Object.getPrototypeOf(proto)) {
      kinds.push(proto.name);
    }
    Object.defineProperty(this, BRAND, { value: true });
    Object.defineProperty(this, KINDS, { value: kinds });
  }

  static override [Symbol.hasInstance](candidate: unknown): boolean {
    if (typeof candidate !== 'object' || candidate === null) return false;
    if (Function.prototype[Symbol.hasInstance].call(this, candidate)) return true;
    const kinds = (candidate as { [KINDS]?: string[] })[KINDS];
    return (candidate as { [BRAND]?: boolean })[BRAND] === true && Array.isArray(kinds) && kinds.includes(this.name);
  }
}

/** True for any error of the SDK, even from another copy of `@sfx/core`. */
export function isSfxError(error: unknown): error is SfxError {
  return error instanceof SfxError;
}

/** Bad input from the caller: a malformed realm, URL, datapoint or option. Never retried. */
export class ValidationError extends SfxError {
  /** The offending field, e.g. `gauges[3].metric`, when known. */
  readonly field: string | undefined;

  constructor(message: string, options?: SfxErrorOptions & { field?: string }) {
    super(ErrorCode.Validation, message, options);
    this.field = options?.field;
  }
}

export interface HttpErrorDetails {
  status: number;
  method: string;
  url: string;
  /** The first bytes of the response body, tokens redacted. */
  body?: string;
  /** The `X-Request-Id` (or similar) header of the response, if any. */
  requestId?: string;
  headers?: Record<string, string>;
}

/** A response with a status outside 2xx. */
export class HttpError extends SfxError {
  readonly status: number;
  readonly method: string;
  readonly url: string;
  readonly body: string | undefined;
  readonly requestId: string | undefined;
  readonly headers: Record<string, string>;

  constructor(details: HttpErrorDetails, options?: SfxErrorOptions & { code?: string; message?: string }) {
    const excerpt = details.body ? `: ${details.body}` : '';
    super(
      options?.code ?? ErrorCode.Http,
      options?.message ?? `${details.method} ${details.url} failed with HTTP ${details.status}${excerpt}`,
      options,
    );
    this.status = details.status;
    this.method = details.method;
    this.url = details.url;
    this.body = details.body;
    this.requestId = details.requestId;
    this.headers = details.headers ?? {};
  }
}

/** 401 or 403: the token is missing, wrong, expired or lacks the scope. */
export class AuthError extends HttpError {
  constructor(details: HttpErrorDetails, options?: SfxErrorOptions & { message?: string }) {
    super(details, { ...options, code: ErrorCode.Auth });
  }
}

/** 429: the organization is over a rate limit. `retryAfterMs` is the server's hint, if it gave one. */
export class RateLimitError extends HttpError {
  readonly retryAfterMs: number | undefined;

  constructor(details: HttpErrorDetails & { retryAfterMs?: number }, options?: SfxErrorOptions) {
    super(details, { ...options, code: ErrorCode.RateLimit });
    this.retryAfterMs = details.retryAfterMs;
  }
}

/** 404: the object or path does not exist. */
export class NotFoundError extends HttpError {
  constructor(details: HttpErrorDetails, options?: SfxErrorOptions) {
    super(details, { ...options, code: ErrorCode.NotFound });
  }
}

/** A request or connection took longer than its timeout. */
export class TimeoutError extends SfxError {
  readonly timeoutMs: number | undefined;

  constructor(message: string, options?: SfxErrorOptions & { timeoutMs?: number }) {
    super(ErrorCode.Timeout, message, options);
    this.timeoutMs = options?.timeoutMs;
  }
}

/** The network failed: refused, reset, DNS, TLS. The underlying error is in `cause`. */
export class ConnectionError extends SfxError {
  constructor(message: string, options?: SfxErrorOptions) {
    super(ErrorCode.Connection, message, options);
  }
}

/** The caller's `AbortSignal` fired. `reason` is the signal's reason. */
export class AbortError extends SfxError {
  readonly reason: unknown;

  constructor(message: string, options?: SfxErrorOptions & { reason?: unknown }) {
    super(ErrorCode.Aborted, message, options);
    this.reason = options?.reason;
  }
}

/** The client was closed and cannot take more work. */
export class ClosedError extends SfxError {
  constructor(message: string, options?: SfxErrorOptions) {
    super(ErrorCode.Closed, message, options);
  }
}
