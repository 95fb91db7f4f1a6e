import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { HttpError, type SfxError } from '@sfx/core';
import { decodeDatapoints, type Encoding, IngestClient, type WireDatapoint } from '@sfx/ingest';
import { afterEach, describe, expect, it } from 'vitest';
import { type IngestSink, MetricsRegistry, SignalFxReporter } from '../src/index.js';
import { FakeClock } from './helpers.js';
import {
  EXAMPLE_DEFAULTS,
  EXAMPLE_TIMESTAMP,
  expectedMeasuredExample,
  expectedWorkedExample,
  workedExample,
} from './worked-example.js';

interface Received {
  headers: IncomingHttpHeaders;
  points: WireDatapoint[];
  /** The body as sent, gunzipped. */
  body: Buffer;
}

/** A loopback ingest sink: takes `/v2/datapoint` posts, gunzips and decodes them with the @sfx/ingest codec. */
async function startSink(status = 200): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v2/datapoint') {
        res.writeHead(404).end();
        return;
      }
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      const encoding: Encoding = String(req.headers['content-type']).includes('json') ? 'json' : 'protobuf';
      try {
        received.push({ headers: req.headers, points: decodeDatapoints(body, encoding), body });
        if (status !== 200) res.writeHead(status, { 'content-type': 'text/plain' }).end('refused by the test');
        else res.writeHead(200, { 'content-type': 'application/json' }).end('"OK"');
      } catch (error) {
        res.writeHead(400).end(String(error));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received, server };
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (server) =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    ),
  );
});

type Expected = ReturnType<typeof expectedWorkedExample>;

const sortKey = (p: { metric: string; type: string; dimensions: Record<string, string> }) =>
  `${p.metric} ${p.type} ${JSON.stringify(Object.entries(p.dimensions).sort())}`;

/** Decoded points in a comparable form: metric, type, value, dimensions, sorted. */
function comparable(points: WireDatapoint[]) {
  return points
    .map((p) => ({ type: p.metricType, metric: p.metric, value: Number(p.value), dimensions: p.dimensions ?? {} }))
    .sort((a, b) => sortKey(a).localeCompare(sortKey(b)));
}

function sorted(expected: Expected) {
  return expected.map((p) => ({ ...p, value: Number(p.value) })).sort((a, b) => sortKey(a).localeCompare(sortKey(b)));
}

const NAMINGS = [
  // The seed's names; every point stamped with the report's whole second.
  { naming: 'pyformance', expected: expectedWorkedExample, stamp: (ms: number) => Math.floor(ms / 1000) * 1000 },
  // The measured reporter's names; no timestamp, the service stamps the points.
  { naming: 'measured', expected: expectedMeasuredExample, stamp: () => undefined },
] as const;

