import {
  AbortError,
  AuthError,
  type HttpClient,
  HttpError,
  type HttpErrorDetails,
  type HttpRequest,
  NotFoundError,
  RateLimitError,
  redact,
  redactUrl,
  ValidationError,
} from '@sfx/core';
import { BadRequestError, serverMessageOf } from '../errors.js';
import type { PageParams, SearchResult } from '../types.js';

export type QueryScalar = string | number | boolean;
export type QueryValue = QueryScalar | readonly QueryScalar[] | undefined | null;
export type Query = Record<string, QueryValue>;
export type Method = HttpRequest['method'];

export interface SendOptions {
  query?: Query | undefined;
  json?: unknown;
  signal?: AbortSignal | undefined;
  /** Overrides the method's default: GET/PUT/DELETE are retried, POST is not. */
  idempotent?: boolean;
  /** Resolve with `undefined` on 404 instead of throwing. */
  ignoreNotFound?: boolean | undefined;
  /** Strings to scrub from error messages besides the token (e.g. a password). */
  secrets?: readonly string[];
  /** Headers of this request only. */
  headers?: Record<string, string>;
  /** Leave the response body unread: for calls whose answer carries nothing the caller needs. */
  ignoreBody?: boolean;
}

/** The server's hard ceiling: no object past this index is reachable through offset paging. */
export const MAX_REACHABLE = 10_000;
export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

/** Statuses read here rather than by core, to report the whole server message (and scrub extra secrets). */
const SELF_HANDLED = [400, 422];
const SELF_HANDLED_WITH_SECRETS = [400, 401, 403, 404, 422];

/**
 * One path segment, percent-encoded exactly once (a `/` becomes `%2F`). Empty, `.` and `..` are refused:
 * they would change which resource the URL names.
 */
export function segment(value: string, field: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new ValidationError(`${field} must be a non-empty string, got ${JSON.stringify(value)}`, { field });
  }
  if (value === '.' || value === '..') {
    throw new ValidationError(`${field} cannot be "${value}": no URL can name it`, { field });
  }
  try {
    return encodeURIComponent(value);
  } catch {
    // A lone surrogate has no UTF-8 form, so no URL can carry it.
    throw new ValidationError(`${field} is not well-formed Unicode (a lone surrogate)`, { field });
  }
}

/**
 * A query string (with its `?`, or empty) built with URLSearchParams. Arrays repeat the parameter; `undefined`
 * and `null` are left out. Spaces are sent as `%20` rather than `+`, so servers that decode per RFC 3986 agree.
 */
export function queryString(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    const values = Array.isArray(value) ? value : [value];
    for (const item of values as readonly QueryScalar[]) params.append(key, String(item));
  }
  const text = params.toString().replaceAll('+', '%20');
  return text === '' ? '' : `?${text}`;
}

/** A request body that must be a JSON object (the API's objects are never arrays or scalars). */
export function objectBody<T>(value: T, field = 'body'): T {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
    throw new ValidationError(`${field} must be an object, got ${got}`, { field });
  }
  return value;
}

/** A body that is an array of strings, such as the detect labels of `detectors.enable()`. */
export function stringArrayBody(value: readonly string[], field: string): readonly string[] {
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw new ValidationError(`${field} must be an array of strings`, { field });
  }
  return value;
}

function checkInteger(value: number | undefined, field: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ValidationError(`${field} must be an integer from ${min} to ${max}, got ${String(value)}`, { field });
  }
  return value;
}

/** Checks `offset` and `limit`; unset ones stay unset so the server's defaults apply. */
export function pageQuery(params: PageParams | undefined): { offset?: number; limit?: number } {
  const out: { offset?: number; limit?: number } = {};
  const offset = checkInteger(params?.offset, 'offset', 0, Number.MAX_SAFE_INTEGER);
  const limit = checkInteger(params?.limit, 'limit', 1, MAX_PAGE_SIZE);
  if (offset !== undefined) out.offset = offset;
  if (limit !== undefined) out.limit = limit;
  return out;
}

/** The resource's own filters of search parameters: everything but `offset` and `limit`. */
function filtersOf(params: PageParams | undefined): Query {
  if (params === undefined || params === null) return {};
  const { offset: _offset, limit: _limit, ...filters } = objectBody(params, 'params') as PageParams & Query;
  return filters;
}

