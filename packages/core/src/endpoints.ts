import { ValidationError } from './errors.js';

export interface EndpointOptions {
  /** The realm of the organization, e.g. `us0`, `us1`, `eu0`, `jp0`. Default `us0`. */
  realm?: string;
  /** Overrides the ingest base URL, e.g. `http://127.0.0.1:8080`. */
  ingestUrl?: string;
  /** Overrides the REST API base URL. */
  apiUrl?: string;
  /** Overrides the SignalFlow stream base URL. */
  streamUrl?: string;
}

export interface Endpoints {
  ingest: string;
  api: string;
  stream: string;
}

export const DEFAULT_REALM = 'us0';

const REALM = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

type Env = Record<string, string | undefined>;

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/** Checks a realm name and returns it lower-cased. Throws `ValidationError` when malformed. */
export function validateRealm(realm: string, field = 'realm'): string {
  const normalized = typeof realm === 'string' ? realm.trim().toLowerCase() : realm;
  if (typeof normalized !== 'string' || normalized.length > 32 || !REALM.test(normalized)) {
    throw new ValidationError(`${field} must be a realm name such as "us0" or "eu0", got ${JSON.stringify(realm)}`, {
      field,
    });
  }
  return normalized;
}

/**
 * Checks a base URL (http or https, no query or fragment) and returns it without a trailing slash.
 * Throws `ValidationError` when malformed.
 */
export function validateBaseUrl(url: string, field: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new ValidationError(`${field} is not a valid URL: ${JSON.stringify(url)}`, { field, cause });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ValidationError(`${field} must be an http or https URL, got ${JSON.stringify(parsed.protocol)}`, {
      field,
    });
  }
  if (parsed.search || parsed.hash) {
    throw new ValidationError(`${field} must not have a query or fragment`, { field });
  }
  if (parsed.username || parsed.password) {
    throw new ValidationError(`${field} must not carry credentials`, { field });
  }
  return parsed.toString().replace(/\/+$/, '');
}

/**
 * The ingest, API and stream base URLs. An explicit URL wins, then an explicit realm, then the
 * environment (`SFX_INGEST_URL`, `SFX_API_URL`, `SFX_STREAM_URL`, `SFX_REALM`), then realm `us0`.
 */
export function resolveEndpoints(options: EndpointOptions = {}, env: Env = process.env): Endpoints {
  const explicitRealm = nonEmpty(options.realm);
  const realm = validateRealm(
    explicitRealm ?? nonEmpty(env.SFX_REALM) ?? DEFAULT_REALM,
    explicitRealm ? 'realm' : 'SFX_REALM',
  );
  const pick = (explicit: string | undefined, envName: string, host: string, field: string): string => {
    const given = nonEmpty(explicit);
    if (given !== undefined) return validateBaseUrl(given, field);
    const fromEnv = explicitRealm === undefined ? nonEmpty(env[envName]) : undefined;
    if (fromEnv !== undefined) return validateBaseUrl(fromEnv, envName);
    return `https://${host}.${realm}.signalfx.com`;
  };
  return {
    ingest: pick(options.ingestUrl, 'SFX_INGEST_URL', 'ingest', 'ingestUrl'),
    api: pick(options.apiUrl, 'SFX_API_URL', 'api', 'apiUrl'),
    stream: pick(options.streamUrl, 'SFX_STREAM_URL', 'stream', 'streamUrl'),
  };
}

/** The token to use: the one given, else `SFX_TOKEN`. Throws `ValidationError` when neither is set. */
export function resolveToken(token: string | undefined, env: Env = process.env): string {
  const resolved = nonEmpty(token) ?? nonEmpty(env.SFX_TOKEN);
  if (resolved === undefined) {
    throw new ValidationError('no token: pass `token` or set the SFX_TOKEN environment variable', { field: 'token' });
  }
  if (/[\r\n]/.test(resolved)) throw new ValidationError('token must not contain line breaks', { field: 'token' });
  return resolved;
}
