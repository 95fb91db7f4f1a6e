import { rootCertificates } from 'node:tls';
import { promisify } from 'node:util';
import { gunzip as gunzipCallback, gzip as gzipCallback } from 'node:zlib';
import { Agent, type Dispatcher, ProxyAgent } from 'undici';
import {
  AbortError,
  AuthError,
  ClosedError,
  ConnectionError,
  HttpError,
  type HttpErrorDetails,
  NotFoundError,
  RateLimitError,
  SfxError,
  TimeoutError,
  ValidationError,
} from './errors.js';
import { type Logger, normalizeLogger } from './logger.js';
import { proxyForUrl } from './proxy.js';
import { redact, redactUrl } from './redact.js';
import {
  isRetryableStatus,
  nextRetryDelay,
  parseRetryAfter,
  type ResolvedRetryOptions,
  type RetryOptions,
  resolveRetryOptions,
} from './retry.js';
import { sleep } from './sleep.js';
import { CORE_VERSION } from './version.js';

const gzipAsync = promisify(gzipCallback);
const gunzipAsync = promisify(gunzipCallback);

/** How many bytes of an error response body go into an `HttpError`. */
const BODY_EXCERPT_BYTES = 512;

export interface HttpClientOptions {
  /** Base URL every relative path is resolved against, e.g. `https://ingest.us0.signalfx.com`. */
  baseUrl: string;
  /** Sent as `X-SF-Token`. Never logged, never in an error. */
  token?: string;
  /** Time allowed for one attempt, headers and body, in ms. Default 30,000. */
  timeoutMs?: number;
  /** Retry policy; `false` for a single attempt. */
  retry?: RetryOptions | false;
  /** Proxy URL for every request; `false` to ignore `HTTPS_PROXY`/`HTTP_PROXY`. */
  proxy?: string | false;
  /** Extra CA certificates (PEM) trusted besides the system ones. TLS verification is always on. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Names the calling package in `User-Agent`, e.g. `{ name: '@sfx/ingest', version: '0.1.0' }`. */
  product?: { name: string; version: string };
  logger?: Partial<Logger>;
  /** Keep-alive sockets per origin. Default 16. */
  connections?: number;
  /** Headers sent with every request. */
  headers?: Record<string, string>;
}

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';
  /** A path relative to `baseUrl` (e.g. `/v2/metric`), or an absolute URL. */
  path: string;
  /** Query parameters, encoded with URLSearchParams; `undefined` values are left out. */
  query?: Record<string, string | number | boolean | undefined | null>;
  headers?: Record<string, string>;
  /** A raw body. */
  body?: Uint8Array | string;
  /** A JSON body; sets `Content-Type: application/json`. */
  json?: unknown;
  /** Gzip the body (`true` for level 6, or a level). The caller may also gzip it and set the header itself. */
  gzip?: boolean | number;
  /** Whether a retry is safe. Default: true for GET, HEAD, PUT and DELETE. */
  idempotent?: boolean;
  signal?: AbortSignal;
  /** Overrides the client's per-attempt timeout. */
  timeoutMs?: number;
  /** Overrides the client's retry policy for this call. */
  retry?: RetryOptions | false;
  /** Called before each retry with the attempt that failed and the wait. */
  onRetry?: (info: { attempt: number; delayMs: number; error: SfxError }) => void;
  /** Statuses that are not errors for this call, e.g. `[404]`. */
  acceptStatus?: readonly number[];
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** Attempts made, the successful one included. */
  attempts: number;
  text(): string;
  json<T = unknown>(): T;
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE']);
const REQUEST_ID_HEADERS = ['x-request-id', 'x-sf-request-id', 'x-amzn-requestid', 'request-id'];

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers)) {
    if (value !== undefined) out[key.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function toCaList(ca: HttpClientOptions['ca']): Array<string | Buffer> | undefined {
  if (ca === undefined) return undefined;
  return [...rootCertificates, ...(Array.isArray(ca) ? ca : [ca])];
}

/** The `User-Agent` of a product: `@sfx/ingest/0.1.0 @sfx/core/0.1.0 node/v20.19.0`. */
export function userAgent(product?: { name: string; version: string }): string {
  const parts = [`@sfx/core/${CORE_VERSION}`, `node/${process.version}`];
  if (product && product.name !== '@sfx/core') parts.unshift(`${product.name}/${product.version}`);
  return parts.join(' ');
}

/**
 * One HTTP client on undici: a keep-alive Agent of its own, the token header, gzip bodies,
 * per-attempt timeouts, AbortSignal, proxy and retries. Errors are typed and never carry the token.
 */
export class HttpClient {
  readonly baseUrl: string;
  readonly retry: ResolvedRetryOptions;
  readonly timeoutMs: number;
  readonly logger: Logger;
  readonly #token: string | undefined;
  readonly #proxy: string | false | undefined;
  readonly #ca: Array<string | Buffer> | undefined;
  readonly #connections: number;
  readonly #headers: Record<string, string>;
  readonly #dispatchers = new Map<string, Dispatcher>();
  /** Aborted by `close()`: ends the waits between attempts, so no retry outlives the client. */
  readonly #closing = new AbortController();
  #closed = false;

  constructor(options: HttpClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#token = options.token;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    if (!Number.isFinite(this.timeoutMs) || this.timeoutMs <= 0) {
      throw new ValidationError(`timeoutMs must be a positive number, got ${String(options.timeoutMs)}`, {
        field: 'timeoutMs',
      });
    }
    this.retry = resolveRetryOptions(options.retry);
    this.logger = normalizeLogger(options.logger);
    this.#proxy = options.proxy;
    this.#ca = toCaList(options.ca);
    this.#connections = options.connections ?? 16;
    this.#headers = {
      'user-agent': userAgent(options.product),
      ...Object.fromEntries(Object.entries(options.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])),
    };
    if (this.#token !== undefined) this.#headers['x-sf-token'] = this.#token;
  }

  /** The proxy URL used for `url`, if any (credentials redacted). */
  proxyFor(url: string): string | undefined {
    const proxy = proxyForUrl(url, this.#proxy);
    return proxy === undefined ? undefined : redactUrl(proxy);
  }

  #dispatcher(url: URL): Dispatcher {
    const proxy = proxyForUrl(url, this.#proxy);
    const key = proxy ?? '';
    let dispatcher = this.#dispatchers.get(key);
    if (!dispatcher) {
      const tls = this.#ca ? { ca: this.#ca } : {};
      dispatcher = proxy
        ? new ProxyAgent({ uri: proxy, connections: this.#connections, requestTls: tls, proxyTls: tls })
        : new Agent({ connections: this.#connections, keepAliveTimeout: 30_000, connect: tls });
      this.#dispatchers.set(key, dispatcher);
    }
    return dispatcher;
  }

  #url(request: HttpRequest): URL {
    const url = /^https?:\/\//i.test(request.path) ? new URL(request.path) : new URL(this.baseUrl + request.path);
    if (request.query) {
      for (const [key, value] of Object.entries(request.query)) {
        if (value !== undefined && value !== null) url.searchParams.append(key, String(value));
      }
    }
    return url;
  }

  #redact(text: string): string {
    return redact(text, [this.#token]);
  }

  /** Sends a request, retrying by the policy; resolves with a 2xx (or accepted) response. */
  async request(request: HttpRequest): Promise<HttpResponse> {
    if (this.#closed) throw new ClosedError('the HTTP client is closed');
    const url = this.#url(request);
    const safeUrl = redactUrl(url, [this.#token]);
    const headers: Record<string, string> = { ...this.#headers, 'accept-encoding': 'gzip' };
    for (const [key, value] of Object.entries(request.headers ?? {})) headers[key.toLowerCase()] = value;
    let body: Uint8Array | string | undefined = request.body;
    if (request.json !== undefined) {
      body = JSON.stringify(request.json);
      headers['content-type'] ??= 'application/json';
    }
    if (body !== undefined && request.gzip) {
      const level = request.gzip === true ? 6 : request.gzip;
      body = await gzipAsync(typeof body === 'string' ? Buffer.from(body) : body, { level });
      headers['content-encoding'] = 'gzip';
    }
    const retry = request.retry === undefined ? this.retry : resolveRetryOptions(request.retry);
    const idempotent = request.idempotent ?? IDEMPOTENT.has(request.method);
    const startedAt = Date.now();
    for (let attempt = 1; ; attempt++) {
      if (request.signal?.aborted) throw this.#abortError(request.method, safeUrl, request.signal.reason);
      if (this.#closed) throw new ClosedError(`${request.method} ${safeUrl}: the HTTP client was closed`);
      try {
        const response = await this.#attempt(request, url, safeUrl, headers, body);
        response.attempts = attempt;
        return response;
      } catch (error) {
        const failure =
          error instanceof SfxError ? error : new ConnectionError(this.#redact(String(error)), { cause: error });
        const retryable =
          idempotent &&
          (failure instanceof ConnectionError ||
            failure instanceof TimeoutError ||
            (failure instanceof HttpError && isRetryableStatus(failure.status)));
        const delay = retryable
          ? nextRetryDelay(
              {
                attempt,
                startedAt,
                now: Date.now(),
                retryAfterMs:
                  failure instanceof RateLimitError || failure instanceof HttpError ? retryAfterOf(failure) : undefined,
              },
              retry,
            )
          : undefined;
        this.logger.debug(
          { method: request.method, url: safeUrl, attempt, code: failure.code, retryInMs: delay },
          `${request.method} ${safeUrl} attempt ${attempt} failed: ${failure.message}`,
        );
        if (delay === undefined) throw failure;
        request.onRetry?.({ attempt, delayMs: delay, error: failure });
        try {
          // Ref'd: the caller awaits this request, so the wait between attempts keeps the process alive.
          await this.#wait(delay, request.signal);
        } catch {
          if (request.signal?.aborted) throw this.#abortError(request.method, safeUrl, request.signal.reason);
          throw new ClosedError(`${request.method} ${safeUrl}: the HTTP client was closed`, { cause: failure });
        }
      }
    }
  }

  /** Waits between attempts; rejects when the caller's signal aborts or the client closes. */
  async #wait(delayMs: number, signal: AbortSignal | undefined): Promise<void> {
    if (signal === undefined) return sleep(delayMs, this.#closing.signal, { keepAlive: true });
    const either = new AbortController();
    const onAbort = () => either.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    this.#closing.signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted || this.#closing.signal.aborted) either.abort();
    try {
      await sleep(delayMs, either.signal, { keepAlive: true });
    } finally {
      signal.removeEventListener('abort', onAbort);
      this.#closing.signal.removeEventListener('abort', onAbort);
    }
  }

  #abortError(method: string, safeUrl: string, reason: unknown): AbortError {
    return new AbortError(`${method} ${safeUrl} was aborted`, { reason, cause: reason });
  }

  async #attempt(
    request: HttpRequest,
    url: URL,
    safeUrl: string,
    headers: Record<string, string>,
    body: Uint8Array | string | undefined,
  ): Promise<HttpResponse> {
    const timeoutMs = request.timeoutMs ?? this.timeoutMs;
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    const onAbort = () => controller.abort(request.signal?.reason);
    request.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const response = await this.#dispatcher(url).request({
        origin: url.origin,
        path: url.pathname + url.search,
        method: request.method,
        headers,
        body: body ?? null,
        signal: controller.signal,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      let payload = Buffer.from(await response.body.arrayBuffer());
      const responseHeaders = flattenHeaders(response.headers);
      if (responseHeaders['content-encoding'] === 'gzip' && payload.length > 0) payload = await gunzipAsync(payload);
      const status = response.statusCode;
      if ((status < 200 || status >= 300) && !request.acceptStatus?.includes(status)) {
        throw this.#httpError(request.method, safeUrl, status, responseHeaders, payload);
      }
      return {
        status,
        headers: responseHeaders,
        body: payload,
        attempts: 1,
        text: () => payload.toString('utf8'),
        json: <T>() => {
          try {
            return JSON.parse(payload.toString('utf8')) as T;
          } catch (cause) {
            throw new HttpError(
              { status, method: request.method, url: safeUrl, body: this.#excerpt(payload) },
              { cause, message: `${request.method} ${safeUrl} returned a body that is not JSON` },
            );
          }
        },
      };
    } catch (error) {
      if (error instanceof SfxError) throw error;
      if (timedOut) {
        throw new TimeoutError(`${request.method} ${safeUrl} timed out after ${timeoutMs} ms`, {
          timeoutMs,
          cause: error,
        });
      }
      if (request.signal?.aborted) throw this.#abortError(request.method, safeUrl, request.signal.reason);
      const code = (error as { code?: string }).code;
      if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
        throw new TimeoutError(`${request.method} ${safeUrl} timed out (${code})`, { timeoutMs, cause: error });
      }
      const detail = error instanceof Error ? error.message : String(error);
      throw new ConnectionError(
        this.#redact(`${request.method} ${safeUrl} failed: ${code ? `${code} ` : ''}${detail}`),
        {
          cause: error,
        },
      );
    } finally {
      clearTimeout(timer);
      request.signal?.removeEventListener('abort', onAbort);
    }
  }

  #excerpt(payload: Buffer): string | undefined {
    if (payload.length === 0) return undefined;
    const text = payload.subarray(0, BODY_EXCERPT_BYTES).toString('utf8').replace(/\s+/g, ' ').trim();
    return this.#redact(payload.length > BODY_EXCERPT_BYTES ? `${text}…` : text);
  }

  #httpError(
    method: string,
    safeUrl: string,
    status: number,
    headers: Record<string, string>,
    payload: Buffer,
  ): HttpError {
    const requestId = REQUEST_ID_HEADERS.map((name) => headers[name]).find((value) => value !== undefined);
    const details: HttpErrorDetails = { status, method, url: safeUrl, headers };
    const body = this.#excerpt(payload);
    if (body !== undefined) details.body = body;
    if (requestId !== undefined) details.requestId = requestId;
    if (status === 401 || status === 403) return new AuthError(details);
    if (status === 404) return new NotFoundError(details);
    if (status === 429) {
      const retryAfterMs = parseRetryAfter(headers['retry-after']);
      return new RateLimitError(retryAfterMs === undefined ? details : { ...details, retryAfterMs });
    }
    return new HttpError(details);
  }

  /**
   * Releases every socket once the requests in flight have their answer. Requests after this, and requests
   * waiting to retry, reject with `ClosedError`.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#closing.abort();
    const dispatchers = [...this.#dispatchers.values()];
    this.#dispatchers.clear();
    await Promise.all(dispatchers.map((d) => d.close().catch(() => undefined)));
  }
}

function retryAfterOf(error: HttpError): number | undefined {
  if (error instanceof RateLimitError) return error.retryAfterMs;
  return parseRetryAfter(error.headers['retry-after']);
}