/** The query of one search page: the filters as given, `offset` and `limit` checked and sent only when set. */
export function searchQuery(params: PageParams | undefined): Query {
  return { ...filtersOf(params), ...pageQuery(params) };
}

function abortError(what: string, signal: AbortSignal): AbortError {
  return new AbortError(`${what} was aborted`, { reason: signal.reason, cause: signal.reason });
}

/** The JSON layer over core's HttpClient: encoding, bodies, 404 policy and readable 400s. */
export class Api {
  readonly http: HttpClient;
  readonly #token: string | undefined;

  constructor(http: HttpClient, token: string | undefined) {
    this.http = http;
    this.#token = token;
  }

  /** Sends one request; resolves with the parsed body, or `undefined` when there is none (or on an ignored 404). */
  async send<T>(method: Method, path: string, options: SendOptions = {}): Promise<T | undefined> {
    return (await this.exchange<T>(method, path, options)).value;
  }

  /** Sends one request whose answer carries nothing the caller needs: any 2xx body, JSON or not, is left unread. */
  async sendDiscardingBody(method: Method, path: string, options: SendOptions = {}): Promise<void> {
    await this.exchange(method, path, { ...options, ignoreBody: true });
  }

  /** Like `send()`, with the status, so a caller can tell an ignored 404 from an empty success. */
  async exchange<T>(
    method: Method,
    path: string,
    options: SendOptions = {},
  ): Promise<{ status: number; value: T | undefined }> {
    const fullPath = path + queryString(options.query);
    const secrets = options.secrets ?? [];
    const safeUrl = redactUrl(this.http.baseUrl + fullPath, [this.#token, ...secrets]);
    const accept = secrets.length > 0 ? SELF_HANDLED_WITH_SECRETS : SELF_HANDLED;
    const request: HttpRequest = {
      method,
      path: fullPath,
      acceptStatus: options.ignoreNotFound ? [...accept, 404] : accept,
    };
    if (options.json !== undefined) request.json = options.json;
    if (options.signal) request.signal = options.signal;
    if (options.idempotent !== undefined) request.idempotent = options.idempotent;
    if (options.headers) request.headers = options.headers;
    let response: Awaited<ReturnType<HttpClient['request']>>;
    try {
      response = await this.http.request(request);
    } catch (error) {
      // Core redacts the token; a password the server might echo back is ours to scrub.
      if (secrets.length > 0 && error instanceof HttpError) throw this.#scrubbed(error, secrets);
      throw error;
    }
    const status = response.status;
    if (status === 404 && options.ignoreNotFound) {
      this.#log(method, safeUrl, response.attempts, 'answered 404, ignored (ignoreNotFound)');
      return { status, value: undefined };
    }
    if (status >= 400) {
      const error = this.#clientError(method, safeUrl, response, secrets);
      // Core logs the failures it raises; these statuses it handed back to us, so the line is ours to write.
      this.#log(method, safeUrl, response.attempts, `attempt ${response.attempts} failed: ${error.message}`, {
        code: error.code,
        status,
      });
      throw error;
    }
    if (options.ignoreBody || response.body.length === 0) return { status, value: undefined };
    return { status, value: response.json<T>() };
  }

