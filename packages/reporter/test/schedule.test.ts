import { ValidationError } from '@sfx/core';
import { describe, expect, it } from 'vitest';
import { MetricsRegistry, SignalFxReporter } from '../src/index.js';
import { RecordingSink } from './helpers.js';

describe('SignalFxReporter schedule edge cases', () => {
  it('refuses an intervalMs that setTimeout cannot wait (it would fire at once, in a loop)', () => {
    const registry = new MetricsRegistry();
    const ingest = new RecordingSink();
    expect(() => new SignalFxReporter({ registry, ingest, intervalMs: 2 ** 31 })).toThrow(ValidationError);
    expect(() => new SignalFxReporter({ registry, ingest, intervalMs: 2 ** 31 - 1 })).not.toThrow();
  });
});
