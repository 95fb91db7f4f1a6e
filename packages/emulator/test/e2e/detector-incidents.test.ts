import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/index.js';
import type { TimeSeriesStore } from '../../src/store/time-series-store.js';

let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator({});
});
afterAll(() => emulator.close());

async function api(method: string, path: string, body?: unknown) {
  const response = await fetch(`${emulator.apiUrl}${path}`, {
    method,
    headers: { 'X-SF-Token': 'dev-token', 'Content-Type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return text === '' ? undefined : JSON.parse(text);
}

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('detectors run live and open incidents', () => {
  it('opens an incident when the condition holds, and resolves it when it stops holding', async () => {
    const store = emulator.store as TimeSeriesStore;
    let value = 1;
    const add = (timestamp: number) =>
      store.addDatapoint({ metric: 'queue.depth', metricType: 'gauge', dimensions: { queue: 'q1' }, timestamp, value });
    // One point every 250 ms so the detector runs at 1 s resolution.
    for (let t = Date.now() - 5_000; t <= Date.now(); t += 250) add(t);
    const feeder = setInterval(() => add(Date.now()), 250);
    try {
      const detector = await api('POST', '/v2/detector', {
        name: 'Queue too deep',
        programText: "detect(when(data('queue.depth') > 10)).publish('deep')",
        rules: [{ detectLabel: 'deep', severity: 'Major' }],
      });
      value = 50;
      const incident = await until(async () => {
        const incidents = (await api('GET', '/v2/incident')) as Array<Record<string, unknown>>;
        return incidents[0];
      }, 10_000);
      expect(incident).toMatchObject({
        detectorId: detector.id,
        detectorName: 'Queue too deep',
        detectLabel: 'deep',
        severity: 'Major',
        active: true,
        anomalyState: 'ANOMALOUS',
      });
      expect(await api('GET', `/v2/detector/${detector.id}/incidents`)).toHaveLength(1);
      value = 2;
      const resolved = await until(async () => {
        const found = (await api('GET', `/v2/incident/${incident.incidentId}`)) as Record<string, unknown>;
        return found.active === false ? found : undefined;
      }, 10_000);
      expect(resolved).toMatchObject({ anomalyState: 'OK' });
      expect(await api('GET', '/v2/incident')).toEqual([]);
      expect(await api('GET', '/v2/incident?includeResolved=true')).toHaveLength(1);
      const events = (await api('GET', `/v2/detector/${detector.id}/events`)) as Array<Record<string, unknown>>;
      expect(events.map((event) => event.anomalyState)).toEqual(['ANOMALOUS', 'OK']);
      await api('DELETE', `/v2/detector/${detector.id}`);
    } finally {
      clearInterval(feeder);
    }
  });
});

describe('incidents of a detector that is replaced or deleted', () => {
  it('are stopped, not left active forever', async () => {
    const store = emulator.store as TimeSeriesStore;
    const add = (timestamp: number) =>
      store.addDatapoint({
        metric: 'disk.full',
        metricType: 'gauge',
        dimensions: { disk: 'd1' },
        timestamp,
        value: 99,
      });
    for (let t = Date.now() - 5_000; t <= Date.now(); t += 250) add(t);
    const feeder = setInterval(() => add(Date.now()), 250);
    try {
      const body = {
        name: 'Disk full',
        programText: "detect(when(data('disk.full') > 90)).publish('full')",
        rules: [{ detectLabel: 'full' }],
      };
      const detector = await api('POST', '/v2/detector', body);
      const activeOf = async () => {
        const incidents = (await api('GET', '/v2/incident')) as Array<Record<string, unknown>>;
        return incidents.find((incident) => incident.detectorId === detector.id);
      };
      const first = await until(activeOf, 10_000);
      // Saving the detector again restarts it: the incident it had open is stopped, a new one opens.
      await api('PUT', `/v2/detector/${detector.id}`, { ...body, description: 'edited' });
      expect(await api('GET', `/v2/incident/${first.incidentId}`)).toMatchObject({
        active: false,
        anomalyState: 'STOPPED',
      });
      const second = await until(activeOf, 10_000);
      expect(second.incidentId).not.toBe(first.incidentId);
      await api('DELETE', `/v2/detector/${detector.id}`);
      expect(await activeOf()).toBeUndefined();
      expect(await api('GET', `/v2/incident/${second.incidentId}`)).toMatchObject({
        active: false,
        anomalyState: 'STOPPED',
      });
    } finally {
      clearInterval(feeder);
    }
  });
});

describe('two detectors firing at the same timestamp on the same series', () => {
  it('open one incident each', async () => {
    let clock = Math.floor(Date.now() / 1000) * 1000 + 100;
    const own = await startEmulator({ now: () => clock });
    try {
      const store = own.store as TimeSeriesStore;
      for (let t = clock - 5_000; t <= clock + 5_000; t += 250) {
        store.addDatapoint({ metric: 'load', metricType: 'gauge', dimensions: { host: 'h' }, timestamp: t, value: 99 });
      }
      const post = async (name: string, threshold: number) => {
        const response = await fetch(`${own.apiUrl}/v2/detector`, {
          method: 'POST',
          headers: { 'X-SF-Token': 'dev-token', 'Content-Type': 'application/json' },
          body: JSON.stringify({
            name,
            programText: `detect(when(data('load') > ${threshold})).publish('high')`,
            rules: [{ detectLabel: 'high' }],
          }),
        });
        return ((await response.json()) as { id: string }).id;
      };
      const warning = await post('warning', 80);
      const critical = await post('critical', 90);
      clock += 5_000;
      const incidents = await until(async () => {
        const response = await fetch(`${own.apiUrl}/v2/incident`, { headers: { 'X-SF-Token': 'dev-token' } });
        const list = (await response.json()) as Array<{ incidentId: string; detectorId: string }>;
        return list.length >= 2 ? list : undefined;
      }, 10_000);
      expect(incidents.map((incident) => incident.detectorId).sort()).toEqual([warning, critical].sort());
      expect(new Set(incidents.map((incident) => incident.incidentId)).size).toBe(2);
    } finally {
      await own.close();
    }
  });
});

describe('detector validation with the real engine', () => {
  const validate = async (programText: string, detectLabel: string) => {
    const response = await fetch(`${emulator.apiUrl}/v2/detector/validate`, {
      method: 'POST',
      headers: { 'X-SF-Token': 'dev-token', 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'd', programText, rules: [{ detectLabel }] }),
    });
    const text = await response.text();
    return { status: response.status, message: text === '' ? undefined : (JSON.parse(text).message as string) };
  };

  it("accepts a rule on a detect block's label when the program also publishes its signal", async () => {
    const program = "A = data('cpu.utilization').publish('A')\ndetect(when(A > 90)).publish('cpu_high')";
    expect(await validate(program, 'cpu_high')).toEqual({ status: 204, message: undefined });
  });

  it('rejects a rule whose label no detect block publishes', async () => {
    const onlyDetect = "detect(when(data('cpu.utilization') > 90)).publish('alert')";
    const wrong = await validate(onlyDetect, 'other');
    expect(wrong.status).toBe(400);
    expect(wrong.message).toContain("'other'");
    // A metric publish's label is not a detect label either.
    const withSignal = "A = data('cpu.utilization').publish('A')\ndetect(when(A > 90)).publish('alert')";
    expect((await validate(withSignal, 'A')).status).toBe(400);
  });
});
