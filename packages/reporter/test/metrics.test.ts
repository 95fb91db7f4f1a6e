import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import {
  type Clock,
  Counter,
  ExponentiallyDecayingReservoir,
  Gauge,
  Histogram,
  Meter,
  quantileOfSorted,
  systemClock,
  Timer,
} from '../src/index.js';
import { FakeClock } from './helpers.js';

describe('Counter', () => {
  it('counts up and down and resets', () => {
    const counter = new Counter();
    counter.inc();
    counter.inc(4);
    counter.dec(2);
    expect(counter.count).toBe(3);
    counter.reset();
    expect(counter.count).toBe(0);
  });
});

describe('Gauge', () => {
  it('is NaN until set, then the last value', () => {
    const gauge = new Gauge();
    expect(gauge.value).toBeNaN();
    gauge.set(4);
    gauge.set(21.5);
    expect(gauge.value).toBe(21.5);
  });

  it('reads its callback each time', () => {
    let depth = 1;
    const gauge = new Gauge(() => depth);
    expect(gauge.value).toBe(1);
    depth = 7;
    expect(gauge.value).toBe(7);
  });
});

describe('quantiles', () => {
  it('interpolates at position q·(n+1) and clamps at the ends', () => {
    const values = [1, 2, 3, 4];
    expect(quantileOfSorted(values, 0.5)).toBe(2.5);
    expect(quantileOfSorted(values, 0.75)).toBe(3.75);
    expect(quantileOfSorted(values, 0.1)).toBe(1);
    expect(quantileOfSorted(values, 0.99)).toBe(4);
    expect(quantileOfSorted([], 0.5)).toBe(0);
    expect(quantileOfSorted([1, 2, 3], 0.75)).toBe(3);
    expect(quantileOfSorted([1, 2, 3], 0.5)).toBe(2);
  });
});

describe('Histogram', () => {
  it('reports the seed example: 1, 2, 3', () => {
    const histogram = new Histogram(new FakeClock());
    for (const v of [1, 2, 3]) histogram.update(v);
    expect(histogram.count).toBe(3);
    expect(histogram.sum).toBe(6);
    expect(histogram.mean).toBe(2);
    expect(histogram.min).toBe(1);
    expect(histogram.max).toBe(3);
    expect(histogram.stdDev).toBe(1);
    const snapshot = histogram.snapshot();
    expect([...snapshot.values]).toEqual([1, 2, 3]);
    expect(snapshot.quantile(0.75)).toBe(3);
    expect(snapshot.quantile(0.999)).toBe(3);
    expect(snapshot.median).toBe(2);
  });

  it('is all zeros when empty, and stdDev is 0 for one value', () => {
    const histogram = new Histogram(new FakeClock());
    expect([histogram.min, histogram.max, histogram.mean, histogram.stdDev]).toEqual([0, 0, 0, 0]);
    expect(histogram.snapshot().quantile(0.99)).toBe(0);
    histogram.update(-5);
    expect([histogram.min, histogram.max, histogram.mean, histogram.stdDev]).toEqual([-5, -5, -5, 0]);
  });

  it('computes the sample standard deviation over every value, not only the reservoir', () => {
    const histogram = new Histogram(new FakeClock());
    const values = Array.from({ length: 5000 }, (_, i) => (i * 7919) % 1000);
    for (const v of values) histogram.update(v);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1);
    expect(histogram.mean).toBeCloseTo(mean, 9);
    expect(histogram.stdDev).toBeCloseTo(Math.sqrt(variance), 9);
    expect(histogram.count).toBe(5000);
    expect(histogram.snapshot().size).toBe(1028);
  });

  it('resets everything', () => {
    const histogram = new Histogram(new FakeClock());
    histogram.update(10);
    histogram.reset();
    expect(histogram.count).toBe(0);
    expect(histogram.snapshot().size).toBe(0);
    expect(histogram.max).toBe(0);
  });
});

