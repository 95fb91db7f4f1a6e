import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { clearAwsUniqueIdCache } from '@sfx/aws';
import { type Emulator, startEmulator } from '@sfx/emulator';
import { IngestClient } from '@sfx/ingest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendWithAwsUniqueId } from '../src/aws-unique-id.js';
import { formatTable, historicalTable } from '../src/historical-table.js';
import { reportRegistry } from '../src/report-registry.js';
import { sendDatapoints } from '../src/send-datapoints.js';
import { sendDeploymentEvent } from '../src/send-event.js';
import { streamComputation } from '../src/stream-computation.js';

const TOKEN = 'examples-token';
let emulator: Emulator;
let urls: { ingestUrl: string; apiUrl: string; streamUrl: string };

beforeAll(async () => {
  emulator = await startEmulator({ host: '127.0.0.1', port: 0, tokens: [TOKEN] });
  urls = { ingestUrl: emulator.ingestUrl, apiUrl: emulator.apiUrl, streamUrl: emulator.streamUrl };
});
afterAll(async () => {
  await emulator?.close();
});

function series(metric: string) {
  return [...emulator.store.findSeries(metric)].map((s) => ({
    type: s.metricType,
    dimensions: { ...s.dimensions },
    values: s.points(0, Number.MAX_SAFE_INTEGER).map((p) => p.value),
  }));
}

/** Sends `cpu.utilization` for hosts a and b, one point per 10 s over [start, start + count * 10 s). */
async function seedCpu(start: number, count: number): Promise<Map<string, number>> {
  const ingest = new IngestClient({ token: TOKEN, endpoint: emulator.ingestUrl });
  const sent = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const timestamp = start + i * 10_000;
    const gauges = ['a', 'b'].map((host, h) => ({
      metric: 'seeded.cpu',
      value: 10 * (h + 1) + i,
      timestamp,
      dimensions: { host },
    }));
    for (const g of gauges) sent.set(`${g.dimensions.host}@${timestamp}`, g.value);
    ingest.send({ gauges });
  }
  await ingest.close();
  return sent;
}

describe('examples, run against the emulator', () => {
  it('send-datapoints: gauges, counters and cumulative counters with dimensions', async () => {
    expect(await sendDatapoints(urls, TOKEN)).toEqual({ sent: 4, failed: 0, dropped: 0 });
    expect(series('cpu.utilization')).toEqual(
      expect.arrayContaining([
        { type: 'gauge', dimensions: { host: 'web-1', env: 'example' }, values: [42.5] },
        { type: 'gauge', dimensions: { host: 'web-2', env: 'example' }, values: [17] },
      ]),
    );
    expect(series('http.requests')).toEqual([
      { type: 'counter', dimensions: { host: 'web-1', route: '/login', env: 'example' }, values: [12] },
    ]);
    expect(series('bytes.sent')[0]).toMatchObject({ type: 'cumulative_counter', values: [1_048_576] });
  });

  it('send-event: one event with dimensions and properties', async () => {
    await sendDeploymentEvent(urls, TOKEN);
    expect(emulator.store.events().find((e) => e.eventType === 'deployment')).toMatchObject({
      category: 'USER_DEFINED',
      dimensions: { service: 'checkout', env: 'example' },
      properties: { version: '1.4.2', canary: true, replicas: 3 },
    });
  });

  it('aws-unique-id: the AWSUniqueId dimension from an (emulated, loopback) EC2 metadata service', async () => {
    const imds: Server = createServer((request, response) => {
      if (request.method === 'PUT' && request.url === '/latest/api/token') {
        response.end('imds-token');
      } else if (
        request.url === '/latest/dynamic/instance-identity/document' &&
        request.headers['x-aws-ec2-metadata-token'] === 'imds-token'
      ) {
        response.setHeader('content-type', 'application/json');
        response.end(JSON.stringify({ instanceId: 'i-0abc', region: 'us-west-2', accountId: '123456789012' }));
      } else {
        response.statusCode = 404;
        response.end();
      }
    });
    await new Promise<void>((resolve) => imds.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(imds.address() as AddressInfo).port}`;
    try {
      clearAwsUniqueIdCache();
      const result = await sendWithAwsUniqueId(urls, TOKEN, {
        ec2Endpoint: base,
        ecsV2Endpoint: base,
        ecsMetadataUri: '',
      });
      expect(result).toMatchObject({ awsId: 'i-0abc_us-west-2_123456789012', sent: 1 });
      expect(series('queue.depth')).toContainEqual({
        type: 'gauge',
        dimensions: { queue: 'orders', AWSUniqueId: 'i-0abc_us-west-2_123456789012' },
        values: [7],
      });
    } finally {
      imds.closeAllConnections();
      await new Promise<void>((resolve) => imds.close(() => resolve()));
    }
  });

  it('report-registry: a registry reported through an ingest client', async () => {
    await reportRegistry({ token: TOKEN, ingestUrl: emulator.ingestUrl });
    expect(series('orders')).toEqual([
      { type: 'cumulative_counter', dimensions: { route: '/checkout', service: 'shop' }, values: [1] },
    ]);
    expect(series('queue.depth')).toContainEqual({
      type: 'gauge',
      dimensions: { queue: 'orders', service: 'shop' },
      values: [2],
    });
    expect(series('payload.bytes.max')[0]?.values).toEqual([512]);
    expect(series('db.query')[0]).toMatchObject({ type: 'cumulative_counter', values: [1] });
  });

  it('stream-computation: values with the metadata of their series', async () => {
    const start = Math.floor(Date.now() / 10_000) * 10_000 - 60_000;
    const sent = await seedCpu(start, 6);
    const values = await streamComputation(
      "data('seeded.cpu').mean(by=['host']).publish()",
      { start, stop: start + 50_000, resolution: 10_000 },
      urls,
      TOKEN,
      6,
    );
    expect(values).toHaveLength(12);
    for (const value of values) {
      expect(value.metric).toBe('seeded.cpu');
      expect(value.value).toBe(sent.get(`${value.host}@${value.timestampMs}`));
    }
  });

  it('historical-table: a row per timestamp, a column per series', async () => {
    const start = Math.floor(Date.now() / 10_000) * 10_000 - 120_000;
    await seedCpu(start, 3);
    const table = await historicalTable(
      "data('seeded.cpu').sum(by=['host']).publish()",
      { start, stop: start + 20_000, resolution: 10_000 },
      urls,
      TOKEN,
    );
    expect(table.columns).toEqual(['host=a', 'host=b']);
    expect(table.rows).toEqual([
      { timestampMs: start, values: [10, 20] },
      { timestampMs: start + 10_000, values: [11, 21] },
      { timestampMs: start + 20_000, values: [12, 22] },
    ]);
    expect(formatTable(table).split('\n')[0]).toMatch(/time\s+host=a\s+host=b/);
  });
});
