// End-to-end ingest benchmark: @sfx/ingest against the `signalfx` npm package (the peer), interleaved,
// each run in a fresh process, against a loopback sink in its own process.
// Usage: node tools/benchmarks/ingest/bench.mjs [--datapoints 200000] [--rounds 3] [--yield]
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const here = (file) => fileURLToPath(new URL(file, import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
};
const DATAPOINTS = arg('datapoints', 200_000);
const ROUNDS = arg('rounds', 3);
const CHUNK = arg('chunk', 1000);
// 0: each client's default batch size (ours 5,000, the peer 300).
const BATCH = arg('batch', 0);
const PEER_BATCH = arg('peer-batch', 0);
// Default: everything sent in one synchronous loop (a burst). --yield: the loop yields between send() calls.
const YIELD = process.argv.includes('--yield');

const sink = fork(here('./sink.mjs'), { stdio: 'inherit' });
const [{ port }] = await once(sink, 'message');
const ask = async (cmd) => {
  sink.send({ cmd });
  const [reply] = await once(sink, 'message');
  return reply;
};

async function run(which) {
  await ask('reset');
  const child = fork(
    here('./client.mjs'),
    [which, String(port), String(DATAPOINTS), String(CHUNK), String(BATCH), String(PEER_BATCH), YIELD ? 'yield' : ''],
    {
      execArgv: ['--expose-gc'],
      stdio: 'inherit',
    },
  );
  const [{ started }] = await once(child, 'message');
  // Wait until the sink has everything, or nothing has arrived for 5 s.
  let stats;
  let lastCount = -1;
  let lastChange = Date.now();
  for (;;) {
    ({ stats } = await ask('stats'));
    if (stats.datapoints >= DATAPOINTS) break;
    if (stats.datapoints !== lastCount) {
      lastCount = stats.datapoints;
      lastChange = Date.now();
    } else if (Date.now() - lastChange > 5000) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  child.send({ cmd: 'report' });
  const [{ report }] = await once(child, 'message');
  await once(child, 'exit');
  const seconds = (stats.lastArrival - started) / 1000;
  return {
    which,
    datapointsPerSecond: stats.datapoints / seconds,
    cpuMicrosPerDatapoint: (report.cpuSeconds / DATAPOINTS) * 1e6,
    cpuSeconds: report.cpuSeconds,
    rssGrowthMB: report.rssGrowthMB,
    wireBytesPerDatapoint: stats.wireBytes / Math.max(1, stats.datapoints),
    lost: DATAPOINTS - stats.datapoints,
    clientLost: report.clientLost,
    requests: stats.requests,
  };
}

async function queueMemory(which) {
  const child = fork(here('./queue-memory.mjs'), [which, '100000', String(which === 'ours' ? BATCH : PEER_BATCH)], {
    execArgv: ['--expose-gc'],
    stdio: 'inherit',
  });
  const [result] = await once(child, 'message');
  await once(child, 'exit');
  return result;
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

const results = { ours: [], peer: [], ceiling: [] };
for (let round = 0; round < ROUNDS; round++) {
  for (const which of round % 2 ? ['peer', 'ours', 'ceiling'] : ['ours', 'peer', 'ceiling']) {
    results[which].push(await run(which));
  }
}
sink.send({ cmd: 'exit' });

const summary = {};
for (const which of Object.keys(results)) {
  const runs = results[which];
  summary[which] = {};
  for (const key of [
    'datapointsPerSecond',
    'cpuSeconds',
    'cpuMicrosPerDatapoint',
    'rssGrowthMB',
    'wireBytesPerDatapoint',
    'lost',
  ]) {
    summary[which][key] = median(runs.map((r) => r[key]));
  }
}
const queueOurs = await queueMemory('ours');
const queuePeer = await queueMemory('peer');
summary.ours.queueBytesPerDatapoint = queueOurs.bytesPerQueued;
summary.peer.queueBytesPerDatapoint = queuePeer.bytesPerQueued;

const fmt = (n, digits = 2) =>
  Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits }) : String(n);
console.log(`\n@sfx/ingest vs signalfx (peer): ${DATAPOINTS} gauges with 3 dimensions, ${ROUNDS} rounds, medians`);
console.log(
  `node ${process.version}, batch size ${BATCH || 'default (5,000)'} (ours) and ${PEER_BATCH || 'default (300)'} (peer), ${CHUNK} datapoints per send() call, ${YIELD ? 'one event-loop turn between calls' : 'all in one synchronous loop'}, other settings default\n`,
);
const rows = [
  ['datapoints/s end to end', 'datapointsPerSecond', 0],
  ['client CPU seconds', 'cpuSeconds', 3],
  ['client CPU µs per datapoint', 'cpuMicrosPerDatapoint', 2],
  ['client peak RSS growth (MB)', 'rssGrowthMB', 1],
  ['wire bytes per datapoint', 'wireBytesPerDatapoint', 2],
  ['datapoints lost', 'lost', 0],
  ['heap bytes per queued datapoint (sink down)', 'queueBytesPerDatapoint', 0],
];
console.log(`| figure | @sfx/ingest | signalfx | ours/peer |`);
console.log(`|---|---:|---:|---:|`);
for (const [label, key, digits] of rows) {
  const ours = summary.ours[key];
  const peer = summary.peer[key];
  console.log(`| ${label} | ${fmt(ours, digits)} | ${fmt(peer, digits)} | ${peer ? fmt(ours / peer, 2) : '–'} |`);
}
const ceiling = summary.ceiling.datapointsPerSecond;
console.log(`\nwire ceiling (pre-encoded gzip batches posted with undici, 4 at once): ${fmt(ceiling, 0)} datapoints/s`);
console.log(`@sfx/ingest reaches ${fmt((summary.ours.datapointsPerSecond / ceiling) * 100, 0)}% of the ceiling`);
console.log(
  `queue with the sink down: ours held ${queueOurs.queued} datapoints (waiting bounded by maxQueueSize, ${queueOurs.dropped} dropped), the peer ${queuePeer.queued} (unbounded)`,
);
console.log(`\nraw: ${JSON.stringify(results)}`);
