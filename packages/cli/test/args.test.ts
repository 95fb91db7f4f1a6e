import { describe, expect, it } from 'vitest';
import {
  collectKeyValue,
  parseDuration,
  parseKeyValue,
  parseMetricKind,
  parsePositiveInt,
  parsePropertyValue,
  parseTime,
  parseValue,
} from '../src/args.js';
import { UsageError } from '../src/errors.js';

describe('parseDuration', () => {
  it.each([
    ['250ms', 250],
    ['10s', 10_000],
    ['1.5s', 1_500],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['2d', 172_800_000],
    ['1w', 604_800_000],
    ['1000', 1000],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '-5m', '5 minutes', 'm', '1y'])('rejects %j with a UsageError', (text) => {
    expect(() => parseDuration(text)).toThrow(UsageError);
  });
});

describe('parseTime', () => {
  const now = 1_700_000_000_000;
  it('reads now, relative times, epoch ms and ISO dates', () => {
    expect(parseTime('now', now)).toBe(now);
    expect(parseTime('-15m', now)).toBe(now - 900_000);
    expect(parseTime('-1h', now)).toBe(now - 3_600_000);
    expect(parseTime('+30s', now)).toBe(now + 30_000);
    expect(parseTime('1699999999000', now)).toBe(1_699_999_999_000);
    expect(parseTime('2023-11-14T22:13:20Z', now)).toBe(now);
  });

  it('rejects what is not a time', () => {
    expect(() => parseTime('yesterday', now)).toThrow(/--start|time must be/);
    expect(() => parseTime('-15x', now)).toThrow(UsageError);
    expect(() => parseTime('', now)).toThrow(UsageError);
  });
});

describe('key=value flags', () => {
  it('splits at the first = and keeps the rest of the value', () => {
    expect(parseKeyValue('host=a')).toEqual(['host', 'a']);
    expect(parseKeyValue('query=a=b')).toEqual(['query', 'a=b']);
    expect(parseKeyValue('empty=')).toEqual(['empty', '']);
  });

  it('rejects a missing key or =', () => {
    expect(() => parseKeyValue('host')).toThrow(/--dim must be key=value/);
    expect(() => parseKeyValue('=a', '--prop')).toThrow(/--prop must be key=value/);
  });

  it('collects repeated flags into one record', () => {
    const first = collectKeyValue('host=a');
    const second = collectKeyValue('region=eu', first);
    expect(second).toEqual({ host: 'a', region: 'eu' });
    expect(collectKeyValue('host=b', second)).toEqual({ host: 'b', region: 'eu' });
    expect(first).toEqual({ host: 'a' });
  });
});

describe('values', () => {
  it('types property values', () => {
    expect(parsePropertyValue('true')).toBe(true);
    expect(parsePropertyValue('false')).toBe(false);
    expect(parsePropertyValue('42')).toBe(42);
    expect(parsePropertyValue('-1.5e3')).toBe(-1500);
    expect(parsePropertyValue('"42"')).toBe('42');
    expect(parsePropertyValue('007')).toBe('007');
    expect(parsePropertyValue('v1.2')).toBe('v1.2');
  });

  it('parses datapoint values, keeping big integers exact', () => {
    expect(parseValue('42')).toBe(42);
    expect(parseValue('-3.25')).toBe(-3.25);
    expect(parseValue('9223372036854775807')).toBe(9223372036854775807n);
    expect(() => parseValue('NaN')).toThrow(UsageError);
    expect(() => parseValue('Infinity')).toThrow(UsageError);
    expect(() => parseValue('abc')).toThrow(/finite number/);
    expect(() => parseValue('')).toThrow(UsageError);
  });

  it('parses metric kinds and positive integers', () => {
    expect(parseMetricKind('gauge')).toBe('gauge');
    expect(parseMetricKind('COUNTER')).toBe('counter');
    expect(parseMetricKind('cumulative_counter')).toBe('cumulative');
    expect(parseMetricKind('cumulative')).toBe('cumulative');
    expect(() => parseMetricKind('histogram')).toThrow(/gauge, counter or cumulative/);
    expect(parsePositiveInt('20', '--limit')).toBe(20);
    expect(() => parsePositiveInt('0', '--limit')).toThrow(/--limit/);
    expect(() => parsePositiveInt('2.5', '--limit')).toThrow(UsageError);
  });
});

describe('compound durations and their errors', () => {
  const now = 1_700_000_000_000;
  it('reads 1h30m and 1m30s, alone and as relative times', () => {
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(parseTime('-1h30m', now)).toBe(now - 5_400_000);
  });

  it('quotes the whole relative time it cannot read, sign included', () => {
    expect(() => parseTime('-1x', now, '--start')).toThrow(/--start .*"-1x"/);
  });
});
