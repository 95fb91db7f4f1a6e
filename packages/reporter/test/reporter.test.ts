import { ClosedError, ValidationError } from '@sfx/core';
import client from 'prom-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fromPromClient, MetricsRegistry, ReportError, SignalFxReporter } from '../src/index.js';
import { byName, FakeClock, RecordingSink } from './helpers.js';
import {
  EXAMPLE_DEFAULTS,
  EXAMPLE_TIMESTAMP,
  expectedMeasuredExample,
  expectedWorkedExample,
  workedExample,
} from './worked-example.js';

type SfxErrorLike = Error & { code: string };

function sortPoints<T extends { metric: string; type: string }>(points: T[]): T[] {
  return [...points].sort((a, b) => (a.metric + a.type).localeCompare(b.metric + b.type));
}

afterEach(() => {
  vi.useRealTimers();
});

describe('SignalFxReporter, pyformance naming (default)', () => {
  it('reports the worked example exactly', async () => {
    const clock = new FakeClock();
    const ingest = new RecordingSink();
    const reporter = new SignalFxReporter({
      registry: workedExample(clock),
      ingest,
      defaultDimensions: EXAMPLE_DEFAULTS,
    });
    const result = await reporter.reportNow(EXAMPLE_TIMESTAMP + 999);
    expect(ingest.batches).toHaveLength(1);
    const points = ingest.points();
    expect(result).toEqual({ datapoints: 31, skipped: 0, timestamp: EXAMPLE_TIMESTAMP + 999 });
    for (const point of points) expect(point.timestamp, point.metric).toBe(EXAMPLE_TIMESTAMP);
    const actual = points.map(({ timestamp: _, ...rest }) => rest);
    expect(sortPoints(actual)).toEqual(sortPoints(expectedWorkedExample()));
    expect(byName(points).size).toBe(31);
  });

  it('lets the metric dimension win with dimensionPrecedence: metric', async () => {
    const registry = new MetricsRegistry();
    registry.counter('jobs', { queue: 'high' }).inc();
    const ingest = new RecordingSink();
    const reporter = new SignalFxReporter({
      registry,
      ingest,
      defaultDimensions: EXAMPLE_DEFAULTS,
      dimensionPrecedence: 'metric',
    });
    await reporter.reportNow(EXAMPLE_TIMESTAMP);
    expect(ingest.points()[0]?.dimensions).toEqual({ queue: 'high', env: 'test' });
  });

  it('leaves out gauges that are NaN or not finite, and reports a throwing callback to onError', async () => {
    const registry = new MetricsRegistry();
    registry.gauge('unset');
    registry.gauge('infinite', {}, () => Number.POSITIVE_INFINITY);
    registry.gauge('broken', { a: 'b' }, () => {
      throw new Error('callback failed');
    });
    registry.gauge('fine', {}, () => 4);
    const ingest = new RecordingSink();
    const errors: SfxErrorLike[] = [];
    const reporter = new SignalFxReporter({ registry, ingest, onError: (e) => errors.push(e) });
    const result = await reporter.reportNow(EXAMPLE_TIMESTAMP);
    expect(ingest.points().map((p) => [p.metric, p.value])).toEqual([['fine', 4]]);
    expect(result.skipped).toBe(1);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(ReportError);
    expect(errors[0]?.code).toBe('SFX_ERR_REPORT');
    expect((errors[0] as ReportError).metric).toBe('broken');
    expect(((errors[0] as ReportError).cause as Error).message).toBe('callback failed');
    expect(reporter.stats()).toEqual({ reports: 1, datapoints: 1, skipped: 1, errors: 1 });
  });

  it('sends the rest point by point when the ingest client refuses some', async () => {
    const registry = new MetricsRegistry();
    registry.counter('ok').inc();
    registry.counter('bad', { _hidden: 'x' }).inc();
    registry.gauge('also.ok').set(1);
    const ingest = new RecordingSink();
    ingest.refuse = (batch) => {
      const all = [...(batch.gauges ?? []), ...(batch.cumulativeCounters ?? [])];
      return all.some((p) => p.dimensions && '_hidden' in p.dimensions)
        ? new ValidationError('dimension key _hidden must start with a letter', { field: 'dimensions._hidden' })
        : undefined;
    };
    const errors: SfxErrorLike[] = [];
    const reporter = new SignalFxReporter({ registry, ingest, onError: (e) => errors.push(e) });
    const result = await reporter.reportNow(EXAMPLE_TIMESTAMP);
    expect(result).toMatchObject({ datapoints: 2, skipped: 1 });
    expect(
      ingest
        .points()
        .map((p) => p.metric)
        .sort(),
    ).toEqual(['also.ok', 'ok']);
    expect(errors.map((e) => (e as ReportError).metric)).toEqual(['bad']);
  });

  it('rejects reportNow when the ingest client is closed, and never throws from the schedule', async () => {
    const registry = new MetricsRegistry();
    registry.counter('c').inc();
    const ingest = new RecordingSink();
    ingest.refuse = () => new ClosedError('closed');
    const reporter = new SignalFxReporter({ registry, ingest, onError: () => {} });
    await expect(reporter.reportNow()).rejects.toBeInstanceOf(ClosedError);
    await expect(reporter.reportNow(-1)).rejects.toBeInstanceOf(ValidationError);
  });
});

