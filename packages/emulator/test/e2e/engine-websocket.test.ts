import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/index.js';
import type { TimeSeriesStore } from '../../src/store/time-series-store.js';
import { endOf, type Message, RawClient } from '../helpers/ws-client.js';

const R = 10_000;
// Aligned on the resolution, an hour ago.
const BASE = Math.floor((Date.now() - 3_600_000) / R) * R;

let emulator: Emulator;
let client: RawClient;

beforeAll(async () => {
  emulator = await startEmulator({ signalflow: { keepAliveIntervalMs: 60_000 } });
  const store = emulator.store as TimeSeriesStore;
  // m: host a = i, host b = 10 * i, every 10 s for 60 points.
  for (let i = 0; i < 60; i++) {
    store.addDatapoint({
      metric: 'm',
      metricType: 'gauge',
      dimensions: { host: 'a' },
      timestamp: BASE + i * R,
      value: i,
    });
    store.addDatapoint({
      metric: 'm',
      metricType: 'gauge',
      dimensions: { host: 'b' },
      timestamp: BASE + i * R,
      value: 10 * i,
    });
  }
});
afterAll(() => emulator.close());
beforeEach(async () => {
  client?.close();
  client = await RawClient.connect(emulator.streamUrl);
  await client.authenticate();
});

const dataOf = (channel: string) => client.channel(channel).filter((m) => m.type === 'data');
const labelOf = (channel: string, tsId: string) =>
  (client.channel(channel).find((m) => m.type === 'metadata' && m.tsId === tsId)?.properties as Message)
    ?.sf_streamLabel;

