import { ValidationError } from '@sfx/core';
import { describe, expect, it } from 'vitest';
import { Counter, Histogram, MetricsRegistry, Timer } from '../src/index.js';
import { FakeClock } from './helpers.js';

describe('MetricsRegistry', () => {
  it('returns the same instance for the same name and dimensions, in any key order', () => {
    const registry = new MetricsRegistry();
    const a = registry.counter('requests', { route: '/a', method: 'GET' });
    const b = registry.counter('requests', { method: 'GET', route: '/a' });
    expect(a).toBe(b);
    expect(a).toBeInstanceOf(Counter);
    expect(registry.counter('requests')).not.toBe(a);
    expect(registry.counter('requests', {})).toBe(registry.counter('requests'));
    expect(registry.size).toBe(2);
  });

  it('keeps dimension sets apart that a concatenated key would merge', () => {
    const registry = new MetricsRegistry();
    const pairs: Array<[string, Record<string, string>]> = [
      ['m', { a: 'x' }],
      ['m', { b: 'x' }],
      ['m', { a: 'x.b=y' }],
      ['m', { a: 'x', b: 'y' }],
      ['b=y.m', { a: 'x' }],
      ['m', { 'a-x': '' }],
      ['m-x', {}],
    ];
    const counters = pairs.map(([name, dims]) => registry.counter(name, dims));
    expect(new Set(counters).size).toBe(pairs.length);
    expect(registry.size).toBe(pairs.length);
  });

  it('throws ValidationError when asked for another kind', () => {
    const registry = new MetricsRegistry();
    registry.histogram('payload', { a: '1' });
    expect(() => registry.timer('payload', { a: '1' })).toThrow(ValidationError);
    expect(() => registry.counter('payload', { a: '1' })).toThrow(/is a histogram, not a counter/);
    expect(() => registry.gauge('payload', { a: '1' })).toThrow(ValidationError);
    expect(() => registry.meter('payload', { a: '1' })).toThrow(ValidationError);
    expect(registry.timer('payload')).toBeInstanceOf(Timer);
  });

  it('validates names and dimensions', () => {
    const registry = new MetricsRegistry();
    expect(() => registry.counter('')).toThrow(ValidationError);
    expect(() => registry.counter(42 as unknown as string)).toThrow(ValidationError);
    try {
      registry.counter('x', { port: 80 as unknown as string });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).field).toBe('dimensions.port');
    }
    expect(() => registry.counter('x', [] as unknown as Record<string, string>)).toThrow(ValidationError);
    expect(() => registry.gauge('x', {}, 5 as unknown as () => number)).toThrow(ValidationError);
    expect(registry.size).toBe(0);
  });

  it('stores a frozen copy of the dimensions', () => {
    const registry = new MetricsRegistry();
    const dims = { host: 'a' };
    registry.counter('c', dims);
    dims.host = 'b';
    const [entry] = [...registry];
    expect(entry?.dimensions).toEqual({ host: 'a' });
    expect(Object.isFrozen(entry?.dimensions)).toBe(true);
    expect(registry.get('c', { host: 'a' })).toBeInstanceOf(Counter);
    expect(registry.get('c', { host: 'b' })).toBeUndefined();
  });

  it('keeps the first gauge callback', () => {
    const registry = new MetricsRegistry();
    const gauge = registry.gauge('depth', {}, () => 1);
    expect(registry.gauge('depth', {}, () => 2)).toBe(gauge);
    expect(gauge.value).toBe(1);
  });

  it('registers, removes and clears', () => {
    const registry = new MetricsRegistry({ clock: new FakeClock() });
    const histogram = new Histogram(registry.clock);
    expect(registry.register('h', histogram, { a: 'b' })).toBe(histogram);
    expect(() => registry.register('h', new Histogram(registry.clock), { a: 'b' })).toThrow(ValidationError);
    expect(registry.histogram('h', { a: 'b' })).toBe(histogram);
    expect(registry.remove('h', { a: 'b' })).toBe(true);
    expect(registry.remove('h', { a: 'b' })).toBe(false);
    registry.counter('a');
    registry.meter('b');
    expect([...registry.entries()].map((e) => [e.name, e.metric.kind])).toEqual([
      ['a', 'counter'],
      ['b', 'meter'],
    ]);
    registry.clear();
    expect(registry.size).toBe(0);
  });

  it('gives its clock to the metrics it makes', () => {
    const clock = new FakeClock();
    const registry = new MetricsRegistry({ clock });
    const stop = registry.timer('t').start();
    clock.advance(42);
    expect(stop()).toBe(42);
  });
});
