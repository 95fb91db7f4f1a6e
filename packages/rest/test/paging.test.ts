import { AbortError, ValidationError } from '@sfx/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Metric, RestClient } from '../src/index.js';
import { envelopePage, type Recorder, startRecorder } from './recorder.js';

describe('list() paging', () => {
  let server: Recorder;
  let rest: RestClient;

  beforeAll(async () => {
    server = await startRecorder();
    rest = new RestClient({ token: 'paging-token', endpoint: server.url, retry: false });
  });
  afterAll(async () => {
    await rest.close();
    await server.close();
  });
  beforeEach(() => {
    server.requests.length = 0;
  });

  it('walks three pages and stops at the short last one', async () => {
    server.handle((req) => envelopePage(req, 250, (i) => ({ name: `m${i}` })));
    const names: string[] = [];
    for await (const metric of rest.metrics.list({ query: 'name:m*' })) names.push(metric.name);
    expect(names).toHaveLength(250);
    expect(names[0]).toBe('m0');
    expect(names[249]).toBe('m249');
    expect(new Set(names).size).toBe(250);
    expect(server.requests.map((r) => [r.query.get('offset'), r.query.get('limit'), r.query.get('query')])).toEqual([
      ['0', '100', 'name:m*'],
      ['100', '100', 'name:m*'],
      ['200', '100', 'name:m*'],
    ]);
  });

  it('stops at count without asking for an empty page', async () => {
    server.handle((req) => envelopePage(req, 30, (i) => ({ id: `C${i}`, name: `chart ${i}` })));
    const ids: string[] = [];
    for await (const chart of rest.charts.list({ limit: 10, name: 'chart' })) ids.push(chart.id);
    expect(ids).toHaveLength(30);
    expect(server.requests.map((r) => r.query.get('offset'))).toEqual(['0', '10', '20']);
  });

  it('starts at the given offset', async () => {
    server.handle((req) => envelopePage(req, 25, (i) => ({ name: `t${i}` })));
    const names: string[] = [];
    for await (const tag of rest.tags.list({ offset: 20, limit: 3 })) names.push(tag.name);
    expect(names).toEqual(['t20', 't21', 't22', 't23', 't24']);
    expect(server.requests.map((r) => r.query.get('offset'))).toEqual(['20', '23']);
  });

  it('stops at the 10,000-object ceiling even if the server keeps sending full pages', async () => {
    const results = Array.from({ length: 1000 }, (_, i) => ({ name: `m${i}` }));
    server.handle(() => ({ body: { count: 50_000, results } }));
    let seen = 0;
    for await (const _metric of rest.metrics.list({ limit: 1000 })) seen++;
    expect(seen).toBe(10_000);
    expect(server.requests).toHaveLength(10);
    expect(server.requests.at(-1)!.query.get('offset')).toBe('9000');
  });

  it('shrinks the last page so it ends at the ceiling', async () => {
    server.handle((req) => envelopePage(req, 20_000, (i) => ({ name: `m${i}` })));
    let seen = 0;
    for await (const _metric of rest.metrics.list({ offset: 9_950, limit: 100 })) seen++;
    expect(seen).toBe(50);
    expect(server.requests.map((r) => [r.query.get('offset'), r.query.get('limit')])).toEqual([['9950', '50']]);
  });

  it('pages a bare-array endpoint until a short page', async () => {
    server.handle((req) => {
      const offset = Number(req.query.get('offset'));
      const limit = Number(req.query.get('limit'));
      const total = 5;
      return {
        body: Array.from({ length: Math.max(0, Math.min(limit, total - offset)) }, (_, i) => ({
          incidentId: `I${offset + i}`,
        })),
      };
    });
    const ids: string[] = [];
    for await (const incident of rest.incidents.list({ limit: 2, includeResolved: true }))
      ids.push(incident.incidentId);
    expect(ids).toEqual(['I0', 'I1', 'I2', 'I3', 'I4']);
    expect(server.requests.map((r) => r.query.get('offset'))).toEqual(['0', '2', '4']);
    expect(server.requests.every((r) => r.query.get('includeResolved') === 'true')).toBe(true);
  });

  it('sends nothing until iterated, and nothing more after a break', async () => {
    server.handle((req) => envelopePage(req, 1000, (i) => ({ name: `m${i}` })));
    const iterator = rest.metrics.list({ limit: 10 });
    expect(server.requests).toHaveLength(0);
    for await (const metric of iterator) {
      if (metric.name === 'm3') break;
    }
    expect(server.requests).toHaveLength(1);
  });

  it('stops with AbortError when the signal fires between pages', async () => {
    server.handle((req) => envelopePage(req, 1000, (i) => ({ name: `m${i}` })));
    const controller = new AbortController();
    const seen: Metric[] = [];
    const run = async () => {
      for await (const metric of rest.metrics.list({ limit: 5 }, { signal: controller.signal })) {
        seen.push(metric);
        if (seen.length === 7) controller.abort(new Error('enough'));
      }
    };
    const error = await run().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AbortError);
    expect((error as AbortError).reason).toEqual(new Error('enough'));
    expect(seen).toHaveLength(7);
    expect(server.requests).toHaveLength(2);
  });

  it('aborts a page request in flight without waiting for the server', async () => {
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    server.handle((req) => ({
      ...envelopePage(req, 1000, (i) => ({ name: `m${i}` })),
      ...(req.query.get('offset') === '0' ? {} : { hold: held }),
    }));
    const controller = new AbortController();
    const seen: Metric[] = [];
    const outcome = (async () => {
      for await (const metric of rest.metrics.list({ limit: 5 }, { signal: controller.signal })) seen.push(metric);
    })().then(
      () => undefined,
      (e: unknown) => e,
    );
    try {
      for (let i = 0; i < 400 && server.requests.length < 2; i++) await new Promise((r) => setTimeout(r, 5));
      expect(server.requests).toHaveLength(2);
      // The server holds the second page until the test ends: only the abort can end the iteration.
      controller.abort(new Error('user left'));
      const error = await outcome;
      expect(error).toBeInstanceOf(AbortError);
      expect((error as AbortError).reason).toEqual(new Error('user left'));
      expect(seen).toHaveLength(5);
    } finally {
      release();
    }
  });

  it('does not start when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const iterator = rest.detectors.list(undefined, { signal: controller.signal });
    await expect(iterator.next()).rejects.toBeInstanceOf(AbortError);
    expect(server.requests).toHaveLength(0);
  });

  it('refuses a page size outside 1..1000', async () => {
    await expect(rest.metrics.list({ limit: 0 }).next()).rejects.toBeInstanceOf(ValidationError);
    await expect(rest.metrics.search({ limit: 1001 })).rejects.toMatchObject({ field: 'limit' });
    await expect(rest.metrics.search({ offset: -1 })).rejects.toMatchObject({ field: 'offset' });
    await expect(rest.metrics.search({ limit: 2.5 })).rejects.toMatchObject({ field: 'limit' });
    // Like every other check, a bad argument surfaces when iterating, never as a throw from list() itself.
    const listing = rest.charts.list('name:cpu' as never);
    await expect(listing.next()).rejects.toMatchObject({ field: 'params' });
    expect(server.requests).toHaveLength(0);
  });

  it('rejects a search answer that is not an envelope', async () => {
    server.handle(() => ({ body: [{ name: 'm' }] }));
    await expect(rest.metrics.search()).rejects.toThrow(/not a \{count, results\} envelope/);
    server.handle(() => ({ body: { count: 1 } }));
    await expect(rest.incidents.search()).rejects.toThrow(/not a JSON array/);
  });
});
