import { AuthError, ClosedError, HttpError, type SfxError, ValidationError } from '@sfx/core';
import { afterEach, describe, expect, it } from 'vitest';
import { IngestClient, type IngestClientOptions, type IngestFailure, QueueFullError } from '../src/index.js';
import { type Sink, startSink, waitFor } from './helpers/sink.js';

const sinks: Sink[] = [];
const clients: IngestClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(sinks.splice(0).map((s) => s.close()));
});

async function sink(): Promise<Sink> {
  const s = await startSink();
  sinks.push(s);
  return s;
}

const FAST_RETRY = { maxAttempts: 30, initialDelayMs: 20, maxDelayMs: 200, maxElapsedMs: 20_000 };

function client(s: Pick<Sink, 'url'>, options: IngestClientOptions = {}) {
  const failures: Array<{ error: SfxError; failure: IngestFailure }> = [];
  const c = new IngestClient({
    token: 'secret-token',
    endpoint: s.url,
    flushOnExit: false,
    retry: FAST_RETRY,
    onError: (error, failure) => failures.push({ error, failure }),
    ...options,
  });
  clients.push(c);
  return { c, failures };
}

const gauges = (n: number, prefix = 'g') =>
  Array.from({ length: n }, (_, i) => ({ metric: `${prefix}.${i}`, value: i, timestamp: 1_700_000_000_000 + i }));

