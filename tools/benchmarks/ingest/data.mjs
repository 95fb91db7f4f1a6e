// The benchmark's datapoints: gauges with 3 dimensions, the same for every client.
export const METRICS = 50;

export function makeGauges(start, count, timestamp) {
  const points = new Array(count);
  for (let i = 0; i < count; i++) {
    const n = start + i;
    points[i] = {
      metric: `app.requests.latency_${n % METRICS}`,
      value: n % 1000,
      timestamp,
      dimensions: { host: `host-${n % 20}`, region: `region-${n % 3}`, service: `svc-${(n >> 3) % 10}` },
    };
  }
  return points;
}