describe('the real engine behind the WebSocket protocol', () => {
  it('streams two publishes as two data messages per timestamp, metadata first, with computed values', async () => {
    const program =
      "total = data('m').sum().publish('total')\ndata('m', filter=filter('host', 'b')).scale(2).publish('b2')";
    client.send({ type: 'execute', channel: 'two', program, start: BASE, stop: BASE + 5 * R, resolution: R });
    await client.waitFor(endOf('two'));
    const data = dataOf('two');
    expect(data).toHaveLength(12);
    const seen = new Set<string>();
    for (const message of client.channel('two')) {
      if (message.type === 'metadata') seen.add(String(message.tsId));
      if (message.type === 'data') {
        for (const point of message.data as Array<{ tsId: string }>) expect(seen.has(point.tsId)).toBe(true);
      }
    }
    for (let k = 0; k <= 5; k++) {
      const [first, second] = [data[2 * k]!, data[2 * k + 1]!];
      expect(first.logicalTimestampMs).toBe(BASE + k * R);
      expect(second.logicalTimestampMs).toBe(BASE + k * R);
      const values = [
        ...(first.data as Array<{ tsId: string; value: number }>),
        ...(second.data as Array<{ tsId: string; value: number }>),
      ];
      const byLabel = Object.fromEntries(values.map((p) => [labelOf('two', p.tsId), p.value]));
      expect(byLabel).toEqual({ total: 11 * k, b2: 20 * k });
    }
    const summary = client
      .channel('two')
      .map((m) => (m.type === 'message' ? (m.message as Message).messageCode : m.type));
    // JOB_RUNNING_RESOLUTION right after the first timestamp's two data messages.
    const firstInfo = summary.indexOf('JOB_RUNNING_RESOLUTION');
    expect(summary.slice(0, firstInfo).filter((s) => s === 'data')).toHaveLength(2);
  });

  it('forwards warnings found while computing, after the data: GROUPBY_MISSING_PROPERTY', async () => {
    const store = emulator.store as TimeSeriesStore;
    for (let i = 0; i < 3; i++) {
      store.addDatapoint({
        metric: 'g',
        metricType: 'gauge',
        dimensions: { host: 'a' },
        timestamp: BASE + i * R,
        value: i,
      });
      store.addDatapoint({
        metric: 'g',
        metricType: 'gauge',
        dimensions: { other: 'x' },
        timestamp: BASE + i * R,
        value: i,
      });
    }
    const program = "data('g').sum(by=['host']).publish()";
    client.send({ type: 'execute', channel: 'warn', program, start: BASE, stop: BASE + 2 * R, resolution: R });
    await client.waitFor(endOf('warn'));
    const codes = client
      .channel('warn')
      .map((m) => (m.type === 'message' ? (m.message as Message).messageCode : m.type));
    const warning = codes.indexOf('GROUPBY_MISSING_PROPERTY');
    expect(warning).toBeGreaterThan(codes.indexOf('data'));
    const message = client
      .channel('warn')
      .find((m) => m.type === 'message' && (m.message as Message).messageCode === 'GROUPBY_MISSING_PROPERTY')
      ?.message as Message;
    expect(message.messageLevel).toBe('WARNING');
  });

  it('reports syntax and name errors with line and column from the parser', async () => {
    client.send({
      type: 'execute',
      channel: 'syn',
      program: "a = data('m')\nb = a.mean(by=['host'\n",
      start: BASE,
      stop: BASE,
    });
    client.send({ type: 'execute', channel: 'name', program: "data('m').nosuch().publish()", start: BASE, stop: BASE });
    await client.waitFor((messages) => endOf('syn')(messages) && endOf('name')(messages));
    const [syntax] = client.channel('syn');
    expect(syntax).toMatchObject({ type: 'error', error: 400, errorType: 'ANALYTICS_PROGRAM_SYNTAX_ERROR' });
    expect((syntax!.context as Message).line).toBeGreaterThanOrEqual(2);
    const [name] = client.channel('name');
    expect(name).toMatchObject({ type: 'error', error: 400, context: { line: 1, column: expect.any(Number) } });
    expect(String(name!.errorType)).toMatch(/NAME_ERROR|UNSUPPORTED/);
  });

  it('publishes detect events', async () => {
    const program = "detect(when(data('m', filter=filter('host', 'a')) > 3)).publish('high')";
    client.send({ type: 'execute', channel: 'det', program, start: BASE, stop: BASE + 6 * R, resolution: R });
    await client.waitFor(endOf('det'));
    const events = client.channel('det').filter((m) => m.type === 'event');
    expect(events.length).toBeGreaterThanOrEqual(1);
    expect(events[0]).toMatchObject({ timestampMs: BASE + 4 * R, metadata: expect.any(Object) });
    expect((events[0]!.properties as Message).is).toBe('anomalous');
  });

  it('computes a live job as points arrive', async () => {
    const store = emulator.store as TimeSeriesStore;
    const now = Date.now();
    const start = Math.floor(now / 1000) * 1000 - 3_000;
    // Every 250 ms up to now, then the feeder goes on every 250 ms: no window is left empty.
    for (let t = start - 5_000; t <= now; t += 250) {
      store.addDatapoint({ metric: 'live', metricType: 'gauge', dimensions: {}, timestamp: t, value: 7 });
    }
    const feeder = setInterval(() => {
      store.addDatapoint({ metric: 'live', metricType: 'gauge', dimensions: {}, timestamp: Date.now(), value: 7 });
    }, 250);
    try {
      client.send({
        type: 'execute',
        channel: 'live',
        program: "data('live').publish()",
        start,
        resolution: 1000,
        maxDelay: 300,
      });
      await client.waitFor(
        (messages) => messages.filter((m) => m.channel === 'live' && m.type === 'data').length >= 5,
        10_000,
      );
    } finally {
      clearInterval(feeder);
    }
    const data = dataOf('live');
    const stamps = data.map((m) => m.logicalTimestampMs as number);
    expect(stamps).toEqual([...stamps].sort((a, b) => a - b));
    expect(stamps[0]).toBe(start);
    for (const message of data) expect((message.data as Array<{ value: number }>).map((p) => p.value)).toEqual([7]);
    expect(client.channel('live').some((m) => m.event === 'END_OF_CHANNEL')).toBe(false);
  });
});

describe('execute with disableAllMetricPublishes', () => {
  it('streams the events of detect blocks but no metric data or metric metadata', async () => {
    const program = "A = data('m', filter=filter('host', 'a')).publish('A')\ndetect(when(A > 2)).publish('high')";
    client.send({
      type: 'execute',
      channel: 'quiet',
      program,
      start: BASE,
      stop: BASE + 5 * R,
      resolution: R,
      disableAllMetricPublishes: true,
    });
    await client.waitFor(endOf('quiet'));
    const messages = client.channel('quiet');
    expect(messages.filter((m) => m.type === 'data')).toEqual([]);
    const metadata = messages.filter((m) => m.type === 'metadata');
    expect(metadata.map((m) => (m.properties as Message).sf_type)).toEqual(['EventTimeSeries']);
    const events = messages.filter((m) => m.type === 'event');
    expect(events.map((m) => [m.timestampMs, (m.properties as Message).is])).toEqual([[BASE + 3 * R, 'anomalous']]);
    expect(messages.at(-1)).toMatchObject({ type: 'control-message', event: 'END_OF_CHANNEL' });
    expect(messages.some((m) => (m.message as Message | undefined)?.messageCode === 'JOB_RUNNING_RESOLUTION')).toBe(
      true,
    );
  });
});
