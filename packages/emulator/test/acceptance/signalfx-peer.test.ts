import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/index.js';

type PeerMessage = Record<string, unknown> & { type?: string };

// The peer npm client (`signalfx`, a dev dependency of this package), required as is and used unmodified.
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
      stream(callback: (error: unknown, message: PeerMessage) => void): boolean;
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
    for (let host = 0; host < HOSTS; host++) {
      for (let cpu = 0; cpu < CPUS; cpu++) {
        const id = emulator.store.seriesId('cpu.utilization', { host: `host-${host}`, cpu: String(cpu) });
        const stored = emulator.store.getSeries(id)?.points(BASE, BASE + POINTS_PER_SERIES * RESOLUTION) ?? [];
        expect(stored.map((point) => point.value)).toEqual(
          Array.from({ length: POINTS_PER_SERIES }, (_, index) => expectedValue(host, cpu, index)),
        );
      }
    }

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
    const metadataMessages = new Map<string, Record<string, unknown>>();
    const valueBeforeMetadata: string[] = [];
    const resolutions: unknown[] = [];
    let ended = false;
    computation.stream((error, message) => {
      if (error) errors.push(error);
      else if (message.type === 'data') {
        const batch = message as unknown as (typeof batches)[number];
        for (const point of batch.data) if (!metadataMessages.has(point.tsId)) valueBeforeMetadata.push(point.tsId);
        batches.push(batch);
      } else if (message.type === 'metadata') {
        metadataMessages.set(String(message.tsId), message.properties as Record<string, unknown>);
      } else if (message.type === 'message') {
        const info = message.message as { messageCode?: string; contents?: { resolutionMs?: number } };
        if (info.messageCode === 'JOB_RUNNING_RESOLUTION') resolutions.push(info.contents?.resolutionMs);
      } else if (message.type === 'error') errors.push(message);
      else if (message.type === 'control-message' && message.event === 'END_OF_CHANNEL') ended = true;
    });
    try {
      await until(() => ended || errors.length > 0, 20_000);
    } finally {
      flow.disconnect();
    }
    expect(errors).toEqual([]);
    expect(resolutions).toEqual([RESOLUTION]);
    expect(valueBeforeMetadata).toEqual([]);

    // Metadata: one output series per host, carrying only `host` as dimension, as the client reads it.
    const hosts = Array.from({ length: HOSTS }, (_, host) => `host-${host}`);
    const tsIdByHost = new Map<string, string>();
    for (const [tsId, properties] of metadataMessages) {
      expect(computation.get_metadata(tsId)?.properties).toEqual(properties);
      expect(properties).toEqual({
        host: expect.any(String),
        sf_key: ['host'],
        sf_metric: expect.stringMatching(/^_SF_COMP_/),
        sf_originatingMetric: 'cpu.utilization',
        sf_resolutionMs: RESOLUTION,
        sf_type: 'MetricTimeSeries',
        sf_isPreQuantized: false,
      });
      tsIdByHost.set(String(properties.host), tsId);
    }
    expect([...tsIdByHost.keys()].sort()).toEqual(hosts.sort());
    expect(metadataMessages.size).toBe(HOSTS);

    // Values: every timestamp, every host once, the mean over the host's two cpus.
    expect(batches).toHaveLength(POINTS_PER_SERIES);
    for (const [index, batch] of batches.entries()) {
      expect(batch.logicalTimestampMs).toBe(BASE + index * RESOLUTION);
      const byHost = new Map(batch.data.map((point) => [metadataMessages.get(point.tsId)?.host, point.value]));
      expect(byHost.size).toBe(HOSTS);
      for (let host = 0; host < HOSTS; host++) {
        // mean over the two cpus: host*100 + (0 + 10)/2 + index % 5
        expect(byHost.get(`host-${host}`), `host-${host} at ${index}`).toBeCloseTo(host * 100 + 5 + (index % 5), 9);
      }
    }
  });
});