describe('SignalFxReporter, measured naming', () => {
  it('uses .count and .max/.min/.mean/.p95/.p99, milliseconds, no meters, metric dimensions winning, no timestamp', async () => {
    const clock = new FakeClock();
    const registry = workedExample(clock);
    const ingest = new RecordingSink();
    const warnings: string[] = [];
    const reporter = new SignalFxReporter({
      registry,
      ingest,
      naming: 'measured',
      defaultDimensions: EXAMPLE_DEFAULTS,
      logger: { warn: (_fields: object | string, message?: string) => warnings.push(message ?? '') },
    });
    await reporter.reportNow();
    const expected = expectedMeasuredExample();
    const points = ingest.points();
    for (const point of points) expect(point.timestamp).toBeUndefined();
    expect(sortPoints(points.map(({ timestamp: _, ...rest }) => rest))).toEqual(sortPoints(expected));
    await reporter.reportNow(EXAMPLE_TIMESTAMP + 5);
    expect(ingest.points().at(-1)?.timestamp).toBe(EXAMPLE_TIMESTAMP + 5);
    expect(warnings).toEqual(['meters are not reported with the measured naming']);
  });

  it('reports zeros for an empty histogram', async () => {
    const registry = new MetricsRegistry();
    registry.histogram('empty');
    const ingest = new RecordingSink();
    await new SignalFxReporter({ registry, ingest, naming: 'measured' }).reportNow();
    expect(ingest.points().map((p) => [p.metric, p.value])).toEqual([
      ['empty.max', 0],
      ['empty.min', 0],
      ['empty.mean', 0],
      ['empty.p95', 0],
      ['empty.p99', 0],
      ['empty.count', 0],
    ]);
  });
});