describe('end to end through IngestClient to a loopback sink', () => {
  for (const { naming, expected, stamp } of NAMINGS) {
    for (const encoding of ['protobuf', 'json'] as const) {
      it(`delivers exactly the datapoints of the ${naming} naming (${encoding}), then the last report on stop`, async () => {
        const sink = await startSink();
        servers.push(sink.server);
        const clock = new FakeClock();
        const registry = workedExample(clock);
        const errors: unknown[] = [];
        let wallClock = EXAMPLE_TIMESTAMP + 999;
        const reporter = new SignalFxReporter({
          registry,
          naming,
          token: 'reporter-e2e-token',
          ingestOptions: { endpoint: sink.url, encoding, flushOnExit: false, retry: false },
          defaultDimensions: EXAMPLE_DEFAULTS,
          now: () => wallClock,
          onError: (error) => errors.push(error),
        });
        expect(reporter.ingest).toBeInstanceOf(IngestClient);
        const count = expected().length;

        const result = await reporter.reportNow();
        expect(result.datapoints).toBe(count);
        await reporter.ingest.flush();
        const first = sink.received.flatMap((r) => r.points);
        expect(comparable(first)).toEqual(sorted(expected()));
        for (const point of first) expect(point.timestamp, point.metric).toBe(stamp(EXAMPLE_TIMESTAMP + 999));
        for (const request of sink.received) {
          expect(request.headers['x-sf-token']).toBe('reporter-e2e-token');
          expect(request.headers['content-type']).toContain(encoding === 'json' ? 'application/json' : 'protobuf');
        }

        // stop(): one more report with the new values, then the client is closed.
        registry.counter('jobs', { queue: 'high' }).inc();
        wallClock += 60_000;
        await reporter.stop();
        const last = sink.received.flatMap((r) => r.points).slice(first.length);
        const jobsName = naming === 'measured' ? 'jobs.count' : 'jobs';
        const afterOneMore = expected().map((p) => (p.metric === jobsName ? { ...p, value: 4 } : p));
        // The registry's clock stood still: every value but the counter's is as before.
        expect(comparable(last)).toEqual(sorted(afterOneMore));
        for (const point of last) expect(point.timestamp, point.metric).toBe(stamp(wallClock));
        expect(errors).toEqual([]);
        expect(() => (reporter.ingest as IngestClient).send({ gauges: [{ metric: 'x', value: 1 }] })).toThrow();
      });
    }
  }

  it('sends as doubles the values the seed sends as floats (worked example: payload=3.0, hits=2.0, payload.avg=2.0)', async () => {
    const sink = await startSink();
    servers.push(sink.server);
    const registry = workedExample(new FakeClock());
    const reporter = new SignalFxReporter({
      registry,
      token: 'reporter-e2e-token',
      ingestOptions: { endpoint: sink.url, encoding: 'json', flushOnExit: false, retry: false },
      defaultDimensions: EXAMPLE_DEFAULTS,
      now: () => EXAMPLE_TIMESTAMP,
    });
    await reporter.reportNow();
    await reporter.stop();
    const body = sink.received[0]!.body.toString('utf8');
    const sentValue = (metric: string) =>
      new RegExp(`"metric":"${metric.replace('.', '\\.')}","value":([^,}]+)`).exec(body)?.[1];
    // Counts of histograms, meters and timers, means and deviations: floats, as in the spec's example.
    expect(sentValue('payload')).toBe('3.0');
    expect(sentValue('hits')).toBe('2.0');
    expect(sentValue('latency')).toBe('1.0');
    expect(sentValue('payload.avg')).toBe('2.0');
    expect(sentValue('payload.std_dev')).toBe('1.0');
    // A histogram's max, min and percentiles keep the type of what it was fed; a counter's count is an int.
    expect(sentValue('payload.max')).toBe('3');
    expect(sentValue('payload.min')).toBe('1');
    expect(sentValue('payload.95_percentile')).toBe('3');
    expect(sentValue('jobs')).toBe('3');
  });

  it('drops only the points the real client refuses, and reports them', async () => {
    const sink = await startSink();
    servers.push(sink.server);
    const registry = new MetricsRegistry();
    registry.counter('good', { host: 'a' }).inc(2);
    registry.counter('bad', { sf_reserved: 'x' }).inc();
    const ingest: IngestSink = new IngestClient({ endpoint: sink.url, token: 't', flushOnExit: false, retry: false });
    const errors: Array<{ metric?: string }> = [];
    const reporter = new SignalFxReporter({ registry, ingest, onError: (e) => errors.push(e as { metric?: string }) });
    const result = await reporter.reportNow(EXAMPLE_TIMESTAMP);
    await reporter.stop();
    expect(result).toMatchObject({ datapoints: 1, skipped: 1 });
    expect(errors.map((e) => e.metric)).toEqual(['bad', 'bad']);
    const points = sink.received.flatMap((r) => r.points);
    expect(points.map((p) => [p.metric, p.metricType, Number(p.value), p.dimensions])).toEqual([
      ['good', 'cumulative_counter', 2, { host: 'a' }],
      ['good', 'cumulative_counter', 2, { host: 'a' }],
    ]);
  });

  it("tells onError of the failures of its own IngestClient's background sends, and never rejects", async () => {
    const sink = await startSink(400);
    servers.push(sink.server);
    const registry = new MetricsRegistry();
    registry.counter('c').inc();
    const errors: SfxError[] = [];
    const reporter = new SignalFxReporter({
      registry,
      token: 't',
      ingestOptions: { endpoint: sink.url, flushOnExit: false, retry: false },
      onError: (error) => errors.push(error),
    });
    expect(await reporter.reportNow(EXAMPLE_TIMESTAMP)).toMatchObject({ datapoints: 1, skipped: 0 });
    await reporter.stop();
    // Both reports (reportNow and the last one of stop) reached the sink, which refused every request.
    expect(sink.received.flatMap((r) => r.points)).toHaveLength(2);
    expect(errors).toHaveLength(sink.received.length);
    for (const error of errors) {
      expect(error).toBeInstanceOf(HttpError);
      expect((error as HttpError).status).toBe(400);
    }
    expect(reporter.stats().errors).toBe(errors.length);
  });
});
