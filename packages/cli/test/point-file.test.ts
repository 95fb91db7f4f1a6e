import { describe, expect, it } from 'vitest';
import { UsageError } from '../src/errors.js';
import { csvReader, formatOfFile, parseJsonLine, splitCsvLine } from '../src/point-file.js';

describe('JSON lines', () => {
  it('reads a full line and defaults the type to gauge', () => {
    expect(
      parseJsonLine('{"type":"counter","metric":"req","value":3,"timestamp":1700000000000,"dimensions":{"host":"a"}}'),
    ).toEqual({ kind: 'counter', metric: 'req', value: 3, timestamp: 1_700_000_000_000, dimensions: { host: 'a' } });
    expect(parseJsonLine('{"metric":"cpu","value":"1.5"}')).toEqual({ kind: 'gauge', metric: 'cpu', value: 1.5 });
  });

  it('skips blank lines and rejects bad ones', () => {
    expect(parseJsonLine('   ')).toBeUndefined();
    expect(() => parseJsonLine('{nope')).toThrow(/not valid JSON/);
    expect(() => parseJsonLine('[1]')).toThrow(/JSON object/);
    expect(() => parseJsonLine('{"metric":"","value":1}')).toThrow(/metric/);
    expect(() => parseJsonLine('{"metric":"m","value":null}')).toThrow(/value/);
    expect(() => parseJsonLine('{"metric":"m","value":1,"type":"histogram"}')).toThrow(UsageError);
    expect(() => parseJsonLine('{"metric":"m","value":1,"dimensions":{"a":{}}}')).toThrow(/dimension "a"/);
  });
});

describe('CSV', () => {
  it('splits quoted fields', () => {
    expect(splitCsvLine('a,"b,c","d ""e""",')).toEqual(['a', 'b,c', 'd "e"', '']);
    expect(splitCsvLine('x,y\r')).toEqual(['x', 'y']);
    expect(() => splitCsvLine('"open')).toThrow(/unterminated/);
  });

  it('maps columns: metric and value required, other columns are dimensions', () => {
    const read = csvReader('type,metric,value,timestamp,host,region');
    expect(read('gauge,cpu,12.5,1700000000000,h1,eu')).toEqual({
      kind: 'gauge',
      metric: 'cpu',
      value: 12.5,
      timestamp: 1_700_000_000_000,
      dimensions: { host: 'h1', region: 'eu' },
    });
    expect(read('cumulative,bytes,10,,h2,')).toEqual({
      kind: 'cumulative',
      metric: 'bytes',
      value: 10,
      dimensions: { host: 'h2' },
    });
    expect(read('')).toBeUndefined();
    expect(() => read('gauge,cpu,1')).toThrow(/expected 6 fields, got 3/);
    expect(() => csvReader('name,val')).toThrow(/metric and value/);
  });

  it('tells the format from the file name', () => {
    expect(formatOfFile('points.CSV')).toBe('csv');
    expect(formatOfFile('points.jsonl')).toBe('jsonl');
    expect(formatOfFile('points.ndjson')).toBe('jsonl');
  });
});