describe('SignalFxReporter lifecycle', () => {
  it('reports every intervalMs, survives failing reports, and stop() reports once more then closes', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    vi.setSystemTime(EXAMPLE_TIMESTAMP);
    const registry = new MetricsRegistry();
    const counter = registry.counter('ticks');
    let fail = false;
    registry.gauge('flaky', {}, () => {
      if (fail) throw new Error('flaky');
      return 1;
    });
    const ingest = new RecordingSink();
    const errors: SfxErrorLike[] = [];
    const reporter = new SignalFxReporter({ registry, ingest, intervalMs: 1000, onError: (e) => errors.push(e) });
    expect(reporter.start()).toBe(true);
    expect(reporter.start()).toBe(false);
    expect(reporter.running).toBe(true);
    counter.inc();
    await vi.advanceTimersByTimeAsync(999);
    expect(ingest.batches).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(ingest.batches).toHaveLength(1);
    fail = true;
    counter.inc();
    await vi.advanceTimersByTimeAsync(1000);
    expect(ingest.batches).toHaveLength(2);
    expect(errors).toHaveLength(1);
    fail = false;
    await vi.advanceTimersByTimeAsync(3000);
    expect(ingest.batches).toHaveLength(5);
    const timestamps = ingest
      .points()
      .filter((p) => p.metric === 'ticks')
      .map((p) => p.timestamp);
    expect(timestamps).toEqual([1, 2, 3, 4, 5].map((i) => EXAMPLE_TIMESTAMP + i * 1000));

    counter.inc();
    await reporter.stop();
    expect(ingest.batches).toHaveLength(6);
    expect(
      ingest
        .points()
        .filter((p) => p.metric === 'ticks')
        .at(-1),
    ).toMatchObject({ value: 3 });
    expect(ingest.closes).toBe(1);
    expect(reporter.running).toBe(false);
    await reporter.stop();
    expect(ingest.closes).toBe(1);
    await vi.advanceTimersByTimeAsync(5000);
    expect(ingest.batches).toHaveLength(6);
    expect(() => reporter.start()).toThrow(ClosedError);
  });

  it('only flushes on stop with closeIngest: false', async () => {
    const registry = new MetricsRegistry();
    registry.counter('c');
    const ingest = new RecordingSink();
    const reporter = new SignalFxReporter({ registry, ingest, closeIngest: false });
    await reporter.stop();
    expect([ingest.flushes, ingest.closes, ingest.batches.length]).toEqual([1, 0, 1]);
  });

  it('stop() never rejects: a failing close goes to onError', async () => {
    const registry = new MetricsRegistry();
    const ingest = new RecordingSink();
    ingest.close = async () => {
      throw new Error('socket');
    };
    const errors: SfxErrorLike[] = [];
    await new SignalFxReporter({ registry, ingest, onError: (e) => errors.push(e) }).stop();
    expect(errors.map((e) => e.message)).toEqual(['closing the ingest client failed']);
  });

  it('creates its own IngestClient from SFX_TOKEN when given neither ingest nor token', async () => {
    const saved = process.env.SFX_TOKEN;
    process.env.SFX_TOKEN = 'from-the-environment';
    try {
      const reporter = new SignalFxReporter({
        registry: new MetricsRegistry(),
        ingestOptions: { endpoint: 'http://127.0.0.1:9', flushOnExit: false, retry: false },
      });
      expect(typeof reporter.ingest.send).toBe('function');
      await reporter.ingest.close();
      delete process.env.SFX_TOKEN;
      expect(() => new SignalFxReporter({ registry: new MetricsRegistry() })).toThrow(/SFX_TOKEN/);
    } finally {
      if (saved === undefined) delete process.env.SFX_TOKEN;
      else process.env.SFX_TOKEN = saved;
    }
  });

  it('validates its options', () => {
    const registry = new MetricsRegistry();
    const ingest = new RecordingSink();
    const savedToken = process.env.SFX_TOKEN;
    delete process.env.SFX_TOKEN;
    expect(() => new SignalFxReporter({ ingest })).toThrow(ValidationError);
    expect(() => new SignalFxReporter({ registry })).toThrow(ValidationError);
    if (savedToken !== undefined) process.env.SFX_TOKEN = savedToken;
    expect(() => new SignalFxReporter({ registry, ingest, intervalMs: 0 })).toThrow(ValidationError);
    expect(() => new SignalFxReporter({ registry, ingest, naming: 'other' as 'measured' })).toThrow(ValidationError);
    expect(() => new SignalFxReporter({ registry, ingest, defaultDimensions: { a: 1 as unknown as string } })).toThrow(
      ValidationError,
    );
    expect(() => new SignalFxReporter({ registry, ingest, sources: [{} as unknown as { collect: () => [] }] })).toThrow(
      ValidationError,
    );
  });
});

