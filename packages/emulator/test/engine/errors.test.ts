import { describe, expect, it } from 'vitest';
import { ProgramError, type ProgramErrorInfo, startComputation } from '../../src/engine/index.js';
import { at, MemorySource, T0 } from './helpers.js';

const source = new MemorySource();
source.add(
  'cpu',
  { host: 'a' },
  at([
    [10, 1],
    [20, 2],
  ]),
);

function errorOf(program: string): ProgramErrorInfo {
  try {
    startComputation(program, { source, start: T0, stop: T0 + 20_000 });
  } catch (error) {
    expect(error).toBeInstanceOf(ProgramError);
    return (error as ProgramError).info;
  }
  throw new Error(`expected ${JSON.stringify(program)} to be rejected`);
}

describe('program errors', () => {
  it('an unknown function is ANALYTICS_PROGRAM_NAME_ERROR at its line and column', () => {
    expect(errorOf("A = data('cpu')\nB = dta('cpu')")).toMatchObject({
      errorType: 'ANALYTICS_PROGRAM_NAME_ERROR',
      line: 2,
      column: 5,
      reference: 'dta',
    });
  });

  it('an unknown variable and an unknown stream method are name errors too', () => {
    expect(errorOf("data('cpu').publish()\nX.publish()")).toMatchObject({
      errorType: 'ANALYTICS_PROGRAM_NAME_ERROR',
      line: 2,
      column: 1,
      reference: 'X',
    });
    expect(errorOf("data('cpu')\\\n  .averag().publish()")).toMatchObject({
      errorType: 'ANALYTICS_PROGRAM_NAME_ERROR',
      line: 2,
      column: 4,
      reference: 'averag',
    });
  });

  it('syntax errors come from startComputation with line and column', () => {
    expect(errorOf("data('cpu').publish(label='A'")).toMatchObject({
      errorType: 'ANALYTICS_PROGRAM_SYNTAX_ERROR',
      line: 1,
    });
    expect(errorOf("A = data('cpu')\nA.mean(by=['host'].publish()")).toMatchObject({
      errorType: 'ANALYTICS_PROGRAM_SYNTAX_ERROR',
    });
  });

  it('wrong arguments and rebinding are ANALYTICS_PROGRAM_TYPE_ERROR', () => {
    expect(errorOf("data('cpu', extrapolation='foo').publish()")).toMatchObject({
      errorType: 'ANALYTICS_PROGRAM_TYPE_ERROR',
      line: 1,
      column: 1,
    });
    expect(errorOf("data('cpu', rollup='median').publish()").errorType).toBe('ANALYTICS_PROGRAM_TYPE_ERROR');
    expect(errorOf("data('cpu').mean(over='5q').publish()").errorType).toBe('ANALYTICS_PROGRAM_TYPE_ERROR');
    expect(errorOf("data('cpu').mean(bogus=1)").errorType).toBe('ANALYTICS_PROGRAM_TYPE_ERROR');
    expect(errorOf('data(5)').errorType).toBe('ANALYTICS_PROGRAM_TYPE_ERROR');
    expect(errorOf("A = data('cpu')\nA = data('mem')")).toMatchObject({
      errorType: 'ANALYTICS_PROGRAM_TYPE_ERROR',
      line: 2,
      column: 1,
    });
    expect(errorOf("data('cpu').percentile(150)").errorType).toBe('ANALYTICS_PROGRAM_TYPE_ERROR');
    expect(errorOf("filter('a', 'b') + 1").errorType).toBe('ANALYTICS_PROGRAM_TYPE_ERROR');
  });

  it('valid SignalFlow the engine lacks is ANALYTICS_PROGRAM_UNSUPPORTED', () => {
    expect(errorOf('def f(x):\n    return x\n')).toMatchObject({ errorType: 'ANALYTICS_PROGRAM_UNSUPPORTED', line: 1 });
    expect(errorOf('from signalfx.detectors import x')).toMatchObject({ errorType: 'ANALYTICS_PROGRAM_UNSUPPORTED' });
    expect(errorOf("data('cpu').ewma(0.5).publish()")).toMatchObject({
      errorType: 'ANALYTICS_PROGRAM_UNSUPPORTED',
      reference: 'ewma',
    });
    expect(errorOf("data('cpu').sum(cycle='day').publish()").errorType).toBe('ANALYTICS_PROGRAM_UNSUPPORTED');
    expect(errorOf("union(data('cpu'), data('mem'))").errorType).toBe('ANALYTICS_PROGRAM_UNSUPPORTED');
  });

  it('an unknown metric is not an error: empty output and FIND_MATCHED_NO_TIMESERIES', () => {
    const computation = startComputation("data('nothing.here', filter=filter('host', 'a')).publish('A')", {
      source,
      start: T0,
      stop: T0 + 20_000,
    });
    expect(computation.infoMessages).toEqual([
      {
        messageCode: 'FIND_MATCHED_NO_TIMESERIES',
        messageLevel: 'INFO',
        contents: { query: 'sf_metric:nothing.here AND host:a' },
      },
      { messageCode: 'FETCH_NUM_TIMESERIES', messageLevel: 'INFO', numInputTimeSeries: 0, contents: {} },
    ]);
    const outputs = computation.advance(T0 + 20_000);
    expect(outputs.map((o) => o.publishes)).toEqual([
      [{ label: 'A', values: [] }],
      [{ label: 'A', values: [] }],
      [{ label: 'A', values: [] }],
    ]);
    expect(computation.resolutionMs).toBe(10_000);
  });

  it('FIND_LIMITED_RESULT_SET when a data() matches more than findLimit series', () => {
    const many = new MemorySource();
    for (let i = 0; i < 5; i += 1) many.add('m', { i: String(i) }, at([[10, i]]));
    const computation = startComputation("data('m').count().publish()", {
      source: many,
      start: T0 + 10_000,
      stop: T0 + 10_000,
      findLimit: 3,
    });
    expect(computation.infoMessages).toContainEqual({
      messageCode: 'FIND_LIMITED_RESULT_SET',
      messageLevel: 'WARNING',
      contents: { matchedSize: 5, limitSize: 3 },
    });
    expect(computation.advance(T0 + 10_000)[0]?.publishes[0]?.values.map((v) => v.value)).toEqual([3]);
  });
});

describe('time range guard', () => {
  it('rejects a range with more logical timestamps than maxTimestamps', () => {
    const run = (maxTimestamps?: number) =>
      startComputation("data('cpu').publish()", {
        source,
        start: 0,
        stop: T0,
        resolutionMs: 1_000,
        ...(maxTimestamps === undefined ? {} : { maxTimestamps }),
      });
    expect(() => run()).toThrow(ProgramError);
    expect(() => run(10)).toThrow(/logical timestamps/);
    expect(() =>
      startComputation("data('cpu').publish()", { source, start: T0, stop: T0 + 20_000, maxTimestamps: 3 }),
    ).not.toThrow();
  });
});