describe('coarse clock', () => {
  it('histogram.update() reads the coarse clock when there is one, and decays by it', () => {
    const coarse = new FakeClock();
    const clock: Clock = {
      now: () => {
        throw new Error('update() must not read the precise clock');
      },
      coarseNow: () => coarse.now(),
    };
    const histogram = new Histogram(clock);
    for (let i = 0; i < 2000; i++) histogram.update(0);
    coarse.advance(15 * 60 * 1000);
    for (let i = 0; i < 2000; i++) histogram.update(100);
    expect(histogram.count).toBe(4000);
    expect(histogram.snapshot().values.filter((v) => v === 100).length).toBeGreaterThanOrEqual(1020);
  });

  it('systemClock.coarseNow is never ahead of now(), and moves on while read, also after an idle pause', async () => {
    /** Reads until the coarse reading passes `from`: at most 50 turns of 20 ms, for a refresh every 100 ms. */
    const readUntilPast = async (from: number): Promise<number> => {
      let latest = from;
      for (let turn = 0; turn < 50 && latest <= from; turn++) {
        await sleep(20);
        const reading = systemClock.coarseNow?.() as number;
        expect(reading).toBeGreaterThanOrEqual(latest);
        expect(reading).toBeLessThanOrEqual(systemClock.now());
        latest = reading;
      }
      return latest;
    };
    const first = systemClock.coarseNow?.() as number;
    expect(first).toBeLessThanOrEqual(systemClock.now());
    const moved = await readUntilPast(first);
    expect(moved).toBeGreaterThan(first);
    // Unread for several periods, the refresher stops; reading again must start it again.
    await sleep(350);
    expect(await readUntilPast(moved)).toBeGreaterThan(moved);
  });
});

describe('ExponentiallyDecayingReservoir', () => {
  it('stays bounded at its size', () => {
    const clock = new FakeClock();
    const reservoir = new ExponentiallyDecayingReservoir(clock.now(), 100);
    for (let i = 0; i < 10; i++) reservoir.update(i, clock.now());
    expect(reservoir.count).toBe(10);
    for (let i = 0; i < 10_000; i++) reservoir.update(i, clock.now());
    expect(reservoir.count).toBe(100);
    expect(reservoir.snapshot().size).toBe(100);
  });

  it('keeps a uniform sample when time does not move', () => {
    const clock = new FakeClock();
    const reservoir = new ExponentiallyDecayingReservoir(clock.now());
    for (let i = 0; i < 20_000; i++) reservoir.update(i % 2 === 0 ? 0 : 100, clock.now());
    const values = [...reservoir.snapshot().values];
    const highs = values.filter((v) => v === 100).length;
    // Binomial(1028, 0.5): 6 standard deviations either side.
    expect(highs).toBeGreaterThan(514 - 100);
    expect(highs).toBeLessThan(514 + 100);
  });

  it('favours recent values: fifteen minutes later, new values replace old ones', () => {
    const clock = new FakeClock();
    const reservoir = new ExponentiallyDecayingReservoir(clock.now());
    for (let i = 0; i < 2000; i++) reservoir.update(0, clock.now());
    clock.advance(15 * 60 * 1000);
    for (let i = 0; i < 2000; i++) reservoir.update(100, clock.now());
    const snapshot = reservoir.snapshot();
    expect(snapshot.values.filter((v) => v === 100).length).toBeGreaterThanOrEqual(1020);
    expect(snapshot.median).toBe(100);
  });

  it('one minute later, old values still hold a share', () => {
    const clock = new FakeClock();
    const reservoir = new ExponentiallyDecayingReservoir(clock.now());
    for (let i = 0; i < 2000; i++) reservoir.update(0, clock.now());
    clock.advance(60 * 1000);
    for (let i = 0; i < 2000; i++) reservoir.update(100, clock.now());
    const highs = reservoir.snapshot().values.filter((v) => v === 100).length;
    // Weight e^(0.015·60) ≈ 2.46 for the new values: they win most places but not all.
    expect(highs).toBeGreaterThan(514);
    expect(highs).toBeLessThan(1028);
  });

  it('rescales its landmark so priorities stay finite over days', () => {
    const clock = new FakeClock();
    const reservoir = new ExponentiallyDecayingReservoir(clock.now(), 50);
    for (let hour = 0; hour < 100; hour++) {
      clock.advance(60 * 60 * 1000 + 1);
      for (let i = 0; i < 60; i++) reservoir.update(hour, clock.now());
    }
    const values = [...reservoir.snapshot().values];
    expect(values).toHaveLength(50);
    // e^(0.015·3600) per hour: the last hour's values take every place.
    expect(values.every((v) => v === 99)).toBe(true);
  });
});

