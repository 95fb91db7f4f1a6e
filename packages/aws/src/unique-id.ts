import { type Logger, normalizeLogger } from '@sfx/core';
import { metadataRequest } from './http-get.js';

/** The dimension that carries the AWS unique ID, the same name in every SignalFx client. */
export const AWS_ID_DIMENSION = 'AWSUniqueId';

export const DEFAULT_EC2_ENDPOINT = 'http://169.254.169.254';
export const DEFAULT_ECS_V2_ENDPOINT = 'http://169.254.170.2';

export interface AwsUniqueIdOptions {
  /** Time allowed for the whole lookup, in ms. Default 1000. */
  timeoutMs?: number;
  /** Base URL of the EC2 instance metadata service. Default `http://169.254.169.254`. */
  ec2Endpoint?: string;
  /**
   * Base URL of the ECS task metadata endpoint (v4 or v3); `/task` is appended. Default: the environment
   * variable `ECS_CONTAINER_METADATA_URI_V4`, else `ECS_CONTAINER_METADATA_URI`.
   */
  ecsMetadataUri?: string;
  /** Base URL of the ECS task metadata v2 endpoint; `/v2/metadata` is appended. Default `http://169.254.170.2`. */
  ecsV2Endpoint?: string;
  /**
   * What an ECS task contributes as `<id>`: `'arn-resource'` (default) keeps everything after the first `/` of the
   * task ARN's resource (`<cluster>/<task-id>` in the new ARN format), so values match existing data;
   * `'task-id'` keeps only the last segment.
   */
  ecsId?: 'arn-resource' | 'task-id';
  /** Lifetime asked for the IMDSv2 session token, in seconds (1 … 21600). Default 60. */
  imdsTokenTtlSeconds?: number;
  /** Told why no ID was found. Not part of the cache key. */
  logger?: Partial<Logger>;
  /** Stops the lookup early (it then resolves `undefined`). Not part of the cache key; an aborted lookup is not cached. */
  signal?: AbortSignal;
}

interface ResolvedOptions {
  timeoutMs: number;
  ec2Endpoint: string;
  ecsMetadataUri: string | undefined;
  ecsV2Endpoint: string;
  ecsId: 'arn-resource' | 'task-id';
  imdsTokenTtlSeconds: number;
}

interface Lookup {
  deadline: number;
  signal: AbortSignal | undefined;
}

/** Why a source gave no ID: kept to be logged, never thrown. */
class NotFound {
  constructor(readonly reason: string) {}
}

type Outcome = string | NotFound;

/**
 * A lookup shared by every caller with the same options. It runs under its own signal, aborted only once every
 * caller waiting on it has aborted: one caller's abort never ends another's lookup.
 */
interface SharedLookup {
  promise: Promise<string | undefined>;
  controller: AbortController;
  /** Callers still waiting; `Infinity` once a caller without a signal has joined. */
  waiting: number;
  settled: boolean;
}

const cache = new Map<string, SharedLookup>();

/** A base URL without trailing slashes; `fallback` when `url` is not a non-empty string. */
function baseUrl(url: unknown, fallback: string): string;
function baseUrl(url: unknown, fallback: string | undefined): string | undefined;
function baseUrl(url: unknown, fallback: string | undefined): string | undefined {
  return typeof url === 'string' && url !== '' ? url.replace(/\/+$/, '') : fallback;
}

function resolveOptions(options: AwsUniqueIdOptions): ResolvedOptions {
  const timeoutMs =
    typeof options.timeoutMs === 'number' && Number.isFinite(options.timeoutMs) && options.timeoutMs > 0
      ? options.timeoutMs
      : 1000;
  const ttl = options.imdsTokenTtlSeconds;
  const ecsFromEnv = process.env.ECS_CONTAINER_METADATA_URI_V4 || process.env.ECS_CONTAINER_METADATA_URI || undefined;
  return {
    timeoutMs,
    ec2Endpoint: baseUrl(options.ec2Endpoint, DEFAULT_EC2_ENDPOINT),
    ecsMetadataUri: baseUrl(options.ecsMetadataUri, baseUrl(ecsFromEnv, undefined)),
    ecsV2Endpoint: baseUrl(options.ecsV2Endpoint, DEFAULT_ECS_V2_ENDPOINT),
    ecsId: options.ecsId === 'task-id' ? 'task-id' : 'arn-resource',
    imdsTokenTtlSeconds: typeof ttl === 'number' && Number.isInteger(ttl) && ttl >= 1 && ttl <= 21_600 ? ttl : 60,
  };
}

