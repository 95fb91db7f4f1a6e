import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RETENTION } from '../../src/index.js';
import { SeriesBuffer } from '../../src/store/series-buffer.js';
import { TimeSeriesStore } from '../../src/store/time-series-store.js';
import { matchesWildcard } from '../../src/store/wildcard.js';

/** What the buffer must hold: the latest value per timestamp, the `max` newest timestamps, ascending. */
function model(operations: Array<[number, number]>, max: number): Array<{ timestamp: number; value: number }> {
  const byTime = new Map<number, number>();
  let dropBelow = Number.NEGATIVE_INFINITY;
  for (const [timestamp, value] of operations) {
    if (timestamp < dropBelow) continue;
    if (!byTime.has(timestamp) && byTime.size === max) {
      const oldest = Math.min(...byTime.keys());
      if (timestamp < oldest) continue;
      byTime.delete(oldest);
      dropBelow = oldest;
    }
    byTime.set(timestamp, value);
  }
  return [...byTime.entries()].sort((a, b) => a[0] - b[0]).map(([timestamp, value]) => ({ timestamp, value }));
}

describe('SeriesBuffer', () => {
  it('keeps points sorted, replaces equal timestamps and drops the oldest past its bound', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 200 }), fc.double({ noNaN: true })), { maxLength: 300 }),
        (max, operations) => {
          const buffer = new SeriesBuffer(max);
          for (const [timestamp, value] of operations) buffer.insert(timestamp, value);
          const expected = model(operations, max);
          expect(buffer.range(Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY)).toEqual(expected);
          expect(buffer.size).toBe(expected.length);
          expect(buffer.size).toBeLessThanOrEqual(max);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('answers half-open ranges and drops points before a cutoff', () => {
    const buffer = new SeriesBuffer(100);
    for (let t = 0; t < 50; t += 10) buffer.insert(t, t / 10);
    expect(buffer.range(10, 30).map((p) => p.timestamp)).toEqual([10, 20]);
    expect(buffer.dropBefore(25)).toBe(3);
    expect(buffer.range(0, 100).map((p) => p.value)).toEqual([3, 4]);
    expect(buffer.oldestTimestamp).toBe(30);
    expect(buffer.newestTimestamp).toBe(40);
  });
});

describe('TimeSeriesStore', () => {
  it('gives stable ids from the metric and dimensions, whatever the key order, and finds by wildcard', () => {
    const store = new TimeSeriesStore(DEFAULT_RETENTION, () => 1_000_000);
    store.addDatapoint({
      metric: 'cpu.user',
      metricType: 'gauge',
      dimensions: { a: '1', b: '2' },
      timestamp: 999_000,
      value: 1,
    });
    store.addDatapoint({
      metric: 'cpu.user',
      metricType: 'gauge',
      dimensions: { b: '2', a: '1' },
      timestamp: 999_500,
      value: 2,
    });
    store.addDatapoint({ metric: 'cpu.system', metricType: 'counter', dimensions: {}, timestamp: 999_000, value: 3 });
    const other = new TimeSeriesStore(DEFAULT_RETENTION, () => 1_000_000);
    expect(store.allSeries()).toHaveLength(2);
    expect(store.seriesId('cpu.user', { b: '2', a: '1' })).toBe(other.seriesId('cpu.user', { a: '1', b: '2' }));
    expect([...store.findSeries('cpu.*')].map((s) => s.metric).sort()).toEqual(['cpu.system', 'cpu.user']);
    expect([...store.findSeries('*.user')]).toHaveLength(1);
    expect([...store.findSeries('cpu')]).toHaveLength(0);
    expect(store.stats()).toMatchObject({ series: 2, points: 3 });
  });

  it('refuses new series beyond maxSeries and counts the drops', () => {
    const store = new TimeSeriesStore({ ...DEFAULT_RETENTION, maxSeries: 2 }, () => 1_000_000);
    for (let i = 0; i < 5; i++) {
      store.addDatapoint({ metric: `m${i}`, metricType: 'gauge', dimensions: {}, timestamp: 999_000, value: i });
    }
    expect(store.stats()).toMatchObject({ series: 2, points: 2, droppedPoints: 3 });
  });
});

describe('matchesWildcard', () => {
  it('agrees with a regular expression on random patterns', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[ab*]{0,8}$/), fc.stringMatching(/^[ab]{0,10}$/), (pattern, value) => {
        const regexp = new RegExp(`^${pattern.replaceAll('*', '.*')}$`);
        expect(matchesWildcard(pattern, value)).toBe(regexp.test(value));
      }),
      { numRuns: 1000 },
    );
  });

  it('stays fast on patterns that make backtracking regular expressions explode', () => {
    const pattern = `${'a*'.repeat(200)}b`;
    const value = 'a'.repeat(4000);
    expect(matchesWildcard(pattern, value)).toBe(false);
  });
});
