import { IngestClient } from '@sfx/ingest';
import { RestClient } from '@sfx/rest';
import { SignalFlowClient } from '@sfx/signalflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/index.js';

const R = 10_000;
const POINTS = 30;
const BASE = Math.floor((Date.now() - (POINTS + 6) * R) / R) * R;
const TOKEN = 'own-token';
// host-h, cpu c at step i: h * 100 + c * 10 + i; the mean over cpus is h * 100 + 5 + i.
const expectedValue = (host: number, cpu: number, step: number) => host * 100 + cpu * 10 + step;

let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator({ tokens: [TOKEN], users: [{ email: 'dev@example.com', password: 'pw' }] });
});
afterAll(() => emulator.close());

describe('our own clients against the emulator: send, query, compute', () => {
  it('sends with IngestClient (protobuf, gzip)', async () => {
    const ingest = new IngestClient({ token: TOKEN, endpoint: emulator.ingestUrl, proxy: false });
    try {
      for (let step = 0; step < POINTS; step++) {
        const gauges = [];
        for (let host = 0; host < 3; host++) {
          for (let cpu = 0; cpu < 2; cpu++) {
            gauges.push({
              metric: 'cpu.utilization',
              value: expectedValue(host, cpu, step),
              timestamp: BASE + step * R,
              dimensions: { host: `host-${host}`, cpu: String(cpu) },
            });
          }
        }
        ingest.send({ gauges, counters: [{ metric: 'requests', value: 1, timestamp: BASE + step * R }] });
      }
      await ingest.sendEvent({ eventType: 'deploy', properties: { version: '1.0.0' }, timestamp: BASE });
      const result = await ingest.flush();
      expect(result).toMatchObject({ sent: POINTS * 7, failed: 0, dropped: 0 });
    } finally {
      await ingest.close();
    }
    expect(emulator.store.stats()).toMatchObject({ series: 7, points: POINTS * 7, events: 1 });
    expect(emulator.store.events()[0]).toMatchObject({ eventType: 'deploy', properties: { version: '1.0.0' } });
  });

  it('queries metadata and manages a detector with RestClient', async () => {
    const rest = new RestClient({ token: TOKEN, endpoint: emulator.apiUrl, retry: false, proxy: false });
    try {
      const metrics = await rest.metrics.search({ query: 'name:cpu.*' });
      expect(metrics.count).toBe(1);
      expect(metrics.results[0]).toMatchObject({ name: 'cpu.utilization', type: 'GAUGE' });
      const ids: string[] = [];
      for await (const mts of rest.metricTimeSeries.list({
        query: 'sf_metric:cpu.utilization AND host:host-1',
        limit: 1,
      })) {
        ids.push(String(mts.id));
      }
      expect(ids.sort()).toEqual(
        [
          emulator.store.seriesId('cpu.utilization', { host: 'host-1', cpu: '0' }),
          emulator.store.seriesId('cpu.utilization', { host: 'host-1', cpu: '1' }),
        ].sort(),
      );
      const detector = {
        name: 'High CPU',
        programText: "detect(when(data('cpu.utilization') > 250)).publish('high')",
        rules: [{ detectLabel: 'high', severity: 'Critical' as const }],
      };
      await rest.detectors.validate(detector);
      const invalid = await rest.detectors
        .validate({ ...detector, programText: "detect(when(data('x') >)).publish('high')" })
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      expect(invalid).toMatchObject({ status: 400 });
      const tag = await rest.tags.update('team-a', { description: 'Team A' });
      expect(tag).toMatchObject({ name: 'team-a', description: 'Team A' });
      const session = await RestClient.login({
        email: 'dev@example.com',
        password: 'pw',
        endpoint: emulator.apiUrl,
        proxy: false,
      });
      expect(session.accessToken).toEqual(expect.any(String));
    } finally {
      await rest.close();
    }
  });

  it.each(['websocket', 'sse'] as const)('computes mean by host with SignalFlowClient over %s', async (transport) => {
    const flow = new SignalFlowClient({
      token: TOKEN,
      endpoint: emulator.streamUrl,
      transport,
      proxy: false,
      reconnect: false,
    });
    try {
      const computation = flow.execute("data('cpu.utilization').mean(by=['host']).publish()", {
        start: BASE,
        stop: BASE + (POINTS - 1) * R,
        resolution: R,
      });
      const batches: Array<{ logicalTimestampMs: number; data: Record<string, number | null> }> = [];
      for await (const message of computation) {
        if (message.type === 'data') batches.push(message as (typeof batches)[number]);
      }
      expect(computation.resolution).toBe(R);
      expect(batches).toHaveLength(POINTS);
      for (const [step, batch] of batches.entries()) {
        expect(batch.logicalTimestampMs).toBe(BASE + step * R);
        const byHost = Object.fromEntries(
          Object.entries(batch.data).map(([tsId, value]) => [computation.getMetadata(tsId)?.host, value]),
        );
        expect(byHost).toEqual({ 'host-0': 5 + step, 'host-1': 105 + step, 'host-2': 205 + step });
      }
    } finally {
      await flow.close();
    }
  });
});
