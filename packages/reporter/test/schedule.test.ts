import { ValidationError } from '@sfx/core';
import { describe, expect, it } from 'vitest';
import { MetricsRegistry, SignalFxReporter } from '../src/index.js';
import { RecordingSink } from './helpers.js';

async function waitUntil(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 300 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('SignalFxReporter schedule edge cases', () => {
  it('refuses an intervalMs that setTimeout cannot wait (it would fire at once, in a loop)', () => {
    const registry = new MetricsRegistry();
    const ingest = new RecordingSink();
    expect(() => new SignalFxReporter({ registry, ingest, intervalMs: 2 ** 31 })).toThrow(ValidationError);
    expect(() => new SignalFxReporter({ registry, ingest, intervalMs: 2 ** 31 - 1 })).not.toThrow();
  });

  it('keeps reporting when the wall clock steps back an hour', async () => {
    const registry = new MetricsRegistry();
    registry.counter('ticks').inc();
    const ingest = new RecordingSink();
    let offset = 0;
    const reporter = new SignalFxReporter({ registry, ingest, intervalMs: 20, now: () => Date.now() + offset });
    reporter.start();
    try {
      await waitUntil(() => ingest.batches.length >= 1);
      expect(ingest.batches.length).toBeGreaterThanOrEqual(1);
      offset = -3_600_000;
      const before = ingest.batches.length;
      await waitUntil(() => ingest.batches.length >= before + 2);
      expect(ingest.batches.length).toBeGreaterThanOrEqual(before + 2);
    } finally {
      await reporter.stop();
    }
  });
});
