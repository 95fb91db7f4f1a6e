import { gzipSync } from 'node:zlib';
import { encodeDatapoints, encodeEvents } from '@sfx/ingest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulatorWith } from '../../src/emulator.js';
import { fakeEngine } from '../helpers/fake-engine.js';

// ingest.md §12.1: gauge cpu.load 0.75, cumulative counter requests 42 (host, env), counter delta -1 without timestamp.
const SPEC_VECTOR = Buffer.from(
  '0a2d12086370752e6c6f61641880d095ffbc31220911000000000000e83f2800320d0a04686f737412057765622d31' +
    '0a33120872657175657374731880d095ffbc312202182a2803320d0a04686f737412057765622d31320b0a03656e76' +
    '120470726f640a16120564656c7461220b18ffffffffffffffffff012801',
  'hex',
);
const T0 = 1_700_000_000_000;
const NOW = T0 + 60_000;

let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulatorWith({ tokens: ['dev-token'], now: () => NOW }, fakeEngine());
});
afterAll(() => emulator.close());
beforeEach(() => emulator.store.clear());

function post(path: string, body: Uint8Array | string, headers: Record<string, string> = {}) {
  return fetch(`${emulator.ingestUrl}${path}`, {
    method: 'POST',
    headers: { 'X-SF-Token': 'dev-token', ...headers },
    body,
  });
}

