import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  AWS_ID_DIMENSION,
  type AwsUniqueIdOptions,
  clearAwsUniqueIdCache,
  ec2UniqueIdFromIdentityDocument,
  ecsUniqueIdFromTaskArn,
  getAwsUniqueId,
} from '../src/index.js';
import { blockedHosts, closedPortUrl, EC2_ID, type FakeMetadataServer, startFakeMetadata } from './fake-metadata.js';

const OLD_ARN = 'arn:aws:ecs:us-east-1:123456789012:task/0f1e2d3c-aaaa-bbbb-cccc-111122223333';
const NEW_ARN = 'arn:aws:ecs:us-west-2:111122223333:task/default/8f03e41243824aea923aca126495f665';
const ECS_ENV = ['ECS_CONTAINER_METADATA_URI_V4', 'ECS_CONTAINER_METADATA_URI'] as const;
const PROXY_ENV = ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'NO_PROXY', 'no_proxy'] as const;

const servers: FakeMetadataServer[] = [];
const savedEnv = new Map<string, string | undefined>();

async function fake(config: Parameters<typeof startFakeMetadata>[0]): Promise<FakeMetadataServer> {
  const server = await startFakeMetadata(config);
  servers.push(server);
  return server;
}

/**
 * Options whose every endpoint is on loopback: no test may reach the real link-local addresses, so the EC2 and
 * ECS v2 endpoints are always given (the v4/v3 one comes from the options or from a loopback env value).
 */
function loopback(options: AwsUniqueIdOptions & { ec2Endpoint: string; ecsV2Endpoint: string }): AwsUniqueIdOptions {
  for (const url of [options.ec2Endpoint, options.ecsV2Endpoint, options.ecsMetadataUri]) {
    if (url !== undefined && new URL(url).hostname !== '127.0.0.1') throw new Error(`not loopback: ${url}`);
  }
  for (const name of ECS_ENV) {
    const value = process.env[name];
    if (value && new URL(value).hostname !== '127.0.0.1') throw new Error(`not loopback: ${name}`);
  }
  return { timeoutMs: 2000, ...options };
}

