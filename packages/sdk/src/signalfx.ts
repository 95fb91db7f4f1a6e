import { type Endpoints, type Logger, resolveEndpoints, resolveToken, ValidationError } from '@sfx/core';
import { IngestClient, type IngestClientOptions } from '@sfx/ingest';
import { RestClient, type RestClientOptions } from '@sfx/rest';
import { SignalFlowClient, type SignalFlowClientOptions } from '@sfx/signalflow';

/** Settings shared by every client the facade creates. Each one can still be overridden per client. */
export interface SignalFxOptions {
  /** Realm of the organization (`us0`, `us1`, `eu0`, `jp0`…). Default `SFX_REALM`, else `us0`. */
  realm?: string;
  /** Ingest base URL; overrides the realm. Default `SFX_INGEST_URL`. */
  ingestUrl?: string;
  /** REST API base URL; overrides the realm. Default `SFX_API_URL`. */
  apiUrl?: string;
  /** SignalFlow stream base URL; overrides the realm. Default `SFX_STREAM_URL`. */
  streamUrl?: string;
  /** Per-request timeout of the ingest and REST clients, in ms. */
  timeoutMs?: number;
  /** Gzip ingest bodies and ask for compressed SignalFlow frames. Default: each client's own default (on). */
  compress?: boolean;
  /** Logger given to every client (pino-compatible). Default: silent. */
  logger?: Partial<Logger>;
}

/** Options of `SignalFx.ingest()`: every `IngestClient` option but the token and endpoint. */
export type FacadeIngestOptions = Omit<IngestClientOptions, 'token' | 'realm' | 'endpoint'>;
/** Options of `SignalFx.rest()`: every `RestClient` option but the token and endpoint. */
export type FacadeRestOptions = Omit<RestClientOptions, 'token' | 'realm' | 'endpoint'>;
/** Options of `SignalFx.signalflow()`: every `SignalFlowClient` option but the token and endpoint. */
export type FacadeSignalFlowOptions = Omit<SignalFlowClientOptions, 'token' | 'realm' | 'endpoint'>;

function positiveTimeout(value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ValidationError(`timeoutMs must be a positive number, got ${String(value)}`, { field: 'timeoutMs' });
  }
  return value;
}

function defined<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<T>;
}

/**
 * One entry point for the whole SDK: resolves the realm (or URLs) once, then creates the ingest,
 * REST and SignalFlow clients that share those settings.
 *
 * ```ts
 * const sfx = new SignalFx({ realm: 'us1' });
 * const ingest = sfx.ingest(process.env.SFX_TOKEN);
 * ```
 */
export class SignalFx {
  /** The base URLs every client of this instance talks to. */
  readonly endpoints: Readonly<Endpoints>;
  readonly #timeoutMs: number | undefined;
  readonly #compress: boolean | undefined;
  readonly #logger: Partial<Logger> | undefined;

  /** Throws `ValidationError` for a malformed realm, URL or timeout. */
  constructor(options: SignalFxOptions = {}) {
    this.endpoints = Object.freeze(
      resolveEndpoints(
        defined({
          realm: options.realm,
          ingestUrl: options.ingestUrl,
          apiUrl: options.apiUrl,
          streamUrl: options.streamUrl,
        }),
      ),
    );
    this.#timeoutMs = positiveTimeout(options.timeoutMs);
    if (options.compress !== undefined && typeof options.compress !== 'boolean') {
      throw new ValidationError('compress must be a boolean', { field: 'compress' });
    }
    this.#compress = options.compress;
    this.#logger = options.logger;
  }

  /** A new `IngestClient` (datapoints and events). The token defaults to `SFX_TOKEN`. */
  ingest(token?: string, options: FacadeIngestOptions = {}): IngestClient {
    return new IngestClient({
      ...defined({ timeoutMs: this.#timeoutMs, compress: this.#compress, logger: this.#logger }),
      ...options,
      token: resolveToken(token),
      endpoint: this.endpoints.ingest,
    });
  }

  /** A new `RestClient` (metadata, detectors, dashboards…). The token defaults to `SFX_TOKEN`. */
  rest(token?: string, options: FacadeRestOptions = {}): RestClient {
    return new RestClient({
      ...defined({ timeoutMs: this.#timeoutMs, logger: this.#logger }),
      ...options,
      token: resolveToken(token),
      endpoint: this.endpoints.api,
    });
  }

  /** A new `SignalFlowClient` (streaming computations). The token defaults to `SFX_TOKEN`. */
  signalflow(token?: string, options: FacadeSignalFlowOptions = {}): SignalFlowClient {
    return new SignalFlowClient({
      ...defined({ compress: this.#compress, logger: this.#logger }),
      ...options,
      token: resolveToken(token),
      endpoint: this.endpoints.stream,
    });
  }
}
