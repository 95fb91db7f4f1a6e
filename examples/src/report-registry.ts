// Application metrics: counters, gauges, histograms and timers in a registry, reported by a reporter.

import { resolveEndpoints } from '@sfx/core';
import { IngestClient } from '@sfx/ingest';
import { MetricsRegistry, SignalFxReporter } from '@sfx/reporter';
import { runMain } from './run-main.js';

export async function reportRegistry(options: { token?: string; ingestUrl?: string } = {}): Promise<void> {
  const registry = new MetricsRegistry();
  const ingest = new IngestClient({
    ...(options.token === undefined ? {} : { token: options.token }),
    endpoint: resolveEndpoints(options.ingestUrl === undefined ? {} : { ingestUrl: options.ingestUrl }).ingest,
  });
  const reporter = new SignalFxReporter({
    registry,
    ingest,
    intervalMs: 10_000,
    defaultDimensions: { service: 'shop' },
  });
  reporter.start(); // reports every 10 s in the background, without blocking the app

  const queue: string[] = ['a', 'b'];
  registry.counter('orders', { route: '/checkout' }).inc();
  registry.gauge('queue.depth', { queue: 'orders' }, () => queue.length);
  registry.histogram('payload.bytes').update(512);
  const stopTimer = registry.timer('db.query', { table: 'orders' }).start();
  await new Promise((resolve) => setTimeout(resolve, 5));
  stopTimer();

  await reporter.stop(); // reports once more, then closes the ingest client
}

runMain(import.meta.url, async () => {
  await reportRegistry();
  console.log('reported');
});
