export {
  DEFAULT_REALM,
  type EndpointOptions,
  type Endpoints,
  resolveEndpoints,
  resolveToken,
  validateBaseUrl,
  validateRealm,
} from './endpoints.js';
export {
  AbortError,
  AuthError,
  ClosedError,
  ConnectionError,
  type CoreErrorCode,
  ErrorCode,
  HttpError,
  type HttpErrorDetails,
  isSfxError,
  NotFoundError,
  RateLimitError,
  SfxError,
  type SfxErrorOptions,
  TimeoutError,
  ValidationError,
} from './errors.js';
export { HttpClient, type HttpClientOptions, type HttpRequest, type HttpResponse, userAgent } from './http.js';
export { consoleLogger, type Logger, normalizeLogger, silentLogger } from './logger.js';
export { isLoopbackHost, matchesNoProxy, proxyForUrl } from './proxy.js';
export { REDACTED, redact, redactUrl } from './redact.js';
export {
  backoffDelay,
  DEFAULT_RETRY,
  isRetryableStatus,
  nextRetryDelay,
  parseRetryAfter,
  RETRYABLE_STATUSES,
  type ResolvedRetryOptions,
  type RetryOptions,
  resolveRetryOptions,
} from './retry.js';
export { type SleepOptions, sleep } from './sleep.js';
export { CORE_VERSION, packageVersion } from './version.js';