describe('fromPromClient', () => {
  it('reports counters, gauges, histograms and summaries with labels as dimensions', async () => {
    const prom = new client.Registry();
    const requests = new client.Counter({
      name: 'http_requests_total',
      help: 'h',
      labelNames: ['route'],
      registers: [prom],
    });
    requests.inc({ route: '/a' }, 2);
    requests.inc({ route: '/b' });
    new client.Gauge({ name: 'queue_depth', help: 'h', registers: [prom] }).set(7);
    const latency = new client.Histogram({ name: 'latency_seconds', help: 'h', buckets: [0.1, 1], registers: [prom] });
    latency.observe(0.5);
    latency.observe(0.05);
    const size = new client.Summary({ name: 'size_bytes', help: 'h', percentiles: [0.5, 0.9], registers: [prom] });
    size.observe(10);
    new client.Summary({ name: 'empty_summary', help: 'h', percentiles: [0.5], registers: [prom] });

    const ingest = new RecordingSink();
    const reporter = new SignalFxReporter({
      sources: [fromPromClient(prom)],
      ingest,
      defaultDimensions: { env: 'test' },
    });
    await reporter.reportNow(EXAMPLE_TIMESTAMP);
    const env = { env: 'test' };
    const expected = [
      { type: 'cumulative_counter', metric: 'http_requests_total', value: 2, dimensions: { route: '/a', ...env } },
      { type: 'cumulative_counter', metric: 'http_requests_total', value: 1, dimensions: { route: '/b', ...env } },
      { type: 'gauge', metric: 'queue_depth', value: 7, dimensions: env },
      { type: 'cumulative_counter', metric: 'latency_seconds_bucket', value: 1, dimensions: { le: '0.1', ...env } },
      { type: 'cumulative_counter', metric: 'latency_seconds_bucket', value: 2, dimensions: { le: '1', ...env } },
      { type: 'cumulative_counter', metric: 'latency_seconds_bucket', value: 2, dimensions: { le: '+Inf', ...env } },
      { type: 'cumulative_counter', metric: 'latency_seconds_sum', value: 0.55, dimensions: env },
      { type: 'cumulative_counter', metric: 'latency_seconds_count', value: 2, dimensions: env },
      { type: 'gauge', metric: 'size_bytes', value: 10, dimensions: { quantile: '0.5', ...env } },
      { type: 'gauge', metric: 'size_bytes', value: 10, dimensions: { quantile: '0.9', ...env } },
      { type: 'cumulative_counter', metric: 'size_bytes_sum', value: 10, dimensions: env },
      { type: 'cumulative_counter', metric: 'size_bytes_count', value: 1, dimensions: env },
      // prom-client itself gives 0 for the quantiles of an empty summary.
      { type: 'gauge', metric: 'empty_summary', value: 0, dimensions: { quantile: '0.5', ...env } },
      { type: 'cumulative_counter', metric: 'empty_summary_sum', value: 0, dimensions: env },
      { type: 'cumulative_counter', metric: 'empty_summary_count', value: 0, dimensions: env },
    ];
    const points = ingest.points();
    for (const point of points) expect(point.timestamp).toBe(EXAMPLE_TIMESTAMP);
    const key = (p: { metric: string; dimensions: Record<string, string> }) => p.metric + JSON.stringify(p.dimensions);
    const actual = points.map(({ timestamp: _, ...rest }) => rest).sort((a, b) => key(a).localeCompare(key(b)));
    expect(actual).toEqual(expected.sort((a, b) => key(a).localeCompare(key(b))));
  });

  it('reports a registry and a prom-client registry together, and a failing source to onError', async () => {
    const prom = new client.Registry();
    new client.Gauge({ name: 'g', help: 'h', registers: [prom] }).set(1);
    const registry = new MetricsRegistry();
    registry.counter('c').inc();
    const ingest = new RecordingSink();
    const errors: SfxErrorLike[] = [];
    const broken = {
      collect: async () => {
        throw new Error('source down');
      },
    };
    const reporter = new SignalFxReporter({
      registry,
      sources: [fromPromClient(prom), broken],
      ingest,
      onError: (e) => errors.push(e),
    });
    const result = await reporter.reportNow();
    expect(result.datapoints).toBe(2);
    expect(errors.map((e) => e.message)).toEqual(['a metric source could not be read']);
    expect(() => fromPromClient({} as never)).toThrow(ValidationError);
  });
});