describe('wire format', () => {
  it.each(['protobuf', 'json'] as const)(
    'puts every field on the wire (%s), read by an independent decoder',
    async (encoding) => {
      const s = await sink();
      const { c } = client(s, { encoding });
      c.send({
        gauges: [{ metric: 'cpu', value: 0.25, timestamp: 1_700_000_000_001, dimensions: { host: 'a' } }],
        counters: [
          { metric: 'hits', value: 7, timestamp: 1_700_000_000_002 },
          { metric: 'hits.double', value: 7, valueType: 'double', timestamp: 1_700_000_000_004 },
        ],
        cumulativeCounters: [
          { metric: 'total', value: 2n ** 62n, timestamp: 1_700_000_000_003, dimensions: { x: 'y' } },
        ],
      });
      expect(await c.close()).toEqual({ sent: 4, failed: 0, dropped: 0 });
      const request = s.received[0]!;
      expect(request.path).toBe('/v2/datapoint');
      expect(request.headers['x-sf-token']).toBe('secret-token');
      expect(request.headers['content-encoding']).toBe('gzip');
      expect(request.headers['content-type']).toBe(encoding === 'json' ? 'application/json' : 'application/x-protobuf');
      expect(request.headers['user-agent']).toMatch(/^@sfx\/ingest\//);
      if (encoding === 'protobuf') {
        expect(s.datapoints()).toEqual([
          {
            metric: 'cpu',
            timestamp: '1700000000001',
            value: { doubleValue: 0.25 },
            metricType: 'GAUGE',
            dimensions: [{ key: 'host', value: 'a' }],
          },
          { metric: 'hits', timestamp: '1700000000002', value: { intValue: '7' }, metricType: 'COUNTER' },
          { metric: 'hits.double', timestamp: '1700000000004', value: { doubleValue: 7 }, metricType: 'COUNTER' },
          {
            metric: 'total',
            timestamp: '1700000000003',
            value: { intValue: String(2n ** 62n) },
            metricType: 'CUMULATIVE_COUNTER',
            dimensions: [{ key: 'x', value: 'y' }],
          },
        ]);
      } else {
        expect(request.body.toString()).toBe(
          '{"gauge":[{"metric":"cpu","value":0.25,"timestamp":1700000000001,"dimensions":{"host":"a"}}],' +
            '"counter":[{"metric":"hits","value":7,"timestamp":1700000000002},' +
            '{"metric":"hits.double","value":7.0,"timestamp":1700000000004}],' +
            `"cumulative_counter":[{"metric":"total","value":${2n ** 62n},"timestamp":1700000000003,"dimensions":{"x":"y"}}]}`,
        );
      }
    },
  );

  it.each(['protobuf', 'json'] as const)(
    'sends datapoints and events without a timestamp as they are, for the service to stamp (%s)',
    async (encoding) => {
      const s = await sink();
      const { c } = client(s, { encoding });
      c.send({ gauges: [{ metric: 'a', value: 1 }] });
      await c.sendEvent({ eventType: 'deploy' });
      await c.flush();
      expect(s.datapoints()).toHaveLength(1);
      expect(s.datapoints()[0]).not.toHaveProperty('timestamp');
      expect(s.events()).toHaveLength(1);
      expect(s.events()[0]).not.toHaveProperty('timestamp');
    },
  );

  it('sends uncompressed when compress is false', async () => {
    const s = await sink();
    const { c } = client(s, { compress: false });
    c.send({ gauges: gauges(3) });
    await c.flush();
    expect(s.received[0]!.headers['content-encoding']).toBeUndefined();
    expect(s.datapoints()).toHaveLength(3);
  });
});

describe('global dimensions', () => {
  it('go on every datapoint and event; the datapoint’s own dimension wins', async () => {
    const s = await sink();
    const { c } = client(s, { dimensions: { env: 'prod', host: 'global' } });
    c.addDimensions({ region: 'eu' });
    const own = { host: 'mine' };
    c.send({
      gauges: [
        { metric: 'a', value: 1, dimensions: own },
        { metric: 'b', value: 2 },
      ],
    });
    c.removeDimensions(['region', 'unknown']);
    c.send({ gauges: [{ metric: 'c', value: 3 }] });
    await c.sendEvent({ eventType: 'deploy', dimensions: { host: 'ev' } });
    await c.flush();
    const dims = (p: Record<string, unknown>) =>
      Object.fromEntries((p.dimensions as Array<{ key: string; value: string }>).map((d) => [d.key, d.value]));
    const points = s.datapoints();
    expect(points.map(dims)).toEqual([
      { host: 'mine', env: 'prod', region: 'eu' },
      { env: 'prod', host: 'global', region: 'eu' },
      { env: 'prod', host: 'global' },
    ]);
    expect(own).toEqual({ host: 'mine' }); // the caller's object is not touched
    expect(dims(s.events()[0]!)).toEqual({ env: 'prod', host: 'ev' });
    expect(c.dimensions).toEqual({ env: 'prod', host: 'global' });
  });

  it('are validated', () => {
    expect(() => new IngestClient({ token: 't', endpoint: 'http://127.0.0.1:1', dimensions: { sf_x: 'y' } })).toThrow(
      ValidationError,
    );
  });
});

describe('validation at send()', () => {
  const cases: Array<[string, Record<string, unknown>, RegExp, string]> = [
    [
      'empty metric',
      {
        gauges: [
          { metric: 'ok', value: 1 },
          { metric: '', value: 1 },
        ],
      },
      /gauges\[1\]\.metric/,
      'gauges[1].metric',
    ],
    [
      'non-string metric',
      { counters: [{ metric: 5, value: 1 }] },
      /counters\[0\]\.metric must be a non-empty string/,
      'counters[0].metric',
    ],
    [
      'NaN',
      { gauges: [{ metric: 'a', value: Number.NaN }] },
      /gauges\[0\]\.value must be a finite number, got NaN/,
      'gauges[0].value',
    ],
    [
      'Infinity',
      { cumulativeCounters: [{ metric: 'a', value: Number.POSITIVE_INFINITY }] },
      /cumulativeCounters\[0\]\.value/,
      'cumulativeCounters[0].value',
    ],
    [
      'integer beyond int64',
      { gauges: [{ metric: 'a', value: 2 ** 64 }] },
      /outside the int64 range/,
      'gauges[0].value',
    ],
    [
      'bigint beyond int64',
      { gauges: [{ metric: 'a', value: -(2n ** 63n) - 1n }] },
      /outside the int64 range/,
      'gauges[0].value',
    ],
    ['boolean value', { gauges: [{ metric: 'a', value: true }] }, /must be a number or a bigint/, 'gauges[0].value'],
    [
      'fractional timestamp',
      { gauges: [{ metric: 'a', value: 1, timestamp: 1.5 }] },
      /gauges\[0\]\.timestamp must be a non-negative integer/,
      'gauges[0].timestamp',
    ],
    ['negative timestamp', { gauges: [{ metric: 'a', value: 1, timestamp: -1 }] }, /timestamp/, 'gauges[0].timestamp'],
    [
      'non-string dimension value',
      { gauges: [{ metric: 'a', value: 1, dimensions: { host: 5 } }] },
      /gauges\[0\]\.dimensions\.host must be a string/,
      'gauges[0].dimensions.host',
    ],
    [
      'bad dimension key',
      { gauges: [{ metric: 'a', value: 1, dimensions: { '9lives': 'x' } }] },
      /gauges\[0\]\.dimensions\["9lives"\] is not a valid dimension name/,
      'gauges[0].dimensions["9lives"]',
    ],
    [
      'reserved dimension key',
      { gauges: [{ metric: 'a', value: 1, dimensions: { aws_id: 'x' } }] },
      /reserved prefix "aws_"/,
      'gauges[0].dimensions["aws_id"]',
    ],
    [
      'too many dimensions',
      {
        gauges: [
          {
            metric: 'a',
            value: 1,
            dimensions: Object.fromEntries(Array.from({ length: 37 }, (_, i) => [`d${i}`, 'v'])),
          },
        ],
      },
      /37 dimensions, more than the 36/,
      'gauges[0].dimensions',
    ],
    ['not a list', { gauges: { metric: 'a' } }, /gauges must be an array/, 'gauges'],
    ['null point', { gauges: [null] }, /gauges\[0\] must be an object/, 'gauges[0]'],
  ];

  it.each(cases)(
    'rejects %s, naming the field, and queues nothing of the call',
    async (_name, input, message, field) => {
      const s = await sink();
      const { c } = client(s);
      c.send({ gauges: [{ metric: 'before', value: 1 }] });
      let caught: unknown;
      try {
        c.send({ gauges: gauges(5, 'valid'), ...input });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(ValidationError);
      expect((caught as Error).message).toMatch(message);
      expect((caught as ValidationError).field).toBe(field);
      expect(c.stats().queued).toBe(1);
      c.send({ gauges: [{ metric: 'after', value: 2 }] });
      expect(await c.flush()).toEqual({ sent: 2, failed: 0, dropped: 0 });
      expect(s.datapoints().map((p) => p.metric)).toEqual(['before', 'after']);
    },
  );

  it('validates events synchronously', async () => {
    const s = await sink();
    const { c } = client(s);
    expect(() => c.sendEvent({ eventType: '' })).toThrow(/event\.eventType must be a non-empty string/);
    expect(() => c.sendEvent({ eventType: 'x', category: 'BOGUS' as 'ALERT' })).toThrow(
      /event\.category must be one of/,
    );
    expect(() => c.sendEvent({ eventType: 'x', properties: { p: [] as unknown as string } })).toThrow(
      /event\.properties\.p must be a string, number, boolean or bigint/,
    );
    expect(() => c.sendEvent({ eventType: 'x', dimensions: { _bad: 'v' } })).toThrow(/event\.dimensions\["_bad"\]/);
    expect(s.requests).toBe(0);
  });
});

describe('batching', () => {
  it('sends a batch as soon as it is full; a partial one waits', async () => {
    const s = await sink();
    const { c } = client(s, { batchSize: 10, flushIntervalMs: 60_000 });
    c.send({ gauges: gauges(25) });
    await waitFor(() => s.received.length >= 2);
    await new Promise((r) => setTimeout(r, 100));
    expect(s.received.length).toBe(2);
    expect(c.stats()).toMatchObject({ sent: 20, queued: 5 });
    expect(await c.flush()).toEqual({ sent: 5, failed: 0, dropped: 0 });
    expect(s.datapoints()).toHaveLength(25);
    expect(c.stats()).toMatchObject({ sent: 25, batches: 3, queued: 0, inFlight: 0 });
  });

  it('sends a partial batch flushIntervalMs after its first datapoint, without flush()', async () => {
    const s = await sink();
    const { c } = client(s, { batchSize: 10, flushIntervalMs: 30 });
    c.send({ gauges: gauges(3) });
    expect(s.requests).toBe(0);
    await waitFor(() => c.stats().sent === 3);
    expect(s.datapoints()).toHaveLength(3);
  });

  it('keeps at most maxInFlight requests at once', async () => {
    const s = await sink();
    let open = 0;
    let peak = 0;
    s.server.prependListener('request', (_req, res) => {
      open++;
      peak = Math.max(peak, open);
      res.on('finish', () => open--);
    });
    const { c } = client(s, { batchSize: 5, maxInFlight: 2 });
    c.send({ gauges: gauges(60) });
    expect(await c.flush()).toEqual({ sent: 60, failed: 0, dropped: 0 });
    expect(s.received.length).toBe(12);
    expect(peak).toBeGreaterThanOrEqual(1);
    expect(peak).toBeLessThanOrEqual(2);
  });
});

describe('faults', () => {
  it('503 for the first 5 requests: nothing lost', async () => {
    const s = await sink();
    s.script.push(503, 503, 503, 503, 503);
    const { c, failures } = client(s, { batchSize: 10, maxInFlight: 1 });
    c.send({ gauges: gauges(30) });
    expect(await c.flush()).toEqual({ sent: 30, failed: 0, dropped: 0 });
    expect(s.datapoints()).toHaveLength(30);
    expect(new Set(s.datapoints().map((p) => p.metric)).size).toBe(30);
    expect(c.stats().retried).toBe(5);
    expect(failures).toEqual([]);
  });

  it('connection reset mid-request: nothing lost', async () => {
    const s = await sink();
    s.script.push('reset', 'reset');
    const { c, failures } = client(s, { batchSize: 10, maxInFlight: 1 });
    c.send({ gauges: gauges(20) });
    expect(await c.flush()).toEqual({ sent: 20, failed: 0, dropped: 0 });
    expect(new Set(s.datapoints().map((p) => p.metric)).size).toBe(20);
    expect(c.stats().retried).toBeGreaterThanOrEqual(2);
    expect(failures).toEqual([]);
  });

  it('server down for 2 s, then up: nothing lost within the retry budget', async () => {
    const first = await startSink();
    const port = first.port;
    const url = first.url;
    await first.close();
    // A budget of attempts well beyond 2 s of full-jitter backoff; the elapsed-time cap still bounds it.
    const retry = { maxAttempts: 200, initialDelayMs: 50, maxDelayMs: 300, maxElapsedMs: 20_000 };
    const { c, failures } = client({ url }, { batchSize: 10, retry });
    c.send({ gauges: gauges(40) });
    const flushed = c.flush();
    await new Promise((r) => setTimeout(r, 2000));
    const revived = await startSink(port);
    sinks.push(revived);
    expect(await flushed).toEqual({ sent: 40, failed: 0, dropped: 0 });
    expect(new Set(revived.datapoints().map((p) => p.metric)).size).toBe(40);
    expect(c.stats().retried).toBeGreaterThan(0);
    expect(failures).toEqual([]);
  });

  it('400: counted failed, not retried, told to onError with the count', async () => {
    const s = await sink();
    s.script.push(400);
    const { c, failures } = client(s, { batchSize: 10, maxInFlight: 1 });
    c.send({ gauges: gauges(15) });
    expect(await c.flush()).toEqual({ sent: 5, failed: 10, dropped: 0 });
    expect(s.requests).toBe(2);
    expect(failures).toHaveLength(1);
    expect(failures[0]!.error).toBeInstanceOf(HttpError);
    expect((failures[0]!.error as HttpError).status).toBe(400);
    expect(failures[0]!.failure).toEqual({ kind: 'datapoints', outcome: 'failed', count: 10 });
    expect(c.stats()).toMatchObject({ sent: 5, failed: 10, retried: 0, errors: { SFX_ERR_HTTP: 1 } });
  });

  it('401: AuthError to onError, counted failed, token not leaked', async () => {
    const s = await sink();
    s.script.push(401);
    const { c, failures } = client(s);
    c.send({ gauges: gauges(4) });
    expect(await c.flush()).toEqual({ sent: 0, failed: 4, dropped: 0 });
    expect(s.requests).toBe(1);
    expect(failures[0]!.error).toBeInstanceOf(AuthError);
    expect(failures[0]!.error.code).toBe('SFX_ERR_AUTH');
    expect(JSON.stringify(failures[0]!.error) + failures[0]!.error.message).not.toContain('secret-token');
    expect(c.stats().errors).toEqual({ SFX_ERR_AUTH: 1 });
  });

  it('a failing event rejects its promise and reaches onError; unawaited, it is no unhandled rejection', async () => {
    const s = await sink();
    s.script.push(401, 401);
    const { c, failures } = client(s);
    await expect(c.sendEvent({ eventType: 'deploy' })).rejects.toBeInstanceOf(AuthError);
    void c.sendEvent({ eventType: 'deploy' }); // never awaited
    await c.flush();
    expect(failures.map((f) => f.failure)).toEqual([
      { kind: 'event', outcome: 'failed', count: 1 },
      { kind: 'event', outcome: 'failed', count: 1 },
    ]);
    expect(c.stats().events).toEqual({ sent: 0, failed: 2 });
  });
});

describe('events', () => {
  it('events queued in the same turn share one request; each promise resolves once accepted', async () => {
    const s = await sink();
    const { c } = client(s, { encoding: 'json' });
    const accepted = [
      c.sendEvent({ eventType: 'a' }),
      c.sendEvent({ eventType: 'b' }),
      c.sendEvent({ eventType: 'c' }),
    ];
    await Promise.all(accepted);
    await c.sendEvent({ eventType: 'd' });
    expect(s.received.map((r) => r.path)).toEqual(['/v2/event', '/v2/event']);
    expect(s.received[0]!.headers['content-encoding']).toBe('gzip');
    expect(s.events().map((e) => e.eventType)).toEqual(['a', 'b', 'c', 'd']);
    expect(c.stats().events).toEqual({ sent: 4, failed: 0 });
  });

  it('a retried event batch is delivered once the service recovers; flush() waits for queued events', async () => {
    const s = await sink();
    s.script.push(503, 'reset');
    const { c, failures } = client(s);
    const accepted = [c.sendEvent({ eventType: 'x' }), c.sendEvent({ eventType: 'y' })];
    await c.flush();
    expect(c.stats().events).toEqual({ sent: 2, failed: 0 });
    await Promise.all(accepted);
    expect(s.events().map((e) => e.eventType)).toEqual(['x', 'y']);
    expect(c.stats().retried).toBe(2);
    expect(failures).toEqual([]);
  });

  it('an event goes as it was at sendEvent(), though the caller then reuses its properties object', async () => {
    const s = await sink();
    const { c } = client(s, { encoding: 'json' });
    const properties: Record<string, unknown> = { step: 1 };
    const first = c.sendEvent({ eventType: 'step', properties: properties as Record<string, number> });
    properties.step = 2;
    const second = c.sendEvent({ eventType: 'step', properties: properties as Record<string, number> });
    properties.step = { not: 'a property value' }; // must not reach the encoder, which runs later
    await Promise.all([first, second]);
    expect(s.events().map((e) => e.properties)).toEqual([{ step: 1 }, { step: 2 }]);
    expect(c.stats().events).toEqual({ sent: 2, failed: 0 });
  });

  it('a failed event batch rejects every promise in it and is reported once with the count', async () => {
    const s = await sink();
    s.script.push(400);
    const { c, failures } = client(s);
    const results = await Promise.allSettled([c.sendEvent({ eventType: 'x' }), c.sendEvent({ eventType: 'y' })]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(failures.map((f) => f.failure)).toEqual([{ kind: 'event', outcome: 'failed', count: 2 }]);
    expect(c.stats().events).toEqual({ sent: 0, failed: 2 });
  });
});

describe('queue overflow', () => {
  // The sink answers 503 until released, so batches pile up while the first one is retried.
  async function blockedSink() {
    const s = await sink();
    s.script.push(...Array.from({ length: 500 }, () => 503 as const));
    return s;
  }
  const release = (s: Sink) => {
    s.script.length = 0;
  };
  const overflowOptions = { batchSize: 10, maxQueueSize: 30, maxInFlight: 1, flushIntervalMs: 10_000 };

  it('drop-newest drops exactly what does not fit, newest first', async () => {
    const s = await blockedSink();
    const { c, failures } = client(s, { ...overflowOptions, overflow: 'drop-newest' });
    c.send({ gauges: gauges(10, 'first') }); // sealed, soon in flight
    await waitFor(() => c.stats().inFlight === 10);
    c.send({ gauges: gauges(35, 'second') }); // 30 fit the queue, 5 dropped
    expect(c.stats()).toMatchObject({ queued: 30, dropped: 5 });
    expect(failures.map((f) => f.failure)).toEqual([{ kind: 'datapoints', outcome: 'dropped', count: 5 }]);
    expect(failures[0]!.error).toBeInstanceOf(QueueFullError);
    release(s);
    expect(await c.flush()).toEqual({ sent: 40, failed: 0, dropped: 0 });
    const sent = new Set(s.datapoints().map((p) => p.metric));
    expect(sent.has('second.29')).toBe(true);
    expect(sent.has('second.30')).toBe(false);
    expect(c.stats()).toMatchObject({ sent: 40, dropped: 5, failed: 0 });
  });

  it.each(['protobuf', 'json'] as const)(
    'drop-oldest drops exactly the excess, the oldest datapoints first, even inside a batch (%s)',
    async (encoding) => {
      const s = await blockedSink();
      const { c, failures } = client(s, { ...overflowOptions, overflow: 'drop-oldest', encoding });
      c.send({ gauges: gauges(10, 'first') }); // sealed, soon in flight (not part of the queue)
      await waitFor(() => c.stats().inFlight === 10);
      c.send({ gauges: gauges(30, 'second') }); // three waiting batches: the queue is full
      const flushed = c.flush(); // covers first and second
      c.send({ gauges: gauges(7, 'third') }); // 37 > 30: second.0-6 go, from inside the oldest batch
      expect(c.stats()).toMatchObject({ queued: 30, dropped: 7 });
      c.send({ gauges: gauges(15, 'fourth') }); // 45 > 30: second.7-21 go (one batch whole, one partly)
      expect(c.stats()).toMatchObject({ queued: 30, dropped: 22 });
      expect(failures.map((f) => f.failure)).toEqual([
        { kind: 'datapoints', outcome: 'dropped', count: 7 },
        { kind: 'datapoints', outcome: 'dropped', count: 15 },
      ]);
      expect(failures.every((f) => f.error instanceof QueueFullError)).toBe(true);
      expect(failures.map((f) => (f.error as QueueFullError).dropped)).toEqual([7, 15]);
      release(s);
      expect(await flushed).toEqual({ sent: 18, failed: 0, dropped: 22 });
      expect(await c.flush()).toEqual({ sent: 22, failed: 0, dropped: 0 });
      const sent = s.datapoints().map((p) => String(p.metric));
      const names = (prefix: string, from: number, to: number) =>
        Array.from({ length: to - from }, (_, i) => `${prefix}.${from + i}`);
      expect(sent).toEqual([
        ...names('first', 0, 10),
        ...names('second', 22, 30),
        ...names('third', 0, 7),
        ...names('fourth', 0, 15),
      ]);
      expect(c.stats()).toMatchObject({ sent: 40, dropped: 22, failed: 0, queued: 0 });
    },
  );

  it('drop-oldest cutting into a JSON batch keeps its doubles doubles', async () => {
    const s = await blockedSink();
    const { c } = client(s, { ...overflowOptions, overflow: 'drop-oldest', encoding: 'json' });
    c.send({ gauges: gauges(10, 'first') });
    await waitFor(() => c.stats().inFlight === 10);
    const doubles = Array.from({ length: 30 }, (_, i) => ({
      metric: `d.${i}`,
      value: i === 29 ? 1e20 : i,
      valueType: 'double' as const,
      timestamp: 1_700_000_000_000,
    }));
    c.send({ gauges: doubles });
    c.send({ gauges: gauges(7, 'third') }); // cuts d.0-6 from the oldest waiting batch
    expect(c.stats()).toMatchObject({ queued: 30, dropped: 7 });
    c.send({ gauges: gauges(15, 'fourth') }); // drops d.7-19 and cuts d.20-21, leaving d.22-29 (1e20 with them)
    expect(c.stats()).toMatchObject({ queued: 30, dropped: 22 });
    release(s);
    expect(await c.flush()).toEqual({ sent: 40, failed: 0, dropped: 2 }); // the cut in the batch it covers
    const bodies = s.received.filter((r) => r.path === '/v2/datapoint').map((r) => r.body.toString('utf8'));
    const trimmed = bodies.find((b) => b.includes('"d.22"'));
    expect(trimmed).toContain('"metric":"d.23","value":23.0');
    expect(trimmed).toContain('"metric":"d.29","value":100000000000000000000.0');
    expect(trimmed).not.toContain('"d.21"');
  });

  it('drop-oldest drops nothing while free request slots can take the batches', async () => {
    const s = await sink();
    const { c, failures } = client(s, { batchSize: 10, maxQueueSize: 10, maxInFlight: 4, overflow: 'drop-oldest' });
    c.send({ gauges: gauges(30) }); // three full batches: all leave at once, none waits
    expect(c.stats()).toMatchObject({ queued: 0, inFlight: 30, dropped: 0 });
    expect(await c.flush()).toEqual({ sent: 30, failed: 0, dropped: 0 });
    expect(failures).toEqual([]);
    expect(s.datapoints()).toHaveLength(30);
  });

  it('reject: bad input is a ValidationError, even when the queue is full, and counts as nothing', async () => {
    const s = await blockedSink();
    const { c } = client(s, { ...overflowOptions, overflow: 'reject' });
    c.send({ gauges: gauges(10, 'first') });
    await waitFor(() => c.stats().inFlight === 10);
    c.send({ gauges: gauges(30, 'second') }); // the queue is full
    expect(() => c.send({ gauges: [{ metric: '', value: 1 }] })).toThrow(ValidationError);
    expect(c.stats()).toMatchObject({ queued: 30, dropped: 0, errors: {} });
    expect(() => c.send({ gauges: gauges(1, 'third') })).toThrow(QueueFullError);
    expect(c.stats()).toMatchObject({ queued: 30, dropped: 1 });
    release(s);
    expect(await c.flush()).toEqual({ sent: 40, failed: 0, dropped: 0 });
  });

  it('reject throws QueueFullError and queues nothing of the call', async () => {
    const s = await blockedSink();
    const { c } = client(s, { ...overflowOptions, overflow: 'reject' });
    c.send({ gauges: gauges(10, 'first') });
    await waitFor(() => c.stats().inFlight === 10);
    c.send({ gauges: gauges(25, 'second') });
    expect(() => c.send({ gauges: gauges(6, 'third') })).toThrow(QueueFullError);
    expect(c.stats()).toMatchObject({ queued: 25, dropped: 6 });
    c.send({ gauges: gauges(5, 'fourth') });
    release(s);
    expect(await c.flush()).toEqual({ sent: 40, failed: 0, dropped: 0 });
    expect(s.datapoints().some((p) => String(p.metric).startsWith('third'))).toBe(false);
  });
});

describe('lifecycle and accounting', () => {
  it('flush() accounts for everything queued before it; close() flushes and refuses more', async () => {
    const s = await sink();
    s.script.push(400);
    const { c } = client(s, { batchSize: 7, maxInFlight: 1 });
    c.send({ gauges: gauges(7, 'a') });
    c.send({ counters: gauges(8, 'b') });
    const first = c.flush();
    c.send({ gauges: gauges(3, 'c') });
    expect(await first).toEqual({ sent: 8, failed: 7, dropped: 0 });
    expect(await c.close()).toEqual({ sent: 3, failed: 0, dropped: 0 });
    expect(() => c.send({ gauges: gauges(1) })).toThrow(ClosedError);
    expect(() => c.sendEvent({ eventType: 'x' })).toThrow(ClosedError);
    const stats = c.stats();
    expect(stats.sent + stats.failed + stats.dropped).toBe(18);
    expect(stats).toMatchObject({ queued: 0, inFlight: 0, batches: 3 });
    expect(await c.close()).toEqual({ sent: 3, failed: 0, dropped: 0 }); // idempotent
  });

  it('every datapoint ends counted exactly once under mixed faults', async () => {
    const s = await sink();
    s.script.push(503, 400, 'reset', 401, 503, 503);
    const { c, failures } = client(s, { batchSize: 10, maxInFlight: 3 });
    for (let i = 0; i < 10; i++) c.send({ gauges: gauges(10, `m${i}`) });
    const result = await c.close();
    expect(result.sent + result.failed + result.dropped).toBe(100);
    expect(result.failed).toBe(20);
    expect(s.datapoints()).toHaveLength(result.sent);
    expect(failures.reduce((n, f) => n + f.failure.count, 0)).toBe(20);
  });

  it('close() while a request is in flight waits for it and counts every datapoint once', async () => {
    const s = await sink();
    s.script.push('hold');
    const { c } = client(s, { batchSize: 10, flushIntervalMs: 60_000 });
    c.send({ gauges: gauges(10, 'a') });
    await waitFor(() => s.requests === 1); // the server has the body and holds its answer
    c.send({ gauges: gauges(5, 'b') });
    let closed = false;
    const closing = c.close().then((result) => {
      closed = true;
      return result;
    });
    await waitFor(() => s.requests === 2);
    expect(closed).toBe(false);
    expect(c.stats()).toMatchObject({ sent: 5, inFlight: 10, queued: 0 });
    s.release();
    expect(await closing).toEqual({ sent: 15, failed: 0, dropped: 0 });
    expect(c.stats()).toMatchObject({ sent: 15, failed: 0, dropped: 0, queued: 0, inFlight: 0 });
    expect(s.datapoints()).toHaveLength(15);
  });

  it('flushOnExit adds one beforeExit hook for all clients; close() removes it', async () => {
    const s = await sink();
    const before = process.listenerCount('beforeExit');
    const first = new IngestClient({ token: 't', endpoint: s.url });
    const second = new IngestClient({ token: 't', endpoint: s.url });
    expect(process.listenerCount('beforeExit')).toBe(before + 1);
    await first.close();
    expect(process.listenerCount('beforeExit')).toBe(before + 1);
    await second.close();
    expect(process.listenerCount('beforeExit')).toBe(before);
  });

  it('an onError that throws is logged and changes nothing else', async () => {
    const s = await sink();
    s.script.push(400);
    const logged: string[] = [];
    const noop = () => undefined;
    const { c } = client(s, {
      batchSize: 5,
      maxInFlight: 1,
      onError: () => {
        throw new Error('boom');
      },
      logger: {
        error: (_fields: unknown, message: string) => logged.push(message),
        warn: noop,
        info: noop,
        debug: noop,
      },
    });
    c.send({ gauges: gauges(10) });
    expect(await c.flush()).toEqual({ sent: 5, failed: 5, dropped: 0 });
    expect(logged).toEqual(['@sfx/ingest: onError threw']);
  });

  it('await using closes the client', async () => {
    const s = await sink();
    let holder: IngestClient | undefined;
    {
      await using c = new IngestClient({ token: 't', endpoint: s.url, flushOnExit: false });
      holder = c;
      c.send({ gauges: gauges(2) });
    }
    expect(holder.stats().sent).toBe(2);
    expect(() => holder?.send({ gauges: gauges(1) })).toThrow(ClosedError);
  });

  it('checks its options', () => {
    const base = { token: 't', endpoint: 'http://127.0.0.1:1', flushOnExit: false };
    expect(() => new IngestClient({ ...base, batchSize: 0 })).toThrow(/batchSize/);
    expect(() => new IngestClient({ ...base, batchSize: 100, maxQueueSize: 10 })).toThrow(/maxQueueSize/);
    expect(() => new IngestClient({ ...base, overflow: 'spill' as 'reject' })).toThrow(/overflow/);
    expect(() => new IngestClient({ ...base, compress: 11 })).toThrow(/compress/);
    expect(() => new IngestClient({ ...base, encoding: 'xml' as 'json' })).toThrow(/encoding/);
    expect(() => new IngestClient({ endpoint: 'http://127.0.0.1:1', flushOnExit: false, token: ' ' })).toThrow(/token/);
  });
});
