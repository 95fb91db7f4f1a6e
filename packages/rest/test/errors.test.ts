import { AuthError, ClosedError, HttpError, NotFoundError, RateLimitError, ValidationError } from '@sfx/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BadRequestError, RestClient, serverMessageOf } from '../src/index.js';
import { type Recorder, startRecorder } from './recorder.js';

const TOKEN = 'secret-token-0123456789';
const FAST_RETRY = { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 5 };

describe('retries and errors', () => {
  let server: Recorder;
  let rest: RestClient;

  beforeAll(async () => {
    server = await startRecorder();
    rest = new RestClient({ token: TOKEN, endpoint: server.url, retry: FAST_RETRY });
  });
  afterAll(async () => {
    await rest.close();
    await server.close();
  });
  beforeEach(() => {
    server.requests.length = 0;
  });

  /** Answers `failures` in order, then `success`. */
  function failThen(failures: Array<{ status: number; headers?: Record<string, string> }>, success: unknown) {
    let calls = 0;
    server.handle(() => {
      const failure = failures[calls++];
      return failure
        ? { status: failure.status, body: { code: failure.status, message: 'busy' }, headers: failure.headers ?? {} }
        : { body: success };
    });
  }

  it('retries a GET after a 503', async () => {
    failThen([{ status: 503 }], { id: 'D1', name: 'd' });
    await expect(rest.detectors.get('D1')).resolves.toMatchObject({ id: 'D1' });
    expect(server.requests.map((r) => r.method)).toEqual(['GET', 'GET']);
  });

  it('retries a GET after a 429 with Retry-After', async () => {
    failThen([{ status: 429, headers: { 'retry-after': '0' } }], { count: 0, results: [] });
    await expect(rest.metrics.search({ query: 'name:x' })).resolves.toEqual({ count: 0, results: [] });
    expect(server.requests).toHaveLength(2);
  });

  it('gives up after maxAttempts with the last error', async () => {
    server.handle(() => ({ status: 429, body: { message: 'slow down' } }));
    await expect(rest.tags.get('t')).rejects.toBeInstanceOf(RateLimitError);
    expect(server.requests).toHaveLength(3);
  });

  it('retries PUT and DELETE, which are idempotent', async () => {
    failThen([{ status: 502 }], { name: 't' });
    await rest.tags.update('t', { description: 'd' });
    expect(server.requests.map((r) => r.method)).toEqual(['PUT', 'PUT']);
    server.requests.length = 0;
    failThen([{ status: 504 }], '');
    await expect(rest.charts.delete('C1')).resolves.toBe(true);
    expect(server.requests.map((r) => r.method)).toEqual(['DELETE', 'DELETE']);
  });

  it('does not retry a POST that creates', async () => {
    failThen([{ status: 503 }], { id: 'D1' });
    const error = await rest.detectors.create({ name: 'd', programText: 'x', rules: [] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect((error as HttpError).status).toBe(503);
    expect(server.requests).toHaveLength(1);
  });

  it('does not retry a POST that hits a 429', async () => {
    failThen([{ status: 429, headers: { 'retry-after': '0' } }], { id: 'M1' });
    await expect(rest.alertMutingRules.create({ description: 'x' })).rejects.toBeInstanceOf(RateLimitError);
    expect(server.requests).toHaveLength(1);
  });

  it('retries validation, a POST without side effects', async () => {
    failThen([{ status: 503 }], '');
    await rest.detectors.validate({ name: 'd', programText: 'x', rules: [] });
    expect(server.requests.map((r) => r.rawPath)).toEqual(['/v2/detector/validate', '/v2/detector/validate']);
  });

  const retryPolicy: Array<[string, (r: RestClient) => Promise<unknown>, boolean]> = [
    ['teams.linkDetector', (r) => r.teams.linkDetector('T1', 'D1'), true],
    ['teams.unlinkDashboardGroup', (r) => r.teams.unlinkDashboardGroup('T1', 'G1'), true],
    ['incidents.clear', (r) => r.incidents.clear('I1'), true],
    ['detectors.enable', (r) => r.detectors.enable('D1', ['high']), true],
    ['detectors.events', (r) => r.detectors.events('D1'), true],
    ['alertMutingRules.unmute', (r) => r.alertMutingRules.unmute('M1'), true],
    ['dashboards.validate', (r) => r.dashboards.validate({ name: 'd' }), true],
    ['charts.create', (r) => r.charts.create({ name: 'c' }), false],
    ['orgTokens.rotate', (r) => r.orgTokens.rotate('ci'), false],
    ['request GET', (r) => r.request('GET', '/v2/slo/S1'), true],
    ['request POST', (r) => r.request('POST', '/v2/slo', { body: {} }), false],
    ['request POST marked idempotent', (r) => r.request('POST', '/v2/slo/validate', { idempotent: true }), true],
  ];

  it.each(retryPolicy)('%s after a 503: retried = %s', async (_name, call, retried) => {
    failThen([{ status: 503 }], []);
    const outcome = await call(rest).then(
      () => 'resolved',
      (e: unknown) => e,
    );
    if (retried) expect(outcome).toBe('resolved');
    else expect(outcome).toMatchObject({ status: 503 });
    expect(server.requests).toHaveLength(retried ? 2 : 1);
  });

  it('turns a 404 into NotFoundError', async () => {
    server.handle(() => ({ status: 404, body: { code: 404, message: 'Cross link not found' } }));
    const error = await rest.dataLinks.get('nope').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as NotFoundError).code).toBe('SFX_ERR_NOT_FOUND');
    expect((error as NotFoundError).status).toBe(404);
    expect(server.requests).toHaveLength(1);
  });

  it('delete() throws on 404 unless ignoreNotFound', async () => {
    server.handle(() => ({ status: 404, body: { message: 'no such detector' } }));
    await expect(rest.detectors.delete('gone')).rejects.toBeInstanceOf(NotFoundError);
    await expect(rest.detectors.delete('gone', { ignoreNotFound: true })).resolves.toBe(false);
    await expect(rest.tags.delete('gone', { ignoreNotFound: true })).resolves.toBe(false);
    server.handle(() => ({ status: 204 }));
    await expect(rest.detectors.delete('there', { ignoreNotFound: true })).resolves.toBe(true);
  });

  it('ignoreNotFound does not hide other errors', async () => {
    server.handle(() => ({ status: 403, body: { message: 'forbidden' } }));
    await expect(rest.teams.delete('T1', { ignoreNotFound: true })).rejects.toBeInstanceOf(AuthError);
  });

  it('reports the server message of a 400 from detectors.validate', async () => {
    const message = `Unexpected token at line 3: "detect(when(data('cpu') >" ${'x'.repeat(700)}`;
    server.handle(() => ({ status: 400, body: { code: 400, message } }));
    const error = await rest.detectors.validate({ name: 'd', programText: 'bad', rules: [] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error).toBeInstanceOf(HttpError);
    const bad = error as BadRequestError;
    expect(bad.code).toBe('SFX_ERR_BAD_REQUEST');
    expect(bad.status).toBe(400);
    expect(bad.serverMessage).toBe(message);
    expect(bad.message).toContain(message);
    expect(bad.message).toContain('POST');
    expect(server.requests).toHaveLength(1);
  });

  it('reads the message from the other error shapes', () => {
    expect(serverMessageOf('{"error":{"code":400,"message":"limit can\'t be negative"}}')).toBe(
      "limit can't be negative",
    );
    expect(serverMessageOf('{"type":"error","status":400,"message":"bad"}')).toBe('bad');
    expect(serverMessageOf('{"errors":[{"message":"a"},{"message":"b"}]}')).toBe('a; b');
    expect(serverMessageOf('plain text')).toBe('plain text');
    expect(serverMessageOf('{"code":400}')).toBe('{"code":400}');
    expect(serverMessageOf('')).toBeUndefined();
  });

  it('logs every failing request at debug, those turned into BadRequestError too, without the token', async () => {
    const lines: Array<{ fields: Record<string, unknown>; message: string }> = [];
    const logger = {
      debug: (fields: object | string, message?: string) =>
        lines.push({ fields: fields as Record<string, unknown>, message: message ?? String(fields) }),
    };
    const logged = new RestClient({ token: TOKEN, endpoint: server.url, retry: FAST_RETRY, logger });
    try {
      server.handle(() => ({ status: 400, body: { code: 400, message: `no such metric in ${TOKEN}` } }));
      await expect(logged.detectors.validate({ name: 'd', programText: 'x', rules: [] })).rejects.toBeInstanceOf(
        BadRequestError,
      );
      server.handle(() => ({ status: 422, body: { message: 'unprocessable' } }));
      await expect(logged.charts.create({ name: 'c' })).rejects.toBeInstanceOf(BadRequestError);
      server.handle(() => ({ status: 404, body: { message: 'gone' } }));
      await expect(logged.charts.delete('C1', { ignoreNotFound: true })).resolves.toBe(false);
      await expect(logged.charts.get('C1')).rejects.toBeInstanceOf(NotFoundError);
      failThen([{ status: 503 }], { name: 't' });
      await logged.tags.get('t');
    } finally {
      await logged.close();
    }
    expect(lines.map((line) => line.message)).toEqual([
      expect.stringMatching(/^POST http:.*\/v2\/detector\/validate attempt 1 failed: .*HTTP 400: no such metric/),
      expect.stringMatching(/^POST http:.*\/v2\/chart attempt 1 failed: .*HTTP 422: unprocessable/),
      expect.stringMatching(/^DELETE http:.*\/v2\/chart\/C1 answered 404, ignored/),
      expect.stringMatching(/^GET http:.*\/v2\/chart\/C1 attempt 1 failed: .*HTTP 404/),
      expect.stringMatching(/^GET http:.*\/v2\/tag\/t attempt 1 failed: .*HTTP 503/),
    ]);
    expect(lines[0]!.fields).toMatchObject({ method: 'POST', attempt: 1, status: 400, code: 'SFX_ERR_BAD_REQUEST' });
    expect(JSON.stringify(lines)).not.toContain(TOKEN);
  });

  it('resolves void calls whatever 2xx body comes back, JSON or not', async () => {
    server.handle(() => ({ status: 200, body: 'OK', headers: { 'content-type': 'text/plain' } }));
    await expect(rest.charts.delete('C1')).resolves.toBe(true);
    await expect(rest.incidents.clear('I1')).resolves.toBeUndefined();
    await expect(rest.detectors.validate({ name: 'd', programText: 'x', rules: [] })).resolves.toBeUndefined();
    await expect(rest.alertMutingRules.unmute('M1')).resolves.toBeUndefined();
    await expect(rest.teams.linkDetector('T1', 'D1')).resolves.toBeUndefined();
    // Where the answer is the result, a body that is not JSON is an error.
    await expect(rest.charts.get('C1')).rejects.toThrow(/not JSON/);
  });

  it('refuses a body or parameters of the wrong shape before sending anything', async () => {
    const loose = rest as unknown as {
      charts: { create(body: unknown): Promise<unknown>; search(params: unknown): Promise<unknown> };
      metrics: { update(name: string, body: unknown): Promise<unknown> };
      detectors: { enable(id: string, labels: unknown): Promise<unknown> };
    };
    await expect(loose.charts.create(null)).rejects.toMatchObject({ code: 'SFX_ERR_VALIDATION', field: 'body' });
    await expect(loose.charts.create([{ name: 'c' }])).rejects.toMatchObject({ field: 'body' });
    await expect(loose.metrics.update('m', undefined)).rejects.toMatchObject({ field: 'body' });
    await expect(loose.detectors.enable('D1', 'cpu')).rejects.toMatchObject({ field: 'detectLabels' });
    await expect(loose.charts.search('name:cpu')).rejects.toMatchObject({ field: 'params' });
    expect(server.requests).toHaveLength(0);
  });

  it('turns 401 into AuthError and never shows the token', async () => {
    server.handle(() => ({ status: 401, body: { code: 401, message: `token ${TOKEN} is unknown` } }));
    const error = (await rest.organization.get().catch((e: unknown) => e)) as AuthError;
    expect(error).toBeInstanceOf(AuthError);
    expect(error.message).not.toContain(TOKEN);
    expect(JSON.stringify({ ...error, message: error.message })).not.toContain(TOKEN);
    server.handle(() => ({ status: 400, body: { message: `bad ${TOKEN}` } }));
    const bad = (await rest.charts.validate({}).catch((e: unknown) => e)) as BadRequestError;
    expect(bad).toBeInstanceOf(BadRequestError);
    expect(bad.message).not.toContain(TOKEN);
    expect(bad.serverMessage).not.toContain(TOKEN);
  });

  it('needs a token', () => {
    const saved = process.env.SFX_TOKEN;
    delete process.env.SFX_TOKEN;
    try {
      expect(() => new RestClient({ endpoint: server.url })).toThrow(ValidationError);
    } finally {
      if (saved !== undefined) process.env.SFX_TOKEN = saved;
    }
  });

  it('rejects calls after close()', async () => {
    const closing = new RestClient({ token: TOKEN, endpoint: server.url });
    await closing.close();
    await expect(closing.metrics.get('m')).rejects.toBeInstanceOf(ClosedError);
  });

  it('stops retrying when aborted', async () => {
    server.handle(() => ({ status: 503, body: { message: 'down' }, headers: { 'retry-after': '30' } }));
    const slow = new RestClient({
      token: TOKEN,
      endpoint: server.url,
      retry: { maxAttempts: 5, maxElapsedMs: 120_000 },
    });
    try {
      const controller = new AbortController();
      const pending = slow.metrics.get('m', { signal: controller.signal });
      const outcome = pending.catch((e: unknown) => e);
      // Abort once the first attempt has been answered and the client is waiting out Retry-After.
      for (let i = 0; i < 200 && server.requests.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
      controller.abort();
      expect(await outcome).toMatchObject({ code: 'SFX_ERR_ABORTED' });
      expect(server.requests).toHaveLength(1);
    } finally {
      await slow.close();
    }
  });
});