describe('ingest', () => {
  it('accepts the spec protobuf vector and answers 200 "OK" with the quotes', async () => {
    const response = await post('/v2/datapoint', SPEC_VECTOR, { 'Content-Type': 'application/x-protobuf' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(Buffer.from(await response.arrayBuffer()).toString('hex')).toBe('224f4b22');
    const series = emulator.store.allSeries();
    expect(series.map((s) => [s.metric, s.metricType, s.dimensions])).toEqual([
      ['cpu.load', 'gauge', { host: 'web-1' }],
      ['requests', 'cumulative_counter', { host: 'web-1', env: 'prod' }],
      ['delta', 'counter', {}],
    ]);
    expect(series[0]!.points(0, Number.MAX_SAFE_INTEGER)).toEqual([{ timestamp: T0, value: 0.75 }]);
    expect(series[1]!.points(0, Number.MAX_SAFE_INTEGER)).toEqual([{ timestamp: T0, value: 42 }]);
    // No timestamp: stamped with the receive time.
    expect(series[2]!.points(0, Number.MAX_SAFE_INTEGER)).toEqual([{ timestamp: NOW, value: -1 }]);
  });

  it.each([
    ['protobuf', 'application/x-protobuf', false],
    ['protobuf', 'application/x-protobuf', true],
    ['json', 'application/json', false],
    ['json', 'application/json; charset=UTF-8', true],
  ] as const)('stores %s datapoints (%s, gzip %s) under stable MTS ids', async (encoding, contentType, gzip) => {
    const points = [
      { metric: 'cpu', metricType: 'gauge' as const, value: 1.5, timestamp: T0, dimensions: { host: 'a' } },
      { metric: 'cpu', metricType: 'gauge' as const, value: 2, timestamp: T0 + 10_000, dimensions: { host: 'a' } },
      { metric: 'cpu', metricType: 'gauge' as const, value: 7, timestamp: T0, dimensions: { host: 'b' } },
    ];
    const raw = encodeDatapoints(points, encoding);
    const headers: Record<string, string> = { 'Content-Type': contentType };
    if (gzip) headers['Content-Encoding'] = 'gzip';
    const response = await post('/v2/datapoint', gzip ? gzipSync(raw) : raw, headers);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('"OK"');
    const cpu = [...emulator.store.findSeries('cp*')];
    expect(cpu).toHaveLength(2);
    const a = cpu.find((s) => s.dimensions.host === 'a')!;
    expect(a.id).toBe(emulator.store.seriesId('cpu', { host: 'a' }));
    expect(a.id).toMatch(/^[A-Za-z0-9_-]{11}$/);
    expect(a.points(T0, T0 + 10_001)).toEqual([
      { timestamp: T0, value: 1.5 },
      { timestamp: T0 + 10_000, value: 2 },
    ]);
  });

  it('records each accepted request with its sizes and headers', async () => {
    const before = emulator.ingestRequests().length;
    const raw = encodeDatapoints(
      Array.from({ length: 50 }, (_, i) => ({
        metric: 'z',
        metricType: 'gauge' as const,
        value: i,
        timestamp: T0 + i,
      })),
      'protobuf',
    );
    const response = await post('/v2/datapoint', gzipSync(raw), {
      'Content-Type': 'application/x-protobuf',
      'Content-Encoding': 'gzip',
      'User-Agent': 'probe/1.0',
    });
    await response.text();
    const record = emulator.ingestRequests().at(-1)!;
    expect(emulator.ingestRequests()).toHaveLength(before + 1);
    expect(record).toMatchObject({
      path: '/v2/datapoint',
      receivedAt: NOW,
      contentType: 'application/x-protobuf',
      contentEncoding: 'gzip',
      userAgent: 'probe/1.0',
      bodyBytes: raw.length,
      items: 50,
      dropped: 0,
    });
    expect(record.wireBytes).toBeLessThan(record.bodyBytes);
  });

  it('counts every point of a request once, and every dropped one, whatever dropped it', async () => {
    const tooManyDimensions = Object.fromEntries(Array.from({ length: 37 }, (_, i) => [`d${i}`, 'v']));
    const body = JSON.stringify({
      gauge: [
        { metric: 'kept', value: 1, timestamp: T0 },
        { metric: 'wide', value: 2, timestamp: T0, dimensions: tooManyDimensions },
        { metric: 'no-value', value: 'x', timestamp: T0 },
        // Past the default 24 h retention: accepted on the wire, dropped by the store.
        { metric: 'old', value: 3, timestamp: NOW - 25 * 3_600_000 },
      ],
    });
    const response = await post('/v2/datapoint', body, { 'Content-Type': 'application/json' });
    expect(response.status).toBe(200);
    await response.text();
    expect(emulator.ingestRequests().at(-1)).toMatchObject({ items: 4, dropped: 3 });
    expect(emulator.store.stats()).toMatchObject({ points: 1, droppedPoints: 3 });
  });

  it('reads a body without Content-Type as JSON', async () => {
    // A Uint8Array body makes fetch send no Content-Type at all.
    const body = new TextEncoder().encode(JSON.stringify({ gauge: [{ metric: 'm', value: 3, timestamp: T0 }] }));
    const response = await post('/v2/datapoint', body);
    expect(response.status).toBe(200);
    expect(emulator.store.stats().points).toBe(1);
  });

  it('stores events, protobuf and JSON', async () => {
    const events = [
      {
        eventType: 'deploy',
        category: 'USER_DEFINED' as const,
        dimensions: { service: 'api' },
        properties: { version: '1.2.3', canary: true, build: 17 },
        timestamp: T0,
      },
    ];
    for (const encoding of ['protobuf', 'json'] as const) {
      const response = await post('/v2/event', encodeEvents(events, encoding), {
        'Content-Type': encoding === 'json' ? 'application/json' : 'application/x-protobuf',
      });
      expect(response.status).toBe(200);
      expect(await response.text()).toBe('"OK"');
    }
    expect(emulator.store.events()).toEqual([events[0], events[0]]);
  });

  it.each([
    ['no token', {}, 'x', 401],
    ['a wrong token', { 'X-SF-Token': 'nope' }, 'x', 401],
    ['another content type', { 'X-SF-Token': 'dev-token', 'Content-Type': 'text/csv' }, 'x', 400],
    [
      'bad protobuf',
      { 'X-SF-Token': 'dev-token', 'Content-Type': 'application/x-protobuf' },
      '\u00ff\u00ff\u00ff',
      400,
    ],
    ['bad JSON', { 'X-SF-Token': 'dev-token', 'Content-Type': 'application/json' }, '{"gauge":[', 400],
    [
      'bad gzip',
      { 'X-SF-Token': 'dev-token', 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' },
      'not gzip',
      400,
    ],
  ])('refuses %s', async (_name, headers: Record<string, string>, body, status) => {
    const response = await fetch(`${emulator.ingestUrl}/v2/datapoint`, { method: 'POST', headers, body });
    expect(response.status).toBe(status);
    expect((await response.text()).length).toBeGreaterThan(5);
    expect(emulator.store.stats().points).toBe(0);
  });

  it('accepts the token header in any case and refuses GET', async () => {
    const body = new TextEncoder().encode(JSON.stringify({ gauge: [{ metric: 'm', value: 1, timestamp: T0 }] }));
    const ok = await fetch(`${emulator.ingestUrl}/v2/datapoint`, {
      method: 'POST',
      headers: { 'x-sf-TOKEN': 'dev-token' },
      body,
    });
    expect(ok.status).toBe(200);
    const get = await fetch(`${emulator.ingestUrl}/v2/datapoint`, { headers: { 'X-SF-Token': 'dev-token' } });
    expect(get.status).toBe(405);
  });
});

describe('retention', () => {
  it('keeps at most maxPointsPerSeries and drops points older than maxAgeMs', async () => {
    let now = T0;
    const small = await startEmulatorWith(
      { retention: { maxPointsPerSeries: 5, maxAgeMs: 60_000 }, now: () => now },
      fakeEngine(),
    );
    try {
      const points = Array.from({ length: 12 }, (_, i) => ({
        metric: 'm',
        metricType: 'gauge' as const,
        value: i,
        timestamp: T0 - 55_000 + i * 5_000,
      }));
      const response = await fetch(`${small.ingestUrl}/v2/datapoint`, {
        method: 'POST',
        headers: { 'X-SF-Token': 'dev-token', 'Content-Type': 'application/x-protobuf' },
        body: encodeDatapoints(points, 'protobuf'),
      });
      expect(response.status).toBe(200);
      const series = small.store.allSeries()[0]!;
      expect(series.points(0, Number.MAX_SAFE_INTEGER).map((p) => p.value)).toEqual([7, 8, 9, 10, 11]);
      now = T0 + 20_000;
      // Points before now - 60 s (T0 - 40 s) fall out of reads at once and of memory on prune.
      expect(series.points(0, Number.MAX_SAFE_INTEGER).map((p) => p.value)).toEqual([7, 8, 9, 10, 11]);
      now = T0 + 50_001;
      expect(series.points(0, Number.MAX_SAFE_INTEGER).map((p) => p.value)).toEqual([10, 11]);
      (small.store as unknown as { prune(): void }).prune();
      expect(small.store.stats()).toMatchObject({ series: 1, points: 2 });
      const old = await fetch(`${small.ingestUrl}/v2/datapoint`, {
        method: 'POST',
        headers: { 'X-SF-Token': 'dev-token', 'Content-Type': 'application/json' },
        body: JSON.stringify({ gauge: [{ metric: 'm', value: 1, timestamp: T0 - 3_600_000 }] }),
      });
      expect(old.status).toBe(200);
      expect(small.store.stats()).toMatchObject({ points: 2, droppedPoints: 1 });
    } finally {
      await small.close();
    }
  });

  it('drops events older than maxAgeMs at ingest and, whatever their arrival order, on prune', async () => {
    let now = T0;
    const small = await startEmulatorWith({ retention: { maxAgeMs: 60_000 }, now: () => now }, fakeEngine());
    try {
      const event = (eventType: string, timestamp: number) => ({
        eventType,
        category: 'USER_DEFINED' as const,
        dimensions: {},
        properties: {},
        timestamp,
      });
      const send = async (events: Array<ReturnType<typeof event>>) => {
        const response = await fetch(`${small.ingestUrl}/v2/event`, {
          method: 'POST',
          headers: { 'X-SF-Token': 'dev-token', 'Content-Type': 'application/json' },
          body: encodeEvents(events, 'json'),
        });
        expect(response.status).toBe(200);
        await response.text();
      };
      await send([event('too-old', T0 - 61_000), event('recent', T0), event('older', T0 - 50_000)]);
      expect(small.store.events().map((e) => e.eventType)).toEqual(['recent', 'older']);
      expect(small.ingestRequests().at(-1)).toMatchObject({ items: 3, dropped: 1 });
      now = T0 + 20_000; // 'older' is now 70 s old, 'recent' 20 s
      (small.store as unknown as { prune(): void }).prune();
      expect(small.store.events().map((e) => e.eventType)).toEqual(['recent']);
    } finally {
      await small.close();
    }
  });
});

describe('fault injection', () => {
  it('answers the next matching requests with the injected status and headers, then recovers', async () => {
    emulator.injectFault({ path: '/v2/datapoint', status: 429, retryAfterSeconds: 2, throttleType: 'org', times: 2 });
    emulator.injectFault({ path: '/v2/metric', status: 503 });
    const body = new TextEncoder().encode(JSON.stringify({ gauge: [{ metric: 'm', value: 1, timestamp: T0 }] }));
    for (let i = 0; i < 2; i++) {
      const throttled = await post('/v2/datapoint', body);
      expect(throttled.status).toBe(429);
      expect(throttled.headers.get('retry-after')).toBe('2');
      expect(throttled.headers.get('throttle-type')).toBe('org');
      await throttled.text();
    }
    const ok = await post('/v2/datapoint', body);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('"OK"');
    expect(emulator.store.stats().points).toBe(1);
    const metric = await fetch(`${emulator.apiUrl}/v2/metric`, { headers: { 'X-SF-Token': 'dev-token' } });
    expect(metric.status).toBe(503);
    await metric.text();
  });

  it('delays a request, so clients can test their timeouts', async () => {
    emulator.injectFault({ path: '/v2/datapoint', delayMs: 2_000 });
    const body = new TextEncoder().encode(JSON.stringify({ gauge: [{ metric: 'm', value: 1, timestamp: T0 }] }));
    const error = await fetch(`${emulator.ingestUrl}/v2/datapoint`, {
      method: 'POST',
      headers: { 'X-SF-Token': 'dev-token' },
      body,
      signal: AbortSignal.timeout(100),
    }).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect((error as Error).name).toBe('TimeoutError');
    emulator.clearFaults();
  });
});

describe('body limit', () => {
  it('answers 413 to a body above maxBodyBytes, before or after gunzip', async () => {
    const small = await startEmulatorWith({ maxBodyBytes: 1000 }, fakeEngine());
    try {
      const headers = { 'X-SF-Token': 'dev-token', 'Content-Type': 'application/json' };
      const big = await fetch(`${small.ingestUrl}/v2/datapoint`, {
        method: 'POST',
        headers,
        body: 'x'.repeat(200_000),
      });
      expect(big.status).toBe(413);
      expect(await big.text()).toContain('1000 bytes');
      // 100 kB of zeros gzip to a few hundred bytes: the limit applies to what it inflates to as well.
      const bomb = await fetch(`${small.ingestUrl}/v2/datapoint`, {
        method: 'POST',
        headers: { ...headers, 'Content-Encoding': 'gzip' },
        body: gzipSync(Buffer.alloc(100_000)),
      });
      expect(bomb.status).toBe(413);
      expect(await bomb.text()).toContain('inflates');
    } finally {
      await small.close();
    }
  });
});
