// Heap kept per queued datapoint while the ingest endpoint is down. Run with --expose-gc.
// argv: <ours|peer> <datapoints> <batchSize>
import { createServer } from 'node:net';
import { IngestClient } from '@sfx/ingest';
import signalfx from 'signalfx';
import { makeGauges } from './data.mjs';

const [which, total, batchSize] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
// A port nobody listens on: bound, then released.
const port = await new Promise((resolve) => {
  const server = createServer().listen(0, '127.0.0.1', () => {
    const { port } = server.address();
    server.close(() => resolve(port));
  });
});
const endpoint = `http://127.0.0.1:${port}`;
const heap = () => {
  global.gc();
  global.gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};
const logger = { error() {}, warn() {}, info() {}, debug() {} };
let client;
if (which === 'ours') {
  client = new IngestClient({
    token: 'bench',
    endpoint,
    ...(batchSize ? { batchSize } : {}),
    flushOnExit: false,
    logger,
    // Default queue bound (1,000,000 waiting); a long first backoff keeps the refused requests in
    // flight (not yet counted failed) for the measurement.
    retry: { maxAttempts: 1000, maxElapsedMs: 600_000, initialDelayMs: 10_000 },
  });
} else {
  // The peer logs each failed request to the console; silence it for the measurement.
  console.error = () => {};
  client = new signalfx.Ingest('bench', { ingestEndpoint: endpoint, ...(batchSize ? { batchSize } : {}) });
}
const timestamp = 1_700_000_000_000;
const before = heap();
// The application keeps no reference to what it sent: only the client holds the queued points.
const chunk = 1000;
for (let start = 0; start < total; start += chunk) {
  const points = makeGauges(start, chunk, timestamp);
  if (which === 'ours') client.send({ gauges: points });
  else client.send({ gauges: points }).catch(() => {});
}
await new Promise((r) => setTimeout(r, 1500));
const after = heap();
// The peer drops a batch whose request fails and keeps the rest in its queue array.
const queued = which === 'ours' ? client.stats().queued + client.stats().inFlight : client.queue.length;
const dropped = which === 'ours' ? client.stats().dropped : 0;
process.send?.({ bytesPerQueued: (after - before) / queued, queued, dropped });
process.exit(0);
