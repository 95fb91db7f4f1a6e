import {
  HttpClient,
  type Logger,
  normalizeLogger,
  packageVersion,
  type RetryOptions,
  redact,
  resolveEndpoints,
  resolveToken,
  ValidationError,
} from '@sfx/core';
import { Api, type Method, type Query, unexpectedShape } from './internal/api.js';
import { AlertMutingRules, Detectors, Incidents } from './resources/alerting.js';
import {
  Charts,
  DashboardGroups,
  Dashboards,
  DataLinks,
  OrganizationResource,
  OrgTokens,
  Teams,
} from './resources/content.js';
import { Dimensions, Metrics, MetricTimeSeriesResource, Tags } from './resources/metadata.js';
import type { CallOptions, Session } from './types.js';

export const REST_VERSION: string = packageVersion(import.meta.url);
const PRODUCT = { name: '@sfx/rest', version: REST_VERSION };

/** How to reach the API, shared by the client and `login()`. */
export interface RestConnectionOptions {
  /** The realm of the organization, e.g. `us1`. Default: `SFX_REALM`, else `us0`. */
  realm?: string;
  /** The API base URL, overriding the realm, e.g. `http://127.0.0.1:8080`. Default: `SFX_API_URL`. */
  endpoint?: string;
  /** Time allowed for one attempt, in ms. Default 30,000. */
  timeoutMs?: number;
  /** Retry policy of idempotent calls; `false` for a single attempt. Default: 5 attempts with jittered backoff. */
  retry?: RetryOptions | false;
  /** A pino-shaped logger; retries are logged at debug. Default: silent. */
  logger?: Partial<Logger>;
  /** Proxy URL; `false` to ignore `HTTPS_PROXY`. Default: from the environment. */
  proxy?: string | false;
  /** Extra CA certificates (PEM) to trust besides the system ones. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Headers sent with every request. */
  headers?: Record<string, string>;
}

export interface RestClientOptions extends RestConnectionOptions {
  /** An org token with API scope, or a user session token. Default: `SFX_TOKEN`. */
  token?: string;
}

export interface LoginOptions extends RestConnectionOptions {
  email: string;
  password: string;
  /** The organization to log in to, when the user belongs to several. */
  organizationId?: string;
  signal?: AbortSignal;
}

export interface RequestOptions extends CallOptions {
  query?: Query;
  /** A JSON body. */
  body?: unknown;
  /** Whether the call may be repeated safely. Default: true for GET, PUT and DELETE, false otherwise. */
  idempotent?: boolean;
}

/** A logger whose lines never show `secrets` (core logs failed attempts with the server's answer in them). */
function redactingLogger(logger: Partial<Logger>, secrets: readonly string[]): Logger {
  const target = normalizeLogger(logger);
  const scrub = (value: unknown): unknown => (typeof value === 'string' ? redact(value, secrets) : value);
  const wrap =
    (level: keyof Logger) =>
    (fieldsOrMessage: object | string, message?: string): void => {
      const first =
        typeof fieldsOrMessage === 'string'
          ? redact(fieldsOrMessage, secrets)
          : Object.fromEntries(Object.entries(fieldsOrMessage).map(([key, value]) => [key, scrub(value)]));
      if (message === undefined) target[level](first);
      else target[level](first, redact(message, secrets));
    };
  return { debug: wrap('debug'), info: wrap('info'), warn: wrap('warn'), error: wrap('error') };
}

function httpClient(
  options: RestConnectionOptions,
  token: string | undefined,
  secrets: readonly string[] = [],
): HttpClient {
  const { api } = resolveEndpoints({ realm: options.realm, apiUrl: options.endpoint });
  const config: ConstructorParameters<typeof HttpClient>[0] = { baseUrl: api, product: PRODUCT };
  if (token !== undefined) config.token = token;
  if (options.timeoutMs !== undefined) config.timeoutMs = options.timeoutMs;
  if (options.retry !== undefined) config.retry = options.retry;
  if (options.logger !== undefined) {
    config.logger = secrets.length > 0 ? redactingLogger(options.logger, secrets) : options.logger;
  }
  if (options.proxy !== undefined) config.proxy = options.proxy;
  if (options.ca !== undefined) config.ca = options.ca;
  if (options.headers !== undefined) config.headers = options.headers;
  return new HttpClient(config);
}

