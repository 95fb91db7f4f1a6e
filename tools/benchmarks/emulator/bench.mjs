// Emulator ingest benchmark: 1,000,000 datapoints posted as protobuf over loopback to an emulator
// running in its own process; prints throughput, memory per stored datapoint and checks the store
// stays within its retention bound.
// Usage: node tools/benchmarks/emulator/bench.mjs [--datapoints 1000000] [--series 1000] [--batch 5000]
//        [--concurrency 4] [--max-points 10000] [--max-age 86400000]
// With --max-age below the data's span (1,000 points per series at 10 s = 2.8 h), ingest drops the older points.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { encodeDatapoints } from '@sfx/ingest';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
};
const DATAPOINTS = arg('datapoints', 1_000_000);
const SERIES = arg('series', 1_000);
const BATCH = arg('batch', 5_000);
const CONCURRENCY = arg('concurrency', 4);
const MAX_POINTS = arg('max-points', 10_000);
const MAX_AGE_MS = arg('max-age', 24 * 3_600_000);
const RESOLUTION = 10_000;

const server = fork(fileURLToPath(new URL('./server.mjs', import.meta.url)), [String(MAX_POINTS), String(MAX_AGE_MS)], {
  execArgv: ['--expose-gc'],
  stdio: 'inherit',
});
const [{ port, baseline }] = await once(server, 'message');
const ask = async (cmd) => {
  server.send({ cmd });
  const [reply] = await once(server, 'message');
  return reply;
};

// Encode every body first so the timing is the emulator's (decode + store), not the encoder's.
const perSeries = Math.ceil(DATAPOINTS / SERIES);
const start = Math.floor((Date.now() - perSeries * RESOLUTION) / RESOLUTION) * RESOLUTION;
const bodies = [];
let batch = [];
let produced = 0;
for (let index = 0; index < perSeries && produced < DATAPOINTS; index++) {
  for (let s = 0; s < SERIES && produced < DATAPOINTS; s++, produced++) {
    batch.push({
      metric: `bench.metric.${s % 10}`,
      metricType: 'gauge',
      value: (s * 31 + index) % 1000,
      timestamp: start + index * RESOLUTION,
      dimensions: { host: `host-${s}`, region: `region-${s % 5}` },
    });
    if (batch.length === BATCH) {
      bodies.push(encodeDatapoints(batch, 'protobuf'));
      batch = [];
    }
  }
}
if (batch.length > 0) bodies.push(encodeDatapoints(batch, 'protobuf'));

const url = `http://127.0.0.1:${port}/v2/datapoint`;
let next = 0;
async function worker() {
  while (next < bodies.length) {
    const body = bodies[next++];
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'X-SF-Token': 'bench', 'Content-Type': 'application/x-protobuf' },
      body,
    });
    const text = await response.text();
    if (response.status !== 200 || text !== '"OK"') throw new Error(`ingest answered ${response.status} ${text}`);
  }
}
const ingestStart = Date.now();
const t0 = performance.now();
await Promise.all(Array.from({ length: CONCURRENCY }, worker));
const seconds = (performance.now() - t0) / 1000;
const ingestEnd = Date.now();

const { stats, memory, overBudget, tooOld, oldestAgeMs } = await ask('stats');
server.send({ cmd: 'close' });
await once(server, 'exit');
const heapDelta = memory.heapUsed - baseline.heapUsed + (memory.arrayBuffers - baseline.arrayBuffers);
// Points per series inside the age bound: those no older than MAX_AGE_MS when they arrived (a range, as the clock
// moves during the run), then at most MAX_POINTS of them.
const youngPerSeries = (now) =>
  Math.min(perSeries, Math.max(0, perSeries - Math.ceil((now - MAX_AGE_MS - start) / RESOLUTION)));
const storedRange = [youngPerSeries(ingestEnd), youngPerSeries(ingestStart)].map((young) =>
  Math.min(DATAPOINTS, SERIES * Math.min(young, MAX_POINTS)),
);
console.log(
  `emulator ingest: ${DATAPOINTS.toLocaleString()} datapoints, ${SERIES} series, batches of ${BATCH}, ${CONCURRENCY} in flight`,
);
console.log(
  `  throughput           ${Math.round(DATAPOINTS / seconds).toLocaleString()} datapoints/s (${seconds.toFixed(2)} s)`,
);
console.log(
  `  stored               ${stats.points.toLocaleString()} points in ${stats.series} series (dropped ${stats.droppedPoints})`,
);
console.log(`  memory per point     ${(heapDelta / stats.points).toFixed(1)} bytes (heap + array buffers after gc)`);
console.log(
  `  point buffers        ${(stats.pointBytes / stats.points).toFixed(1)} bytes per point (allocated typed arrays)`,
);
console.log(`  rss                  ${(memory.rss / 1024 / 1024).toFixed(0)} MiB`);
const withinRetention =
  overBudget === 0 && tooOld === 0 && stats.points >= storedRange[0] && stats.points <= storedRange[1];
const expectedText =
  storedRange[0] === storedRange[1]
    ? storedRange[0].toLocaleString()
    : `${storedRange[0].toLocaleString()}–${storedRange[1].toLocaleString()}`;
console.log(
  `  retention            ${withinRetention ? 'OK' : 'VIOLATED'}: max ${MAX_POINTS} points per series, max age ` +
    `${(MAX_AGE_MS / 3_600_000).toFixed(2)} h (oldest kept ${(oldestAgeMs / 3_600_000).toFixed(2)} h); ${overBudget} series over budget, ` +
    `${tooOld} points past the age bound; ${stats.points.toLocaleString()} stored, expected ${expectedText}`,
);
process.exitCode = withinRetention ? 0 : 1;
