// Throughput of list() over a loopback server: `npm run build && node bench/list.mjs` in packages/rest.
// Measures the client (paging, JSON parsing, keep-alive), not the network.
import { createServer } from 'node:http';
import { RestClient } from '@sfx/rest';

const TOTAL = 10_000;
const ROUNDS = 5;
const metrics = Array.from({ length: TOTAL }, (_, i) => ({
  name: `service.request.latency.p${i}`,
  type: 'GAUGE',
  description: 'Latency of requests to the service, by percentile',
  customProperties: { team: 'payments', tier: String(i % 3) },
  tags: ['prod', 'latency'],
  created: 1_700_000_000_000 + i,
  creator: 'ABC',
  lastUpdated: 1_700_000_000_000 + i,
  lastUpdatedBy: 'ABC',
}));

const server = createServer((req, res) => {
  const query = new URL(req.url, 'http://x').searchParams;
  const offset = Number(query.get('offset') ?? 0);
  const limit = Number(query.get('limit') ?? 50);
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ count: TOTAL, results: metrics.slice(offset, offset + limit) }));
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const rest = new RestClient({ token: 'bench-token', endpoint: `http://127.0.0.1:${server.address().port}` });

console.log(`list() of ${TOTAL} metrics over loopback, median of ${ROUNDS} rounds (node ${process.version})`);
console.log('| page size | pages | ms per listing | objects/s |');
console.log('|---|---|---|---|');
for (const limit of [50, 100, 1000]) {
  const times = [];
  for (let round = 0; round < ROUNDS + 1; round++) {
    const start = performance.now();
    let seen = 0;
    for await (const _ of rest.metrics.list({ limit })) seen++;
    if (seen !== TOTAL) throw new Error(`saw ${seen}`);
    if (round > 0) times.push(performance.now() - start); // round 0 warms up
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  console.log(
    `| ${limit} | ${TOTAL / limit} | ${median.toFixed(1)} | ${Math.round((TOTAL / median) * 1000).toLocaleString('en')} |`,
  );
}
await rest.close();
server.close();