function capturingLogger() {
  const lines: Array<{ level: string; fields: unknown; message: string | undefined }> = [];
  const log = (level: string) => (fields: object | string, message?: string) =>
    lines.push({ level, fields, message: typeof fields === 'string' ? fields : message });
  return { lines, logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') } };
}

beforeEach(() => {
  for (const name of [...ECS_ENV, ...PROXY_ENV]) {
    savedEnv.set(name, process.env[name]);
    delete process.env[name];
  }
  clearAwsUniqueIdCache();
  blockedHosts.length = 0;
});

afterEach(async () => {
  vi.useRealTimers();
  for (const [name, value] of savedEnv) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  savedEnv.clear();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

describe('network guard of the tests', () => {
  it('defaults to the link-local endpoints, which the guard refuses before any packet leaves', async () => {
    const { lines, logger } = capturingLogger();
    expect(await getAwsUniqueId({ logger })).toBeUndefined();
    expect([...new Set(blockedHosts)].sort()).toEqual(['169.254.169.254', '169.254.170.2']);
    expect(JSON.stringify(lines)).toContain('test network guard');
  });
});

describe('constants and parsing', () => {
  it('names the dimension AWSUniqueId', () => {
    expect(AWS_ID_DIMENSION).toBe('AWSUniqueId');
  });

  it('builds the ID from both task ARN formats', () => {
    expect(ecsUniqueIdFromTaskArn(OLD_ARN)).toBe('0f1e2d3c-aaaa-bbbb-cccc-111122223333_us-east-1_123456789012');
    expect(ecsUniqueIdFromTaskArn(NEW_ARN)).toBe('default/8f03e41243824aea923aca126495f665_us-west-2_111122223333');
    expect(ecsUniqueIdFromTaskArn(NEW_ARN, 'task-id')).toBe('8f03e41243824aea923aca126495f665_us-west-2_111122223333');
    expect(ecsUniqueIdFromTaskArn(OLD_ARN, 'task-id')).toBe(
      '0f1e2d3c-aaaa-bbbb-cccc-111122223333_us-east-1_123456789012',
    );
  });

  it('rejects malformed task ARNs', () => {
    expect(ecsUniqueIdFromTaskArn('arn:aws:ecs:us-east-1:123456789012')).toBeUndefined();
    expect(ecsUniqueIdFromTaskArn('arn:aws:ecs:us-east-1:123456789012:task')).toBeUndefined();
    expect(ecsUniqueIdFromTaskArn('arn:aws:ecs:us-east-1:1:task/a:b')).toBeUndefined();
    expect(ecsUniqueIdFromTaskArn('nope:aws:ecs:us-east-1:1:task/x')).toBeUndefined();
    expect(ecsUniqueIdFromTaskArn('arn:aws:ecs::1:task/x')).toBeUndefined();
  });

  it('needs all three identity document fields', () => {
    expect(ec2UniqueIdFromIdentityDocument({ instanceId: 'i-1', region: 'r', accountId: 'a' })).toBe('i-1_r_a');
    expect(ec2UniqueIdFromIdentityDocument({ instanceId: 'i-1', region: 'r' })).toBeUndefined();
    expect(ec2UniqueIdFromIdentityDocument({ instanceId: 'i-1', region: 'r', accountId: 12 })).toBeUndefined();
    expect(ec2UniqueIdFromIdentityDocument(null)).toBeUndefined();
    expect(ec2UniqueIdFromIdentityDocument('x')).toBeUndefined();
  });
});

describe('EC2', () => {
  it('uses an IMDSv2 token when the instance requires one', async () => {
    const ec2 = await fake({ ec2: 'imdsv2-required' });
    const ecs = await fake({ ecsV2Status: 400 });
    const id = await getAwsUniqueId(loopback({ ec2Endpoint: ec2.url, ecsV2Endpoint: ecs.url }));
    expect(id).toBe(EC2_ID);
    const [put, get] = ec2.requests;
    expect(put).toMatchObject({ method: 'PUT', path: '/latest/api/token' });
    expect(put?.headers['x-aws-ec2-metadata-token-ttl-seconds']).toBe('60');
    expect(get).toMatchObject({ method: 'GET', path: '/latest/dynamic/instance-identity/document' });
    expect(get?.headers['x-aws-ec2-metadata-token']).toBe('AQAEAFake-token==');
    expect(ec2.requests).toHaveLength(2);
    expect(ecs.requests.map((r) => r.path)).toEqual(['/v2/metadata']);
  });

  it('asks for the configured token lifetime', async () => {
    const ec2 = await fake({ ec2: 'imdsv2-required' });
    const ecs = await fake({ ecsV2Status: 400 });
    const id = await getAwsUniqueId(
      loopback({ ec2Endpoint: ec2.url, ecsV2Endpoint: ecs.url, imdsTokenTtlSeconds: 21_600 }),
    );
    expect(id).toBe(EC2_ID);
    expect(ec2.requests[0]?.headers['x-aws-ec2-metadata-token-ttl-seconds']).toBe('21600');
  });

  it('falls back to IMDSv1 when the token PUT is refused', async () => {
    const ec2 = await fake({ ec2: 'imdsv1-only' });
    const ecs = await fake({ ecsV2Status: 400 });
    const id = await getAwsUniqueId(loopback({ ec2Endpoint: ec2.url, ecsV2Endpoint: ecs.url }));
    expect(id).toBe(EC2_ID);
    expect(ec2.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'PUT /latest/api/token',
      'GET /latest/dynamic/instance-identity/document',
    ]);
    expect(ec2.requests[1]?.headers['x-aws-ec2-metadata-token']).toBeUndefined();
  });

  it('falls back to IMDSv1 when the token PUT never answers (hop limit)', async () => {
    const ec2 = await fake({ ec2: 'token-hangs' });
    const ecs = await fake({ ecsV2Status: 400 });
    const id = await getAwsUniqueId(loopback({ ec2Endpoint: ec2.url, ecsV2Endpoint: ecs.url, timeoutMs: 600 }));
    expect(id).toBe(EC2_ID);
    expect(ec2.requests[1]?.headers['x-aws-ec2-metadata-token']).toBeUndefined();
  });

  it('gives nothing for an identity document that is not JSON or lacks fields', async () => {
    for (const identityDocument of ['not json', JSON.stringify({ instanceId: 'i-1', region: 'us-west-2' })]) {
      clearAwsUniqueIdCache();
      const ec2 = await fake({ ec2: 'imdsv2-optional', identityDocument });
      const ecs = await fake({ ecsV2Status: 400 });
      const { lines, logger } = capturingLogger();
      const id = await getAwsUniqueId(loopback({ ec2Endpoint: ec2.url, ecsV2Endpoint: ecs.url, logger }));
      expect(id).toBeUndefined();
      expect(JSON.stringify(lines)).toContain('lacks instanceId, region or accountId');
    }
  });
});

describe('ECS', () => {
  it('reads task metadata v4 from ECS_CONTAINER_METADATA_URI_V4, old ARN format', async () => {
    const task = await fake({ ecsTaskArn: OLD_ARN });
    const ec2 = await fake({ ec2: 'imdsv2-optional' });
    const ecsV2 = await fake({ ecsV2Status: 400 });
    process.env.ECS_CONTAINER_METADATA_URI_V4 = `${task.url}/v4/abc`;
    process.env.ECS_CONTAINER_METADATA_URI = `${ecsV2.url}/v3/not-this-one`;
    const id = await getAwsUniqueId(loopback({ ec2Endpoint: ec2.url, ecsV2Endpoint: ecsV2.url }));
    expect(id).toBe('0f1e2d3c-aaaa-bbbb-cccc-111122223333_us-east-1_123456789012');
    expect(task.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /v4/abc/task']);
    expect(ec2.requests).toHaveLength(0);
    expect(ecsV2.requests).toHaveLength(0);
  });

  it('reads task metadata v4, new ARN format with the cluster name', async () => {
    const task = await fake({ ecsTaskArn: NEW_ARN });
    const ec2 = await fake({ ec2: 'imdsv2-optional' });
    const ecsV2 = await fake({ ecsV2Status: 400 });
    const options = loopback({ ec2Endpoint: ec2.url, ecsV2Endpoint: ecsV2.url, ecsMetadataUri: `${task.url}/v4/x/` });
    expect(await getAwsUniqueId(options)).toBe('default/8f03e41243824aea923aca126495f665_us-west-2_111122223333');
    expect(await getAwsUniqueId({ ...options, ecsId: 'task-id' })).toBe(
      '8f03e41243824aea923aca126495f665_us-west-2_111122223333',
    );
    expect(task.requests.map((r) => r.path)).toEqual(['/v4/x/task', '/v4/x/task']);
  });

  it('falls back to ECS_CONTAINER_METADATA_URI (v3)', async () => {
    const task = await fake({ ecsTaskArn: NEW_ARN });
    const ec2 = await fake({ ec2: 'absent' });
    const ecsV2 = await fake({ ecsV2Status: 400 });
    process.env.ECS_CONTAINER_METADATA_URI = `${task.url}/v3/abc`;
    const id = await getAwsUniqueId(loopback({ ec2Endpoint: ec2.url, ecsV2Endpoint: ecsV2.url }));
    expect(id).toBe('default/8f03e41243824aea923aca126495f665_us-west-2_111122223333');
    expect(task.requests.map((r) => r.path)).toEqual(['/v3/abc/task']);
  });

  it('tries EC2 when the task endpoint fails', async () => {
    const task = await fake({});
    const ec2 = await fake({ ec2: 'imdsv2-required' });
    const ecsV2 = await fake({ ecsTaskArn: OLD_ARN });
    const id = await getAwsUniqueId(
      loopback({ ec2Endpoint: ec2.url, ecsV2Endpoint: ecsV2.url, ecsMetadataUri: task.url }),
    );
    expect(id).toBe(EC2_ID);
    expect(task.requests.map((r) => r.path)).toEqual(['/task']);
    expect(ecsV2.requests).toHaveLength(0);
  });

  it('uses the v2 endpoint without the environment variables, and prefers it over EC2', async () => {
    const ecsV2 = await fake({ ecsTaskArn: OLD_ARN });
    const ec2 = await fake({ ec2: 'imdsv2-optional' });
    const id = await getAwsUniqueId(loopback({ ec2Endpoint: ec2.url, ecsV2Endpoint: ecsV2.url }));
    expect(id).toBe('0f1e2d3c-aaaa-bbbb-cccc-111122223333_us-east-1_123456789012');
    expect(ecsV2.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /v2/metadata']);
  });

  it('uses EC2 when the v2 endpoint says 400 (not a task)', async () => {
    const ecsV2 = await fake({ ecsV2Status: 400 });
    const ec2 = await fake({ ec2: 'imdsv1-only' });
    expect(await getAwsUniqueId(loopback({ ec2Endpoint: ec2.url, ecsV2Endpoint: ecsV2.url }))).toBe(EC2_ID);
  });

  it('ignores a task ARN of another shape', async () => {
    const task = await fake({ ecsTaskArn: 'arn:aws:ecs:us-east-1:123456789012' });
    const ec2 = await fake({ ec2: 'absent' });
    const ecsV2 = await fake({ ecsV2Status: 400 });
    const { lines, logger } = capturingLogger();
    const id = await getAwsUniqueId(
      loopback({ ec2Endpoint: ec2.url, ecsV2Endpoint: ecsV2.url, ecsMetadataUri: task.url, logger }),
    );
    expect(id).toBeUndefined();
    expect(JSON.stringify(lines)).toContain('unexpected task ARN');
  });
});

describe('not on AWS', () => {
  it('resolves undefined and logs why when nothing answers with metadata', async () => {
    const nothing = await fake({});
    const { lines, logger } = capturingLogger();
    const id = await getAwsUniqueId(loopback({ ec2Endpoint: nothing.url, ecsV2Endpoint: nothing.url, logger }));
    expect(id).toBeUndefined();
    const info = lines.find((line) => line.level === 'info');
    expect(info?.message).toContain('no AWS unique ID');
    const reasons = (info?.fields as { reasons?: string[] } | undefined)?.reasons ?? [];
    expect(reasons).toHaveLength(2);
    expect(reasons.join('\n')).toContain('HTTP 404');
  });

  it('resolves undefined when the connection is refused', async () => {
    const closed = await closedPortUrl();
    const { lines, logger } = capturingLogger();
    const id = await getAwsUniqueId(loopback({ ec2Endpoint: closed, ecsV2Endpoint: closed, logger }));
    expect(id).toBeUndefined();
    expect(JSON.stringify(lines)).toContain('ECONNREFUSED');
  });

  it('resolves undefined once timeoutMs has passed when nothing answers (fake clock)', async () => {
    const silent = await fake({ hang: true });
    const arrived = new Promise<void>((resolve) => silent.server.on('request', () => resolve()));
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    let settled = false;
    const pending = getAwsUniqueId(
      loopback({ ec2Endpoint: silent.url, ecsV2Endpoint: silent.url, timeoutMs: 1000 }),
    ).then((id) => {
      settled = true;
      return id;
    });
    await arrived;
    await vi.advanceTimersByTimeAsync(999);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await pending).toBeUndefined();
    expect(settled).toBe(true);
  });

  it('resolves undefined within the timeout when the server never answers', async () => {
    const silent = await fake({ hang: true });
    const { lines, logger } = capturingLogger();
    const id = await getAwsUniqueId(
      loopback({
        ec2Endpoint: silent.url,
        ecsV2Endpoint: silent.url,
        ecsMetadataUri: silent.url,
        timeoutMs: 300,
        logger,
      }),
    );
    expect(id).toBeUndefined();
    expect(silent.requests.length).toBeGreaterThan(0);
    expect(JSON.stringify(lines)).toContain('no answer within');
  });

  it('resolves undefined for an endpoint of an unsupported protocol, without throwing', async () => {
    const nothing = await fake({});
    const id = await getAwsUniqueId(
      loopback({ ec2Endpoint: nothing.url, ecsV2Endpoint: nothing.url, ecsMetadataUri: 'ftp://127.0.0.1:1' }),
    );
    expect(id).toBeUndefined();
  });
});

describe('never throws', () => {
  it('resolves undefined for options it cannot use, and takes the defaults for endpoints that are not strings', async () => {
    await expect(getAwsUniqueId(null as unknown as AwsUniqueIdOptions)).resolves.toBeUndefined();
    const hostile = {
      get timeoutMs(): number {
        throw new Error('hostile getter');
      },
    };
    await expect(getAwsUniqueId(hostile)).resolves.toBeUndefined();
    const { lines, logger } = capturingLogger();
    const odd = { ec2Endpoint: 42, ecsV2Endpoint: {}, ecsMetadataUri: '::not a url::', logger } as never;
    await expect(getAwsUniqueId(odd)).resolves.toBeUndefined();
    expect(blockedHosts).toContain('169.254.169.254');
    expect(JSON.stringify(lines)).toContain('Invalid URL');
  });

  it('resolves undefined when a request cannot even be made (a token no header can carry), leaving no timer', async () => {
    const ec2 = await fake({ ec2: 'imdsv2-required', token: 'abc\ndef' });
    const ecs = await fake({ ecsV2Status: 400 });
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { lines, logger } = capturingLogger();
    const id = await getAwsUniqueId(loopback({ ec2Endpoint: ec2.url, ecsV2Endpoint: ecs.url, logger }));
    expect(id).toBeUndefined();
    expect(JSON.stringify(lines)).toContain('Invalid character in header content');
    // Every deadline timer was cleared: none is left to fire into a request that never existed.
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('behaviour', () => {
  it('never goes through a proxy, even when HTTP_PROXY is set', async () => {
    const proxied: string[] = [];
    const proxy = createServer((req, res) => {
      proxied.push(req.url ?? '');
      res.writeHead(502).end();
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
      process.env.HTTP_PROXY = proxyUrl;
      process.env.http_proxy = proxyUrl;
      const ec2 = await fake({ ec2: 'imdsv2-required' });
      const ecs = await fake({ ecsV2Status: 400 });
      expect(await getAwsUniqueId(loopback({ ec2Endpoint: ec2.url, ecsV2Endpoint: ecs.url }))).toBe(EC2_ID);
      expect(proxied).toEqual([]);
      expect(ec2.requests).toHaveLength(2);
    } finally {
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    }
  });

  it('caches the result per set of options', async () => {
    const ec2 = await fake({ ec2: 'imdsv2-optional' });
    const ecs = await fake({ ecsV2Status: 400 });
    const options = loopback({ ec2Endpoint: ec2.url, ecsV2Endpoint: ecs.url });
    const [first, second] = await Promise.all([getAwsUniqueId(options), getAwsUniqueId({ ...options })]);
    expect(first).toBe(EC2_ID);
    expect(second).toBe(EC2_ID);
    expect(await getAwsUniqueId({ ...options, logger: capturingLogger().logger })).toBe(EC2_ID);
    expect(ec2.requests).toHaveLength(2);

    expect(await getAwsUniqueId({ ...options, timeoutMs: 1500 })).toBe(EC2_ID);
    expect(ec2.requests).toHaveLength(4);

    clearAwsUniqueIdCache();
    expect(await getAwsUniqueId(options)).toBe(EC2_ID);
    expect(ec2.requests).toHaveLength(6);
  });

  it('caches a negative result too', async () => {
    const nothing = await fake({});
    const options = loopback({ ec2Endpoint: nothing.url, ecsV2Endpoint: nothing.url });
    expect(await getAwsUniqueId(options)).toBeUndefined();
    const asked = nothing.requests.length;
    expect(await getAwsUniqueId(options)).toBeUndefined();
    expect(nothing.requests).toHaveLength(asked);
  });

  it('stops on abort, resolves undefined and does not cache the aborted lookup', async () => {
    const silent = await fake({ hang: true });
    const options = loopback({ ec2Endpoint: silent.url, ecsV2Endpoint: silent.url, timeoutMs: 5000 });
    const controller = new AbortController();
    const pending = getAwsUniqueId({ ...options, signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    expect(await pending).toBeUndefined();
    expect(await getAwsUniqueId({ ...options, signal: AbortSignal.abort() })).toBeUndefined();

    const ec2 = await fake({ ec2: 'imdsv2-optional' });
    const ecs = await fake({ ecsV2Status: 400 });
    const live = loopback({ ec2Endpoint: ec2.url, ecsV2Endpoint: ecs.url });
    const controller2 = new AbortController();
    controller2.abort();
    expect(await getAwsUniqueId({ ...live, signal: controller2.signal })).toBeUndefined();
    expect(await getAwsUniqueId(live)).toBe(EC2_ID);
  });

  it('uses defaults for out-of-range options instead of throwing', async () => {
    const ec2 = await fake({ ec2: 'imdsv2-required' });
    const ecs = await fake({ ecsV2Status: 400 });
    const id = await getAwsUniqueId(
      loopback({ ec2Endpoint: ec2.url, ecsV2Endpoint: ecs.url, timeoutMs: -5, imdsTokenTtlSeconds: 99_999 }),
    );
    expect(id).toBe(EC2_ID);
    expect(ec2.requests[0]?.headers['x-aws-ec2-metadata-token-ttl-seconds']).toBe('60');
  });
});
