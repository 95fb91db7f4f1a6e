import { MetricsRegistry } from '../src/index.js';
import type { FakeClock, FlatPoint } from './helpers.js';

/** The registry of the spec's worked example (reporter.md §1.4), on a fake clock. */
export function workedExample(clock: FakeClock): MetricsRegistry {
  const registry = new MetricsRegistry({ clock });
  registry.counter('jobs', { queue: 'high' }).inc(3);
  registry.gauge('temp').set(21.5);
  const payload = registry.histogram('payload');
  for (const v of [1, 2, 3]) payload.update(v);
  const hits = registry.meter('hits');
  hits.mark();
  hits.mark();
  const stop = registry.timer('latency', { route: '/x' }).start();
  clock.advance(250);
  stop();
  clock.advance(750);
  return registry;
}

export const EXAMPLE_DEFAULTS = { env: 'test', queue: 'override' };
export const EXAMPLE_TIMESTAMP = 1_700_000_000_000;

/**
 * Every datapoint the worked example must produce under the seed's naming: name, type, value and dimensions.
 * The clock ran 1 s since the metrics were made and the one timing took 250 ms.
 */
export function expectedWorkedExample(): Array<Omit<FlatPoint, 'timestamp'>> {
  const base = { env: 'test', queue: 'override' };
  const latencyDims = { route: '/x', env: 'test', queue: 'override' };
  const gauge = (metric: string, value: number, dimensions = base) => ({
    type: 'gauge' as const,
    metric,
    value,
    dimensions,
  });
  const cumulative = (metric: string, value: number, dimensions = base) => ({
    type: 'cumulative_counter' as const,
    metric,
    value,
    dimensions,
  });
  return [
    cumulative('jobs', 3),
    gauge('temp', 21.5),
    cumulative('payload', 3),
    gauge('payload.avg', 2),
    gauge('payload.max', 3),
    gauge('payload.min', 1),
    gauge('payload.std_dev', 1),
    gauge('payload.75_percentile', 3),
    gauge('payload.95_percentile', 3),
    gauge('payload.99_percentile', 3),
    gauge('payload.999_percentile', 3),
    cumulative('hits', 2),
    gauge('hits.1m_rate', 0),
    gauge('hits.5m_rate', 0),
    gauge('hits.15m_rate', 0),
    gauge('hits.mean_rate', 2),
    cumulative('latency', 1, latencyDims),
    gauge('latency.sum', 0.25, latencyDims),
    gauge('latency.avg', 0.25, latencyDims),
    gauge('latency.max', 0.25, latencyDims),
    gauge('latency.min', 0.25, latencyDims),
    gauge('latency.std_dev', 0, latencyDims),
    gauge('latency.50_percentile', 0.25, latencyDims),
    gauge('latency.75_percentile', 0.25, latencyDims),
    gauge('latency.95_percentile', 0.25, latencyDims),
    gauge('latency.99_percentile', 0.25, latencyDims),
    gauge('latency.999_percentile', 0.25, latencyDims),
    gauge('latency.1m_rate', 0, latencyDims),
    gauge('latency.5m_rate', 0, latencyDims),
    gauge('latency.15m_rate', 0, latencyDims),
    gauge('latency.mean_rate', 1, latencyDims),
  ];
}

/**
 * Every datapoint the worked example's registry must produce under `naming: 'measured'`: `.count` cumulative
 * counters, `.max/.min/.mean/.p95/.p99` gauges, timer durations in ms, the meter left out, metric dimensions
 * winning over the defaults.
 */
export function expectedMeasuredExample(): Array<Omit<FlatPoint, 'timestamp'>> {
  const high = { queue: 'high', env: 'test' };
  const base = { env: 'test', queue: 'override' };
  const latency = { route: '/x', env: 'test', queue: 'override' };
  return [
    { type: 'cumulative_counter', metric: 'jobs.count', value: 3, dimensions: high },
    { type: 'gauge', metric: 'temp', value: 21.5, dimensions: base },
    { type: 'cumulative_counter', metric: 'payload.count', value: 3, dimensions: base },
    { type: 'gauge', metric: 'payload.max', value: 3, dimensions: base },
    { type: 'gauge', metric: 'payload.min', value: 1, dimensions: base },
    { type: 'gauge', metric: 'payload.mean', value: 2, dimensions: base },
    { type: 'gauge', metric: 'payload.p95', value: 3, dimensions: base },
    { type: 'gauge', metric: 'payload.p99', value: 3, dimensions: base },
    { type: 'cumulative_counter', metric: 'latency.count', value: 1, dimensions: latency },
    { type: 'gauge', metric: 'latency.max', value: 250, dimensions: latency },
    { type: 'gauge', metric: 'latency.min', value: 250, dimensions: latency },
    { type: 'gauge', metric: 'latency.mean', value: 250, dimensions: latency },
    { type: 'gauge', metric: 'latency.p95', value: 250, dimensions: latency },
    { type: 'gauge', metric: 'latency.p99', value: 250, dimensions: latency },
  ];
}