describe('Meter', () => {
  const a1 = 1 - Math.exp(-5 / 60);
  const a5 = 1 - Math.exp(-5 / 300);
  const a15 = 1 - Math.exp(-5 / 900);

  it('starts at zero and counts marks', () => {
    const clock = new FakeClock();
    const meter = new Meter(clock);
    expect([meter.count, meter.oneMinuteRate, meter.meanRate]).toEqual([0, 0, 0]);
    meter.mark();
    meter.mark(4);
    expect(meter.count).toBe(5);
    expect(meter.oneMinuteRate).toBe(0);
  });

  it('ticks every 5 s: the first tick takes the instant rate, later ones move by α', () => {
    const clock = new FakeClock(1_000);
    const meter = new Meter(clock);
    meter.mark(60);
    clock.advance(5_001);
    expect(meter.oneMinuteRate).toBe(12);
    expect(meter.fiveMinuteRate).toBe(12);
    expect(meter.fifteenMinuteRate).toBe(12);
    meter.mark(30);
    clock.advance(5_000);
    expect(meter.oneMinuteRate).toBeCloseTo(12 + a1 * (6 - 12), 12);
    expect(meter.fiveMinuteRate).toBeCloseTo(12 + a5 * (6 - 12), 12);
    expect(meter.fifteenMinuteRate).toBeCloseTo(12 + a15 * (6 - 12), 12);
    expect(meter.meanRate).toBeCloseTo(90 / 10.001, 12);
  });

  it('decays idle rates as if it had ticked every 5 s: e^-1 of the 1-minute rate after a minute', () => {
    const clock = new FakeClock();
    const meter = new Meter(clock);
    meter.mark(60);
    clock.advance(5_001);
    expect(meter.oneMinuteRate).toBe(12);
    clock.advance(60_000);
    expect(meter.oneMinuteRate).toBeCloseTo(12 * Math.exp(-1), 12);
    expect(meter.fiveMinuteRate).toBeCloseTo(12 * Math.exp(-1 / 5), 12);
    expect(meter.fifteenMinuteRate).toBeCloseTo(12 * Math.exp(-1 / 15), 12);

    // The same by explicit ticks: one read per 5 s.
    const steppedClock = new FakeClock();
    const other = new Meter(steppedClock);
    other.mark(60);
    steppedClock.advance(5_001);
    expect(other.oneMinuteRate).toBe(12);
    for (let i = 0; i < 12; i++) {
      steppedClock.advance(5_000);
      void other.oneMinuteRate;
    }
    expect(other.oneMinuteRate).toBeCloseTo(meter.oneMinuteRate, 12);
  });

  it('reaches a steady rate under a steady load', () => {
    const clock = new FakeClock();
    const meter = new Meter(clock);
    for (let second = 0; second < 3600; second++) {
      meter.mark(10);
      clock.advance(1000);
    }
    expect(meter.oneMinuteRate).toBeCloseTo(10, 6);
    expect(meter.fiveMinuteRate).toBeCloseTo(10, 3);
    expect(meter.fifteenMinuteRate).toBeCloseTo(10, 1);
    expect(meter.meanRate).toBeCloseTo(10, 9);
  });
});

describe('Timer', () => {
  it('times with the clock and records milliseconds', () => {
    const clock = new FakeClock();
    const timer = new Timer(clock);
    const stop = timer.start();
    clock.advance(250);
    expect(stop()).toBe(250);
    clock.advance(100);
    expect(stop()).toBe(350);
    expect(timer.count).toBe(1);
    expect(timer.meter.count).toBe(1);
    timer.update(50);
    expect(timer.count).toBe(2);
    expect(timer.sum).toBe(300);
    expect(timer.min).toBe(50);
    expect(timer.max).toBe(250);
  });

  it('time() records sync results, throws and promise settlements', async () => {
    const clock = new FakeClock();
    const timer = new Timer(clock);
    expect(
      timer.time(() => {
        clock.advance(5);
        return 'ok';
      }),
    ).toBe('ok');
    expect(() =>
      timer.time(() => {
        clock.advance(7);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    const rejected = timer.time(async () => {
      clock.advance(11);
      throw new Error('later');
    });
    await expect(rejected).rejects.toThrow('later');
    await Promise.resolve();
    expect(timer.count).toBe(3);
    expect([...timer.snapshot().values]).toEqual([5, 7, 11]);
  });
});
