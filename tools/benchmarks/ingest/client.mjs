// One client run in its own process, so CPU and peak RSS belong to that client alone.
// argv: <ours|peer|ceiling> <port> <datapoints> <chunk> <batchSize> <peerBatchSize> [yield]
// A batch size of 0 means the client's default (ours 5,000, the peer 300).

import { gzipSync } from 'node:zlib';
import { encodeDatapoints, IngestClient } from '@sfx/ingest';
import signalfx from 'signalfx';
import { Agent, request } from 'undici';
import { makeGauges } from './data.mjs';

const yielding = process.argv[8] === 'yield';
const [which, port, total, chunk, batchSize, peerBatchSize] = [
  process.argv[2],
  Number(process.argv[3]),
  Number(process.argv[4]),
  Number(process.argv[5]),
  Number(process.argv[6]),
  Number(process.argv[7]),
];
const endpoint = `http://127.0.0.1:${port}`;
const timestamp = 1_700_000_000_000;
// The data exists before timing starts, as in an application that already holds its values.
const chunks = [];
for (let start = 0; start < total; start += chunk)
  chunks.push(makeGauges(start, Math.min(chunk, total - start), timestamp));
global.gc?.();
const rssBefore = process.memoryUsage().rss;
let finish = async () => {};

// By default the whole run is one synchronous loop of send() calls, a burst: no request can leave
// before it ends, so the clients queue everything. With --yield the loop yields to the event loop
// between calls (one turn each), so requests leave while it runs. Both clients get the same loop.
const yieldToEventLoop = () => (yielding ? new Promise((resolve) => setImmediate(resolve)) : undefined);

let cpuStart;
let startedAt;
if (which === 'ours') {
  // Default settings (the queue bound of 1,000,000 included), apart from the batch size when --batch
  // asks for one.
  const client = new IngestClient({
    token: 'bench',
    endpoint,
    ...(batchSize ? { batchSize } : {}),
    flushOnExit: false,
  });
  cpuStart = process.cpuUsage();
  startedAt = Date.now();
  for (const points of chunks) {
    client.send({ gauges: points });
    await yieldToEventLoop();
  }
  finish = async () => {
    const result = await client.close();
    return { lost: result.failed + result.dropped };
  };
} else if (which === 'peer') {
  const client = new signalfx.Ingest('bench', {
    ingestEndpoint: endpoint,
    ...(peerBatchSize ? { batchSize: peerBatchSize } : {}),
  });
  cpuStart = process.cpuUsage();
  startedAt = Date.now();
  for (const points of chunks) {
    client.send({ gauges: points });
    await yieldToEventLoop();
  }
  finish = async () => ({ lost: 0 });
} else {
  // The wire ceiling: the same batches encoded and gzipped beforehand, only posted here.
  const bodies = [];
  const all = chunks.flat();
  const size = batchSize || 5000;
  for (let i = 0; i < all.length; i += size) {
    const points = all.slice(i, i + size).map((p) => ({ ...p, metricType: 'gauge' }));
    bodies.push(gzipSync(encodeDatapoints(points, 'protobuf'), { level: 1 }));
  }
  const agent = new Agent({ connections: 4 });
  cpuStart = process.cpuUsage();
  startedAt = Date.now();
  let next = 0;
  const worker = async () => {
    while (next < bodies.length) {
      const body = bodies[next++];
      const res = await request(`${endpoint}/v2/datapoint`, {
        method: 'POST',
        body,
        dispatcher: agent,
        headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip', 'x-sf-token': 'bench' },
      });
      await res.body.dump();
    }
  };
  const done = Promise.all([worker(), worker(), worker(), worker()]);
  finish = async () => {
    await done;
    await agent.close();
    return { lost: 0 };
  };
}
process.send({ started: startedAt });
process.on('message', async (message) => {
  if (message.cmd !== 'report') return;
  const { lost } = await finish();
  const cpu = process.cpuUsage(cpuStart);
  process.send({
    report: {
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      rssGrowthMB: (process.resourceUsage().maxRSS * 1024 - rssBefore) / 1048576,
      clientLost: lost,
    },
  });
  setTimeout(() => process.exit(0), 50);
});
