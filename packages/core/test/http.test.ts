import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AbortError,
  AuthError,
  ClosedError,
  ConnectionError,
  HttpClient,
  HttpError,
  type Logger,
  NotFoundError,
  RateLimitError,
  SfxError,
  TimeoutError,
} from '../src/index.js';
import { startConnectProxy, startServer, type TestServer } from './servers.js';

const TOKEN = 'sekret-token-value-123';
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

async function server(handler: Parameters<typeof startServer>[0]): Promise<TestServer> {
  const s = await startServer(handler);
  cleanups.push(() => s.close());
  return s;
}

function client(baseUrl: string, extra: Partial<ConstructorParameters<typeof HttpClient>[0]> = {}): HttpClient {
  const c = new HttpClient({
    baseUrl,
    token: TOKEN,
    retry: { initialDelayMs: 1, maxDelayMs: 5 },
    product: { name: '@sfx/test', version: '9.9.9' },
    ...extra,
  });
  cleanups.push(() => c.close());
  return c;
}

function capturingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const log = (fields: object | string, message?: string) => lines.push(JSON.stringify([fields, message]));
  return { lines, debug: log, info: log, warn: log, error: log };
}

describe('HttpClient', () => {
  it('sends the token, a User-Agent naming package, core and Node, and parses JSON', async () => {
    const s = await server((_req, res) => res.end('{"ok":true}'));
    const response = await client(s.url).request({
      method: 'GET',
      path: '/v2/x',
      query: { q: 'a b&c', skip: undefined },
    });
    expect(response.json()).toEqual({ ok: true });
    const seen = s.requests[0]!;
    expect(seen.headers['x-sf-token']).toBe(TOKEN);
    expect(seen.headers['user-agent']).toMatch(/^@sfx\/test\/9\.9\.9 @sfx\/core\/\d+\.\d+\.\d+ node\/v\d+/);
    expect(seen.url).toBe('/v2/x?q=a+b%26c');
  });

  it('reuses keep-alive connections for sequential requests', async () => {
    const s = await server((_req, res) => res.end('ok'));
    const c = client(s.url);
    for (let i = 0; i < 10; i++) await c.request({ method: 'GET', path: `/${i}` });
    // The pool may open a second socket while the first finishes its response, but sockets are reused.
    expect(new Set(s.requests.map((r) => r.remotePort)).size).toBeLessThan(s.requests.length / 2);
    expect(s.requests[0]!.headers.connection).not.toBe('close');
  });

  it('retries a 503 and succeeds on the next attempt', async () => {
    const s = await server((_req, res, i) => {
      if (i === 0) res.writeHead(503).end('busy');
      else res.end('"OK"');
    });
    const retries: number[] = [];
    const response = await client(s.url).request({
      method: 'POST',
      path: '/v2/datapoint',
      body: 'x',
      idempotent: true,
      onRetry: (info) => retries.push(info.attempt),
    });
    expect(response.text()).toBe('"OK"');
    expect(response.attempts).toBe(2);
    expect(retries).toEqual([1]);
    expect(s.requests).toHaveLength(2);
  });

  it('honours Retry-After on 429: waits the server-given second', async () => {
    const s = await server((_req, res, i) => {
      if (i === 0) res.writeHead(429, { 'retry-after': '1' }).end();
      else res.end('{}');
    });
    const delays: number[] = [];
    const started = Date.now();
    await client(s.url).request({ method: 'GET', path: '/', onRetry: (info) => delays.push(info.delayMs) });
    expect(delays).toEqual([1000]);
    // The wait really happened (lower bound only: the machine may be slow, never fast).
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('gives up on 429 when Retry-After exceeds the elapsed budget, with a RateLimitError', async () => {
    const s = await server((_req, res) => res.writeHead(429, { 'retry-after': '120' }).end());
    const error = await client(s.url)
      .request({ method: 'GET', path: '/' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfterMs).toBe(120_000);
    expect((error as RateLimitError).code).toBe('SFX_ERR_RATE_LIMIT');
    expect(s.requests).toHaveLength(1);
  });

  it('does not retry a 400 and reports an HttpError with a body excerpt and request id', async () => {
    const s = await server((_req, res) =>
      res.writeHead(400, { 'x-request-id': 'req-42' }).end(`{"message":"bad metric name","echo":"${TOKEN}"}`),
    );
    const error = (await client(s.url)
      .request({ method: 'GET', path: '/bad' })
      .catch((e: unknown) => e)) as HttpError;
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toBeInstanceOf(SfxError);
    expect(error.status).toBe(400);
    expect(error.code).toBe('SFX_ERR_HTTP');
    expect(error.body).toContain('bad metric name');
    expect(error.requestId).toBe('req-42');
    expect(error.message).toContain('HTTP 400');
    expect(error.message).not.toContain(TOKEN);
    expect(error.body).not.toContain(TOKEN);
    expect(s.requests).toHaveLength(1);
  });

  it('does not retry a non-idempotent POST on 503', async () => {
    const s = await server((_req, res) => res.writeHead(503).end());
    const error = await client(s.url)
      .request({ method: 'POST', path: '/v2/detector', json: {} })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect(s.requests).toHaveLength(1);
  });

  it('stops after maxAttempts on repeated 502', async () => {
    const s = await server((_req, res) => res.writeHead(502).end());
    const error = await client(s.url, { retry: { maxAttempts: 3, initialDelayMs: 1 } })
      .request({ method: 'GET', path: '/' })
      .catch((e: unknown) => e);
    expect((error as HttpError).status).toBe(502);
    expect(s.requests).toHaveLength(3);
  });

  it('maps 401 and 403 to AuthError and 404 to NotFoundError, none retried', async () => {
    const s = await server((req, res) => res.writeHead(Number(req.url?.slice(1))).end());
    const c = client(s.url);
    for (const [status, type] of [
      [401, AuthError],
      [403, AuthError],
      [404, NotFoundError],
    ] as const) {
      const error = await c.request({ method: 'GET', path: `/${status}` }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(type);
      expect((error as HttpError).status).toBe(status);
    }
    expect(s.requests).toHaveLength(3);
  });

  it('accepts listed statuses without throwing', async () => {
    const s = await server((_req, res) => res.writeHead(404).end());
    const response = await client(s.url).request({ method: 'DELETE', path: '/x', acceptStatus: [404] });
    expect(response.status).toBe(404);
  });

  it('times out a slow response with TimeoutError, then retries it', async () => {
    const s = await server((_req, res, i) => {
      if (i === 0) setTimeout(() => res.end('late'), 2_000);
      else res.end('fast');
    });
    const response = await client(s.url, { timeoutMs: 200 }).request({ method: 'GET', path: '/' });
    expect(response.text()).toBe('fast');
    expect(response.attempts).toBe(2);
  });

  it('raises TimeoutError when every attempt times out', async () => {
    const s = await server((_req, res) => setTimeout(() => res.end('late'), 1_500));
    const error = await client(s.url, { timeoutMs: 100, retry: false })
      .request({ method: 'GET', path: '/' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).code).toBe('SFX_ERR_TIMEOUT');
  });

  it('aborts a request in flight with AbortError and makes no further attempt', async () => {
    const s = await server((_req, res) => setTimeout(() => res.end('late'), 1_500));
    const controller = new AbortController();
    const pending = client(s.url).request({ method: 'GET', path: '/', signal: controller.signal });
    setTimeout(() => controller.abort(new Error('user gave up')), 50);
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
    expect((error as AbortError).reason).toBeInstanceOf(Error);
    expect(s.requests).toHaveLength(1);
  });

  it('aborts during the backoff wait', async () => {
    const s = await server((_req, res) => res.writeHead(503).end());
    const controller = new AbortController();
    const pending = client(s.url, { retry: { initialDelayMs: 5_000, maxDelayMs: 5_000 } }).request({
      method: 'GET',
      path: '/',
      signal: controller.signal,
      onRetry: () => controller.abort(),
    });
    // Full jitter may draw a zero wait; either way the request ends aborted.
    await expect(pending).rejects.toBeInstanceOf(AbortError);
    expect(s.requests.length).toBeLessThanOrEqual(2);
  });

  it('gzips request bodies and gunzips gzip responses', async () => {
    const { gzipSync } = await import('node:zlib');
    const payload = JSON.stringify({ values: Array.from({ length: 200 }, (_, i) => i) });
    const s = await server((req, res) => {
      res.writeHead(200, { 'content-encoding': 'gzip' }).end(gzipSync(req.body));
    });
    const response = await client(s.url).request({ method: 'POST', path: '/echo', body: payload, gzip: true });
    expect(s.requests[0]!.headers['content-encoding']).toBe('gzip');
    expect(s.requests[0]!.body.toString()).toBe(payload);
    expect(response.text()).toBe(payload);
  });

  it('reports a refused connection as ConnectionError after retries', async () => {
    const s = await server((_req, res) => res.end());
    const url = s.url;
    await s.close();
    cleanups.pop();
    const error = await client(url, { retry: { maxAttempts: 2, initialDelayMs: 1 } })
      .request({ method: 'GET', path: '/' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as ConnectionError).cause).toBeDefined();
  });

  it('goes through an HTTP CONNECT proxy given as an option', async () => {
    const s = await server((_req, res) => res.end('via proxy'));
    const proxy = await startConnectProxy();
    cleanups.push(() => proxy.close());
    const c = client(s.url, { proxy: proxy.url });
    const response = await c.request({ method: 'GET', path: '/' });
    expect(response.text()).toBe('via proxy');
    expect(proxy.tunnels).toEqual([new URL(s.url).host]);
    expect(c.proxyFor(s.url)).toBe(`${proxy.url}/`);
  });

  it('goes through HTTP_PROXY from the environment, and not for NO_PROXY hosts', async () => {
    const s = await server((req, res) => res.end(`host ${req.headers.host}`));
    const proxy = await startConnectProxy();
    cleanups.push(() => proxy.close());
    const saved = { HTTP_PROXY: process.env.HTTP_PROXY, NO_PROXY: process.env.NO_PROXY };
    process.env.HTTP_PROXY = proxy.url;
    process.env.NO_PROXY = 'direct.sfx.test';
    cleanups.push(async () => {
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    });
    const port = new URL(s.url).port;
    const c = client(`http://ingest.sfx.test:${port}`);
    const response = await c.request({ method: 'GET', path: '/' });
    expect(response.text()).toBe(`host ingest.sfx.test:${port}`);
    expect(proxy.tunnels).toEqual([`ingest.sfx.test:${port}`]);
    expect(c.proxyFor(`http://direct.sfx.test:${port}`)).toBeUndefined();
    expect(c.proxyFor(s.url)).toBeUndefined();
  });

  it('keeps the token out of error and debug log lines of a failing request', async () => {
    const s = await server((_req, res) => res.writeHead(500).end(`token was ${TOKEN}`));
    const logger = capturingLogger();
    const error = (await client(s.url, { logger, retry: false })
      .request({ method: 'GET', path: `/v2/x?token=${TOKEN}` })
      .catch((e: unknown) => e)) as HttpError;
    expect(logger.lines.length).toBeGreaterThan(0);
    for (const line of logger.lines) expect(line).not.toContain(TOKEN);
    expect(
      JSON.stringify({ message: error.message, url: error.url, body: error.body, stack: error.stack }),
    ).not.toContain(TOKEN);
    expect(error.message).toContain('[REDACTED]');
  });

  it('rejects requests after close with ClosedError', async () => {
    const s = await server((_req, res) => res.end());
    const c = client(s.url);
    await c.close();
    await expect(c.request({ method: 'GET', path: '/' })).rejects.toBeInstanceOf(ClosedError);
  });

  it('a request waiting to retry when the client closes ends at once with ClosedError, with no new attempt', async () => {
    // A long Retry-After: the wait must end with close(), not hold the process for a minute.
    const s = await server((_req, res) => res.writeHead(503, { 'retry-after': '60' }).end());
    const c = client(s.url, { retry: { maxAttempts: 3, maxElapsedMs: 120_000 } });
    let closed: Promise<void> | undefined;
    const pending = c.request({
      method: 'GET',
      path: '/',
      onRetry: () => {
        closed = c.close();
      },
    });
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClosedError);
    await closed;
    expect(s.requests).toHaveLength(1);
  });

  it('rejects a non-positive timeout', () => {
    expect(() => new HttpClient({ baseUrl: 'http://127.0.0.1:1', timeoutMs: 0 })).toThrow(/timeoutMs/);
  });
});

describe('HttpClient over TLS', () => {
  const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));

  async function tlsServer(): Promise<{ url: string; close(): Promise<void> }> {
    const server = createHttpsServer(
      { key: fixture('loopback-key.pem'), cert: fixture('loopback-cert.pem') },
      (_req, res) => res.end('secure'),
    );
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return {
      url,
      close: () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    };
  }

  it('verifies certificates: an unknown CA fails, the extra CA option makes it trusted', async () => {
    const s = await tlsServer();
    cleanups.push(() => s.close());
    const untrusted = await client(s.url, { retry: false })
      .request({ method: 'GET', path: '/' })
      .catch((e: unknown) => e);
    expect(untrusted).toBeInstanceOf(ConnectionError);
    const trusted = await client(s.url, { ca: fixture('loopback-cert.pem') }).request({ method: 'GET', path: '/' });
    expect(trusted.text()).toBe('secure');
  });
});