/**
 * The metadata REST API as typed resources. Reads (GET), replacements (PUT) and deletes are retried on 429,
 * 502–504, timeouts and connection errors; POSTs are not, except validation and team links, which have no
 * effect when repeated.
 */
export class RestClient {
  /** The API base URL in use. */
  readonly endpoint: string;
  readonly metrics: Metrics;
  readonly dimensions: Dimensions;
  readonly metricTimeSeries: MetricTimeSeriesResource;
  readonly tags: Tags;
  readonly organization: OrganizationResource;
  readonly detectors: Detectors;
  readonly incidents: Incidents;
  readonly charts: Charts;
  readonly dashboards: Dashboards;
  readonly dashboardGroups: DashboardGroups;
  readonly dataLinks: DataLinks;
  readonly teams: Teams;
  readonly orgTokens: OrgTokens;
  readonly alertMutingRules: AlertMutingRules;
  readonly #http: HttpClient;
  readonly #api: Api;

  constructor(options: RestClientOptions = {}) {
    const token = resolveToken(options.token);
    this.#http = httpClient(options, token);
    this.#api = new Api(this.#http, token);
    this.endpoint = this.#http.baseUrl;
    this.metrics = new Metrics(this.#api);
    this.dimensions = new Dimensions(this.#api);
    this.metricTimeSeries = new MetricTimeSeriesResource(this.#api);
    this.tags = new Tags(this.#api);
    this.organization = new OrganizationResource(this.#api);
    this.detectors = new Detectors(this.#api);
    this.incidents = new Incidents(this.#api);
    this.charts = new Charts(this.#api);
    this.dashboards = new Dashboards(this.#api);
    this.dashboardGroups = new DashboardGroups(this.#api);
    this.dataLinks = new DataLinks(this.#api);
    this.teams = new Teams(this.#api);
    this.orgTokens = new OrgTokens(this.#api);
    this.alertMutingRules = new AlertMutingRules(this.#api);
  }

  /**
   * Logs a user in with email and password (`POST /v2/session`) and resolves with the session; its
   * `accessToken` is a session token for `new RestClient({ token })`. Not retried. Bad credentials reject
   * with `AuthError`; the password never appears in an error.
   */
  static async login(options: LoginOptions): Promise<Session> {
    if (typeof options !== 'object' || options === null) {
      throw new ValidationError('login options must be an object with email and password', { field: 'options' });
    }
    for (const field of ['email', 'password'] as const) {
      if (typeof options[field] !== 'string' || options[field] === '') {
        throw new ValidationError(`${field} must be a non-empty string`, { field });
      }
    }
    const http = httpClient(options, undefined, [options.password]);
    try {
      const json: Record<string, string> = { email: options.email, password: options.password };
      if (options.organizationId !== undefined) json.organizationId = options.organizationId;
      const session = await new Api(http, undefined).send<Session>('POST', '/v2/session', {
        json,
        signal: options.signal,
        secrets: [options.password],
      });
      if (typeof session?.accessToken !== 'string' || session.accessToken === '') {
        throw unexpectedShape(`${http.baseUrl}/v2/session`, 'a session with an accessToken', 'POST');
      }
      return session;
    } finally {
      await http.close();
    }
  }

  /** Revokes this client's token when it is a session token (`DELETE /v2/session`). */
  async logout(options?: CallOptions): Promise<void> {
    await this.#api.sendDiscardingBody('DELETE', '/v2/session', { signal: options?.signal });
  }

  /**
   * Any other endpoint of the API, e.g. `rest.request('GET', '/v2/slo/abc')`. The path is sent as given,
   * so encode its segments with `encodeURIComponent`; `query` is encoded for you.
   */
  async request<T = unknown>(method: Method, path: string, options: RequestOptions = {}): Promise<T | undefined> {
    if (typeof path !== 'string' || !path.startsWith('/')) {
      throw new ValidationError(`path must start with "/", got ${JSON.stringify(path)}`, { field: 'path' });
    }
    return this.#api.send<T>(method, path, {
      query: options.query,
      json: options.body,
      signal: options.signal,
      ...(options.idempotent === undefined ? {} : { idempotent: options.idempotent }),
    });
  }

  /** Closes the connections. Calls after this reject with `ClosedError`. */
  close(): Promise<void> {
    return this.#http.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
