import { describe, expect, it } from 'vitest';
import {
  Counter,
  countCalls,
  counted,
  histCalls,
  histogrammed,
  Meter,
  MetricsRegistry,
  meterCalls,
  metered,
  timeCalls,
  timed,
} from '../src/index.js';
import { FakeClock } from './helpers.js';

describe('wrappers', () => {
  it('countCalls counts before calling, so throws count too, and keeps this, arguments and result', () => {
    const registry = new MetricsRegistry();
    const target = {
      factor: 3,
      times(x: number) {
        if (x < 0) throw new Error('negative');
        return x * this.factor;
      },
    };
    target.times = countCalls(registry, 'times', { unit: 'x' }, target.times);
    expect(target.times(2)).toBe(6);
    expect(() => target.times(-1)).toThrow('negative');
    expect(registry.counter('times', { unit: 'x' }).count).toBe(2);
    expect(target.times.name).toBe('times');
  });

  it('names the metric <function name>_calls by default', async () => {
    const registry = new MetricsRegistry();
    function handle(): number {
      return 1;
    }
    const wrapped = countCalls(registry, handle);
    wrapped();
    wrapped();
    expect(registry.get('handle_calls')).toBeInstanceOf(Counter);
    expect(registry.counter('handle_calls').count).toBe(2);
    const anonymous = meterCalls(registry, 'm', () => 0);
    anonymous();
    expect(registry.meter('m').count).toBe(1);
    expect(registry.get('m')).toBeInstanceOf(Meter);
  });

  it('countCalls counts async functions that reject', async () => {
    const registry = new MetricsRegistry();
    const fail = countCalls(registry, 'fail', async () => {
      throw new Error('no');
    });
    await expect(fail()).rejects.toThrow('no');
    expect(registry.counter('fail').count).toBe(1);
  });

  it('meterCalls marks per call', () => {
    const registry = new MetricsRegistry({ clock: new FakeClock() });
    const f = meterCalls(registry, 'events', { a: 'b' }, (n: number) => n + 1);
    expect(f(1)).toBe(2);
    expect(() => meterCalls(registry, 'x', 5 as unknown as () => void)).toThrow(TypeError);
    f(2);
    expect(registry.meter('events', { a: 'b' }).count).toBe(2);
  });

  it('histCalls records numeric results only, sync and async', async () => {
    const registry = new MetricsRegistry({ clock: new FakeClock() });
    const size = histCalls(registry, 'size', (value: unknown) => value);
    size(3);
    size(true);
    size('7');
    size(10n);
    size(Number.NaN);
    size(5);
    const later = histCalls(registry, 'size', async (value: unknown) => value);
    await later(9);
    await later(false);
    await expect(
      histCalls(registry, 'size', async () => {
        throw new Error('x');
      })(),
    ).rejects.toThrow('x');
    const histogram = registry.histogram('size');
    expect(histogram.count).toBe(3);
    expect([...histogram.snapshot().values]).toEqual([3, 5, 9]);
  });

  it('timeCalls times sync, throwing and async calls with the registry clock', async () => {
    const clock = new FakeClock();
    const registry = new MetricsRegistry({ clock });
    const work = timeCalls(registry, 'work', { kind: 'sync' }, (ms: number) => {
      clock.advance(ms);
      if (ms > 100) throw new Error('slow');
      return ms;
    });
    expect(work(10)).toBe(10);
    expect(() => work(200)).toThrow('slow');
    let release: () => void = () => {};
    const pending = timeCalls(registry, 'work', { kind: 'async' }, () => new Promise<void>((r) => (release = r)))();
    clock.advance(30);
    release();
    await pending;
    const rejecting = timeCalls(registry, 'work', { kind: 'async' }, async () => {
      clock.advance(4);
      throw new Error('nope');
    });
    await expect(rejecting()).rejects.toThrow('nope');
    await Promise.resolve();
    expect([...registry.timer('work', { kind: 'sync' }).snapshot().values]).toEqual([10, 200]);
    expect([...registry.timer('work', { kind: 'async' }).snapshot().values]).toEqual([4, 30]);
  });
});

describe('decorators', () => {
  it('count, meter, histogram and time methods, named <Class>.<method>_calls', async () => {
    const clock = new FakeClock();
    const registry = new MetricsRegistry({ clock });

    class Service {
      constructor(readonly base: number) {}

      @counted(registry)
      handle(x: number): number {
        if (x < 0) throw new Error('bad');
        return this.base + x;
      }

      @metered(registry)
      ping(): string {
        return 'pong';
      }

      @histogrammed(registry, 'payload.bytes', { route: '/a' })
      async size(n: number): Promise<number> {
        return n * 2;
      }

      @timed(registry)
      async slow(ms: number): Promise<number> {
        clock.advance(ms);
        return this.base;
      }

      @counted(registry)
      static create(): Service {
        return new Service(1);
      }
    }

    const service = Service.create();
    expect(service.handle(2)).toBe(3);
    expect(() => service.handle(-1)).toThrow('bad');
    expect(new Service(10).handle(1)).toBe(11);
    expect(service.ping()).toBe('pong');
    expect(await service.size(8)).toBe(16);
    expect(await service.slow(25)).toBe(1);
    await Promise.resolve();

    // The class's runtime name: some transpilers rename decorated classes (esbuild: `_Service`).
    const owner = Service.name;
    expect(owner).toMatch(/Service$/);
    expect(registry.counter(`${owner}.handle_calls`).count).toBe(3);
    expect(registry.counter(`${owner}.create_calls`).count).toBe(1);
    expect(registry.meter(`${owner}.ping_calls`).count).toBe(1);
    expect([...registry.histogram('payload.bytes', { route: '/a' }).snapshot().values]).toEqual([16]);
    const timer = registry.timer(`${owner}.slow_calls`);
    expect(timer.count).toBe(1);
    expect(timer.max).toBe(25);
    expect(Service.prototype.handle.name).toBe('handle');
    expect(registry.size).toBe(5);
  });
});