function remaining(lookup: Lookup): number {
  return lookup.deadline - Date.now();
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The unique ID of an ECS task from its ARN `arn:aws:ecs:<region>:<account>:task/<rest>`, or `undefined` when the
 * ARN has another shape. `<rest>` is `<task-id>` (old format) or `<cluster>/<task-id>` (new format).
 */
export function ecsUniqueIdFromTaskArn(
  taskArn: string,
  ecsId: 'arn-resource' | 'task-id' = 'arn-resource',
): string | undefined {
  const parts = taskArn.split(':');
  if (parts.length !== 6 || parts[0] !== 'arn') return undefined;
  const [, , , region, accountId, resource] = parts as [string, string, string, string, string, string];
  const slash = resource.indexOf('/');
  if (!region || !accountId || slash < 0) return undefined;
  const afterFirstSlash = resource.slice(slash + 1);
  const id = ecsId === 'task-id' ? afterFirstSlash.slice(afterFirstSlash.lastIndexOf('/') + 1) : afterFirstSlash;
  if (!id) return undefined;
  return `${id}_${region}_${accountId}`;
}

/** The unique ID of an EC2 instance from its identity document, or `undefined` when a field is missing. */
export function ec2UniqueIdFromIdentityDocument(document: unknown): string | undefined {
  if (typeof document !== 'object' || document === null) return undefined;
  const { instanceId, region, accountId } = document as Record<string, unknown>;
  for (const field of [instanceId, region, accountId]) {
    if (typeof field !== 'string' || field === '') return undefined;
  }
  return `${instanceId}_${region}_${accountId}`;
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

async function fromEcsTask(url: string, options: ResolvedOptions, lookup: Lookup): Promise<Outcome> {
  const timeoutMs = remaining(lookup);
  if (timeoutMs <= 0) return new NotFound(`ECS: no time left for ${url}`);
  try {
    const response = await metadataRequest({ method: 'GET', url, timeoutMs, signal: lookup.signal });
    if (response.status !== 200) return new NotFound(`ECS: ${url} answered HTTP ${response.status}`);
    const task = parseJson(response.body) as { TaskARN?: unknown } | undefined;
    const arn = task?.TaskARN;
    if (typeof arn !== 'string') return new NotFound(`ECS: ${url} gave no TaskARN`);
    return ecsUniqueIdFromTaskArn(arn, options.ecsId) ?? new NotFound(`ECS: unexpected task ARN ${arn}`);
  } catch (error) {
    return new NotFound(`ECS: ${url}: ${describe(error)}`);
  }
}

async function imdsToken(options: ResolvedOptions, lookup: Lookup): Promise<string | NotFound> {
  // At most half the budget: when the PUT is dropped (hop limit), IMDSv1 still gets its chance.
  const timeoutMs = Math.floor(remaining(lookup) / 2);
  if (timeoutMs <= 0) return new NotFound('EC2: no time left for the IMDSv2 token');
  try {
    const response = await metadataRequest({
      method: 'PUT',
      url: `${options.ec2Endpoint}/latest/api/token`,
      headers: { 'X-aws-ec2-metadata-token-ttl-seconds': String(options.imdsTokenTtlSeconds) },
      timeoutMs,
      signal: lookup.signal,
    });
    if (response.status !== 200 || response.body.trim() === '') {
      return new NotFound(`EC2: IMDSv2 token request answered HTTP ${response.status}`);
    }
    return response.body.trim();
  } catch (error) {
    return new NotFound(`EC2: IMDSv2 token request: ${describe(error)}`);
  }
}

async function fromEc2(options: ResolvedOptions, lookup: Lookup): Promise<Outcome> {
  const token = await imdsToken(options, lookup);
  const timeoutMs = remaining(lookup);
  const version = typeof token === 'string' ? 'IMDSv2' : 'IMDSv1';
  if (timeoutMs <= 0) return new NotFound(`EC2: no time left for the identity document (${version})`);
  const url = `${options.ec2Endpoint}/latest/dynamic/instance-identity/document`;
  try {
    const response = await metadataRequest({
      method: 'GET',
      url,
      headers: typeof token === 'string' ? { 'X-aws-ec2-metadata-token': token } : {},
      timeoutMs,
      signal: lookup.signal,
    });
    if (response.status !== 200) {
      const tokenNote = token instanceof NotFound ? ` (${token.reason})` : '';
      return new NotFound(`EC2: identity document answered HTTP ${response.status} with ${version}${tokenNote}`);
    }
    return (
      ec2UniqueIdFromIdentityDocument(parseJson(response.body)) ??
      new NotFound('EC2: identity document lacks instanceId, region or accountId')
    );
  } catch (error) {
    return new NotFound(`EC2: identity document: ${describe(error)}`);
  }
}

async function lookUp(options: ResolvedOptions, lookup: Lookup): Promise<Outcome | NotFound[]> {
  const reasons: NotFound[] = [];
  if (options.ecsMetadataUri) {
    const ecs = await fromEcsTask(`${options.ecsMetadataUri}/task`, options, lookup);
    if (typeof ecs === 'string') return ecs;
    reasons.push(ecs);
    const ec2 = await fromEc2(options, lookup);
    if (typeof ec2 === 'string') return ec2;
    reasons.push(ec2);
    return reasons;
  }
  // ECS v2 wins when it answers, but it and EC2 are asked together: off ECS the v2 address often just
  // does not answer, and waiting for it first would leave EC2 no time.
  const ecsPending = fromEcsTask(`${options.ecsV2Endpoint}/v2/metadata`, options, lookup);
  const ec2Pending = fromEc2(options, lookup);
  const ecs = await ecsPending;
  if (typeof ecs === 'string') return ecs;
  reasons.push(ecs);
  const ec2 = await ec2Pending;
  if (typeof ec2 === 'string') return ec2;
  reasons.push(ec2);
  return reasons;
}

async function run(
  options: ResolvedOptions,
  logger: Logger,
  signal: AbortSignal | undefined,
): Promise<string | undefined> {
  try {
    const outcome = await lookUp(options, { deadline: Date.now() + options.timeoutMs, signal });
    if (typeof outcome === 'string') {
      logger.debug({ [AWS_ID_DIMENSION]: outcome }, 'AWS unique ID found');
      return outcome;
    }
    const reasons = Array.isArray(outcome) ? outcome : [outcome];
    logger.info(
      { reasons: reasons.map((r) => r.reason) },
      `no AWS unique ID (not on AWS, or metadata unreachable within ${options.timeoutMs} ms)`,
    );
  } catch (error) {
    // Nothing above should throw; this keeps the promise that it never rejects.
    logger.warn({ error: describe(error) }, 'AWS unique ID lookup failed');
  }
  return undefined;
}

/**
 * The `AWSUniqueId` dimension value of the compute unit this process runs on: `<id>_<region>_<accountId>` from
 * ECS task metadata (v4/v3 from the environment, else v2), else from the EC2 identity document (IMDSv2, falling
 * back to IMDSv1). Resolves `undefined` when not on AWS, within `timeoutMs`, and logs why; never rejects; never
 * uses a proxy. The result is cached per set of options for the life of the process.
 */
export function getAwsUniqueId(options: AwsUniqueIdOptions = {}): Promise<string | undefined> {
  try {
    return cachedLookup(options ?? {});
  } catch {
    // Only an options object that throws when read (a hostile getter) gets here: still no throw, no rejection.
    return Promise.resolve(undefined);
  }
}

function cachedLookup(options: AwsUniqueIdOptions): Promise<string | undefined> {
  const resolved = resolveOptions(options);
  const logger = normalizeLogger(options.logger);
  const key = JSON.stringify(resolved);
  const signal = options.signal;
  if (signal?.aborted) return Promise.resolve(undefined);
  let shared = cache.get(key);
  if (!shared) {
    const controller = new AbortController();
    const created: SharedLookup = {
      promise: run(resolved, logger, controller.signal),
      controller,
      waiting: 0,
      settled: false,
    };
    created.promise.then(() => {
      created.settled = true;
    });
    cache.set(key, created);
    shared = created;
  }
  return join(key, shared, signal);
}

/** Waits on a shared lookup; an aborted `signal` ends this caller's wait, and the lookup once nobody waits. */
function join(key: string, shared: SharedLookup, signal: AbortSignal | undefined): Promise<string | undefined> {
  if (!signal) {
    shared.waiting = Number.POSITIVE_INFINITY;
    return shared.promise;
  }
  shared.waiting++;
  return new Promise((resolve) => {
    const onAbort = (): void => {
      resolve(undefined);
      if (--shared.waiting > 0 || shared.settled) return;
      // Nobody waits any more: stop the requests, and forget the lookup so the next caller asks again.
      if (cache.get(key) === shared) cache.delete(key);
      shared.controller.abort();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    shared.promise.then((result) => {
      signal.removeEventListener('abort', onAbort);
      resolve(result);
    });
  });
}

/** Forgets every cached result, so the next `getAwsUniqueId` asks again. */
export function clearAwsUniqueIdCache(): void {
  cache.clear();
}
