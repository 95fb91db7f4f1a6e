import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/index.js';

// The peer npm client, a dev dependency of tools/benchmarks, used unmodified.
const require = createRequire(import.meta.url);
const signalfx = require('signalfx') as {
  Ingest: new (
    token: string,
    options: { ingestEndpoint: string; batchSize?: number },
  ) => { send(data: { gauges: unknown[] }): Promise<unknown> };
  SignalFlow: new (
    token: string,
    options: { signalflowEndpoint: string; apiEndpoint: string },
  ) => {
    execute(options: Record<string, unknown>): {
      stream(callback: (error: unknown, message: Record<string, any>) => void): boolean;
      get_metadata(tsId: string): { properties: Record<string, unknown> } | null;
    };
    disconnect(): void;
  };
};

const HOSTS = 10;
const CPUS = 2;
const POINTS_PER_SERIES = 500;
const RESOLUTION = 10_000;
// 500 points of 10 s each, ending a little before now, aligned on the resolution.
const BASE = Math.floor((Date.now() - (POINTS_PER_SERIES + 6) * RESOLUTION) / RESOLUTION) * RESOLUTION;
const expectedValue = (host: number, cpu: number, index: number) => host * 100 + cpu * 10 + (index % 5);

let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator({ tokens: ['peer-token'] });
});
afterAll(() => emulator.close());

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('the signalfx npm client against the emulator', () => {
  it('sends 10,000 datapoints, then streams mean(by=host) with the right values and metadata', async () => {
    const ingest = new signalfx.Ingest('peer-token', { ingestEndpoint: emulator.ingestUrl });
    const gauges: unknown[] = [];
    for (let index = 0; index < POINTS_PER_SERIES; index++) {
      for (let host = 0; host < HOSTS; host++) {
        for (let cpu = 0; cpu < CPUS; cpu++) {
          gauges.push({
            metric: 'cpu.utilization',
            value: expectedValue(host, cpu, index),
            timestamp: BASE + index * RESOLUTION,
            dimensions: { host: `host-${host}`, cpu: String(cpu) },
          });
        }
      }
    }
    expect(gauges).toHaveLength(10_000);
    await ingest.send({ gauges });
    // The client posts batches of 300 one after the other, after send() resolves.
    await until(() => emulator.store.stats().points === 10_000, 20_000);
    expect(emulator.store.stats().series).toBe(HOSTS * CPUS);

    const flow = new signalfx.SignalFlow('peer-token', {
      signalflowEndpoint: emulator.streamUrl.replace('http', 'ws'),
      apiEndpoint: emulator.apiUrl,
    });
    const stop = BASE + (POINTS_PER_SERIES - 1) * RESOLUTION;
    const computation = flow.execute({
      program: "data('cpu.utilization').mean(by=['host']).publish()",
      start: BASE,
      stop,
      resolution: RESOLUTION,
      immediate: true,
    });
    const batches: Array<{ logicalTimestampMs: number; data: Array<{ tsId: string; value: number }> }> = [];
    const errors: unknown[] = [];
    let ended = false;
    computation.stream((error, message) => {
      if (error) errors.push(error);
      else if (message.type === 'data') batches.push(message as (typeof batches)[number]);
      else if (message.type === 'error') errors.push(message);
      else if (message.type === 'control-message' && message.event === 'END_OF_CHANNEL') ended = true;
    });
    try {
      await until(() => ended || errors.length > 0, 20_000);
    } finally {
      flow.disconnect();
    }
    expect(errors).toEqual([]);
    expect(batches).toHaveLength(POINTS_PER_SERIES);
    for (const [index, batch] of batches.entries()) {
      expect(batch.logicalTimestampMs).toBe(BASE + index * RESOLUTION);
      expect(batch.data).toHaveLength(HOSTS);
      for (const point of batch.data) {
        const metadata = computation.get_metadata(point.tsId);
        expect(metadata).not.toBeNull();
        const host = Number(String(metadata!.properties.host).replace('host-', ''));
        // mean over the two cpus: host*100 + (0 + 10)/2 + index % 5
        expect(point.value).toBeCloseTo(host * 100 + 5 + (index % 5), 9);
      }
    }
    const first = computation.get_metadata(batches[0]!.data[0]!.tsId)!.properties;
    expect(first).toMatchObject({
      sf_type: 'MetricTimeSeries',
      sf_resolutionMs: RESOLUTION,
      sf_originatingMetric: 'cpu.utilization',
      sf_key: ['host'],
    });
    expect(first.cpu).toBeUndefined();
  });
});