  #log(method: string, url: string, attempt: number, what: string, fields: Record<string, unknown> = {}): void {
    this.http.logger.debug({ method, url, attempt, ...fields }, `${method} ${url} ${what}`);
  }

  #clientError(
    method: string,
    url: string,
    response: { status: number; headers: Record<string, string>; text(): string },
    secrets: readonly string[],
  ): HttpError {
    const scrub = (text: string) => redact(text, [this.#token, ...secrets]);
    const body = scrub(response.text());
    const details: HttpErrorDetails = {
      status: response.status,
      method,
      url,
      headers: response.headers,
    };
    if (body !== '') details.body = body.length > 2048 ? `${body.slice(0, 2048)}…` : body;
    const requestId = response.headers['x-request-id'];
    if (requestId !== undefined) details.requestId = requestId;
    if (response.status === 401 || response.status === 403) return new AuthError(details);
    if (response.status === 404) return new NotFoundError(details);
    return new BadRequestError({ ...details, serverMessage: body === '' ? undefined : serverMessageOf(body) });
  }

  #scrubbed(error: HttpError, secrets: readonly string[]): HttpError {
    const text = `${error.message}\n${error.body ?? ''}`;
    if (!secrets.some((secret) => secret.length >= 4 && text.includes(secret))) return error;
    const details: HttpErrorDetails = {
      status: error.status,
      method: error.method,
      url: redact(error.url, secrets),
      headers: error.headers,
    };
    if (error.body !== undefined) details.body = redact(error.body, secrets);
    if (error.requestId !== undefined) details.requestId = error.requestId;
    if (error instanceof RateLimitError) {
      return new RateLimitError(
        error.retryAfterMs === undefined ? details : { ...details, retryAfterMs: error.retryAfterMs },
      );
    }
    return new HttpError(details, { code: error.code, message: redact(error.message, secrets) });
  }

  /** One page of an enveloped search. */
  async search<T>(path: string, query: Query, signal: AbortSignal | undefined): Promise<SearchResult<T>> {
    const result = await this.send<SearchResult<T>>('GET', path, { query, signal });
    return normalizeEnvelope<T>(result, this.http.baseUrl + path);
  }

  /** One page of an endpoint that answers with a bare JSON array. */
  async page<T>(path: string, query: Query, signal: AbortSignal | undefined): Promise<T[]> {
    const result = await this.send<unknown>('GET', path, { query, signal });
    if (result === undefined) return [];
    if (!Array.isArray(result)) throw unexpectedShape(this.http.baseUrl + path, 'a JSON array');
    return result as T[];
  }

  /**
   * Every object of a paged collection, one page at a time, fetched only as the caller iterates.
   * Stops on an empty or short page, at `count`, or at the server's 10,000-object ceiling.
   */
  async *paginate<T>(
    path: string,
    params: PageParams | undefined,
    signal: AbortSignal | undefined,
    kind: 'envelope' | 'array',
  ): AsyncGenerator<T, void, undefined> {
    const filters = filtersOf(params);
    const checked = pageQuery(params);
    const pageSize = checked.limit ?? DEFAULT_PAGE_SIZE;
    let offset = checked.offset ?? 0;
    // The ceiling alone bounds the loop; the page count is a second guard against a misbehaving server.
    for (let pages = 0; pages <= MAX_REACHABLE; pages++) {
      if (signal?.aborted) throw abortError(`listing ${path}`, signal);
      if (offset >= MAX_REACHABLE) return;
      const limit = Math.min(pageSize, MAX_REACHABLE - offset);
      const query = { ...filters, offset, limit };
      let items: T[];
      let count: number | undefined;
      if (kind === 'envelope') {
        const raw = await this.send<SearchResult<T>>('GET', path, { query, signal });
        // Only a count the server sent ends the walk: without one, a full page says nothing of what follows.
        const hasCount = typeof raw === 'object' && raw !== null && typeof raw.count === 'number';
        const page = normalizeEnvelope<T>(raw, this.http.baseUrl + path);
        items = page.results;
        count = hasCount ? page.count : undefined;
      } else {
        items = await this.page<T>(path, query, signal);
      }
      for (const item of items) {
        if (signal?.aborted) throw abortError(`listing ${path}`, signal);
        yield item;
      }
      offset += items.length;
      if (items.length === 0 || items.length < limit) return;
      if (count !== undefined && offset >= count) return;
    }
  }
}

/** A 2xx answer whose body is not what the endpoint documents. */
export function unexpectedShape(url: string, expected: string, method: Method = 'GET'): HttpError {
  return new HttpError(
    { status: 200, method, url },
    { message: `${method} ${url} returned a body that is not ${expected}` },
  );
}

function normalizeEnvelope<T>(result: SearchResult<T> | undefined, url: string): SearchResult<T> {
  if (result === undefined || typeof result !== 'object' || !Array.isArray(result.results)) {
    throw unexpectedShape(url, 'a {count, results} envelope');
  }
  if (typeof result.count !== 'number') result.count = result.results.length;
  return result;
}
