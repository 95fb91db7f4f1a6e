import { describe, expect, it } from 'vitest';
import { startComputation } from '../../src/engine/index.js';
import { at, byHost, MemorySource, run, T0 } from './helpers.js';

describe('filters and wildcards', () => {
  const source = new MemorySource();
  source.add('cpu.user', { host: 'web-1', env: 'prod' }, at([[10, 1]]));
  source.add('cpu.system', { host: 'web-2', env: 'qa' }, at([[10, 2]]));
  source.add('cpu.idle', { host: 'db-1', env: 'prod' }, at([[10, 4]]));
  source.add('cpu.idle', { host: 'db-2' }, at([[10, 8]]));
  source.add('mem.used', { host: 'web-1', env: 'prod' }, at([[10, 16]]));
  const total = (program: string) =>
    run(`${program}.sum().publish('X')`, source, { start: T0 + 10_000, stop: T0 + 10_000 }).rel('X')[10]?.[''];

  it('matches metric wildcards and filter terms with wildcards, or-ed terms, and/or/not', () => {
    expect(total("data('cpu.*')")).toBe(15);
    expect(total("data('*')")).toBe(31);
    expect(total("data('cpu.*', filter=filter('host', 'web-*'))")).toBe(3);
    expect(total("data('cpu.*', filter('env', 'prod', 'qa'))")).toBe(7);
    expect(total("data('cpu.*', filter=filter('env', 'prod') and not filter('host', 'db-*'))")).toBe(1);
    expect(total("data('cpu.*', filter=filter('host', 'db-1') or filter('env', 'qa'))")).toBe(6);
    expect(total("data('cpu.*', filter=not filter('env', '*'))")).toBe(8);
    expect(total("data('cpu.*', filter=filter('env', 'prod', match_missing=True))")).toBe(13);
    expect(total("data('*', filter=filter('sf_metric', 'mem.*'))")).toBe(16);
  });
});

describe('resolution', () => {
  it('is the coarsest native resolution, at least the requested one, never below 1 s', () => {
    const source = new MemorySource();
    source.add(
      'fast',
      {},
      at([
        [0, 1],
        [1, 1],
        [2, 1],
      ]),
    );
    source.add(
      'slow',
      {},
      at([
        [0, 1],
        [60, 1],
        [120, 1],
      ]),
    );
    source.add(
      'odd',
      {},
      at([
        [0, 1],
        [15, 1],
        [30, 1],
      ]),
    );
    const resolution = (program: string, resolutionMs?: number) =>
      startComputation(program, {
        source,
        start: T0,
        stop: T0 + 120_000,
        ...(resolutionMs === undefined ? {} : { resolutionMs }),
      }).resolutionMs;
    expect(resolution("data('fast').publish()")).toBe(1_000);
    expect(resolution("data('slow').publish()")).toBe(60_000);
    expect(resolution("data('odd').publish()")).toBe(60_000);
    expect(resolution("data('fast').publish()\ndata('slow').publish()")).toBe(60_000);
    expect(resolution("data('fast').publish()", 10_000)).toBe(10_000);
    expect(resolution("data('slow').publish()", 10_000)).toBe(60_000);
    expect(resolution("data('none').publish()")).toBe(10_000);
    expect(resolution("data('none').publish()", 300)).toBe(1_000);
  });

  it('logical timestamps are multiples of R from the first one at or after start to the last at or before stop', () => {
    const source = new MemorySource();
    source.add(
      'x',
      {},
      at([
        [10, 1],
        [20, 2],
        [30, 3],
        [40, 4],
      ]),
    );
    const computation = startComputation("data('x').publish()", { source, start: T0 + 5_000, stop: T0 + 35_000 });
    const outputs = computation.advance(T0 + 100_000);
    expect(outputs.map((o) => o.logicalTimestampMs - T0)).toEqual([10_000, 20_000, 30_000]);
    expect(computation.finished).toBe(true);
    expect(computation.advance(T0 + 200_000)).toEqual([]);
  });
});

describe('output identity', () => {
  const source = new MemorySource();
  source.add(
    'cpu',
    { host: 'a' },
    at([
      [10, 1],
      [20, 2],
    ]),
  );
  source.add(
    'cpu',
    { host: 'b' },
    at([
      [10, 3],
      [20, 4],
    ]),
  );
  const program = "A = data('cpu')\nA.publish('raw')\nA.scale(2).publish('scaled')\nA.sum().publish()";

  it('tsIds are 11 base64url characters, distinct per block and series, and stable across runs', () => {
    const first = run(program, source, { start: T0 + 10_000, stop: T0 + 20_000 });
    const second = run(program, source, { start: T0 + 10_000, stop: T0 + 20_000 });
    const ids = [...first.metadata.keys()];
    expect(ids).toHaveLength(5);
    expect(new Set(ids).size).toBe(5);
    for (const id of ids) {
      expect(id).toMatch(/^[A-Za-z0-9_-]{11}$/);
      expect(Buffer.from(id, 'base64url')).toHaveLength(8);
    }
    expect([...second.metadata.keys()]).toEqual(ids);
    // The same tsId carries the same series at every timestamp.
    const hostOf = (output: (typeof first.outputs)[number]) =>
      output.publishes[0]?.values.map((v) => [v.tsId, first.metadata.get(v.tsId)?.host]);
    expect(hostOf(first.outputs[0] as never)).toEqual(hostOf(first.outputs[1] as never));
  });

  it('metadata of computed series: generated sf_metric, kept dimensions and sf_key, no label when publish() has none', () => {
    const result = run(program, source, { start: T0 + 10_000, stop: T0 + 20_000, jobId: 'JOB1' });
    const scaled = [...result.metadata.values()].find((p) => p.sf_streamLabel === 'scaled' && p.host === 'a');
    expect(scaled).toEqual({
      host: 'a',
      sf_key: ['host', 'sf_metric'],
      sf_metric: '_SF_COMP_JOB1_02-PUBLISH_metric',
      sf_originatingMetric: 'cpu',
      sf_resolutionMs: 10_000,
      sf_type: 'MetricTimeSeries',
      sf_isPreQuantized: false,
      sf_streamLabel: 'scaled',
    });
    const total = [...result.metadata.values()].find((p) => p.sf_streamLabel === undefined);
    expect(total).toEqual({
      sf_key: [],
      sf_metric: '_SF_COMP_JOB1_03-PUBLISH_metric',
      sf_originatingMetric: 'cpu',
      sf_resolutionMs: 10_000,
      sf_type: 'MetricTimeSeries',
      sf_isPreQuantized: false,
    });
    expect(result.rel('', byHost)).toEqual({ 10: { '': 4 }, 20: { '': 6 } });
  });
});

describe('live computations', () => {
  it('computes as data arrives, announces new series mid-job and expires silent ones', () => {
    const source = new MemorySource();
    source.add(
      'cpu',
      { host: 'a' },
      at([
        [10, 1],
        [20, 2],
      ]),
    );
    const computation = startComputation("data('cpu').publish('A')", {
      source,
      start: T0 + 10_000,
      now: () => T0 + 20_000,
    });
    const first = computation.advance(T0 + 20_000);
    expect(first.map((o) => o.logicalTimestampMs - T0)).toEqual([10_000, 20_000]);
    expect(first[0]?.newMetadata).toHaveLength(1);
    expect(computation.advance(T0 + 25_000)).toEqual([]);

    source.add('cpu', { host: 'a' }, at([[30, 3]]));
    source.add('cpu', { host: 'b' }, at([[30, 30]]));
    const second = computation.advance(T0 + 30_000);
    expect(second).toHaveLength(1);
    expect(second[0]?.newMetadata.map((m) => m.properties.host)).toEqual(['b']);
    expect(second[0]?.publishes[0]?.values.map((v) => v.value).sort((x, y) => (x ?? 0) - (y ?? 0))).toEqual([3, 30]);
    expect(computation.finished).toBe(false);

    // b keeps reporting, a goes silent: a expires once an hour has passed without a value.
    const points: Array<[number, number]> = [];
    for (let s = 40; s <= 3_700; s += 10) points.push([s, 1]);
    source.add('cpu', { host: 'b' }, at(points));
    const later = computation.advance(T0 + 3_700_000);
    const expired = later.flatMap((o) => o.expired.map((id) => [o.logicalTimestampMs - T0, id]));
    expect(expired).toEqual([[3_630_000, first[0]?.newMetadata[0]?.tsId]]);
  });

  it('with a stop still in the future, series that appear while it runs are computed too', () => {
    const source = new MemorySource();
    source.add('cpu', { host: 'a' }, at([[10, 1]]));
    const computation = startComputation("data('cpu').sum().publish('A')", {
      source,
      start: T0 + 10_000,
      stop: T0 + 30_000,
      now: () => T0 + 10_000,
      resolutionMs: 10_000,
    });
    expect(computation.advance(T0 + 10_000).map((o) => o.publishes[0]?.values.map((v) => v.value))).toEqual([[1]]);
    source.add('cpu', { host: 'a' }, at([[20, 2]]));
    source.add('cpu', { host: 'b' }, at([[20, 20]]));
    expect(computation.advance(T0 + 20_000).map((o) => o.publishes[0]?.values.map((v) => v.value))).toEqual([[22]]);
    expect(computation.finished).toBe(false);
  });
});

describe('publish variants', () => {
  const source = new MemorySource();
  source.add('cpu', { host: 'a' }, at([[10, -2]]));
  source.add('cpu', { host: 'b' }, at([[10, 6]]));
  const values = (program: string) =>
    run(program, source, { start: T0 + 10_000, stop: T0 + 10_000 }).rel('X', byHost)[10];

  it('supports function forms, map(lambda), above/below/between, n-ary max', () => {
    expect(values("abs(data('cpu')).publish('X')")).toEqual({ a: 2, b: 6 });
    expect(values("sum(data('cpu')).publish('X')")).toEqual({ '': 4 });
    expect(values("max(data('cpu'), 0).publish('X')")).toEqual({ a: 0, b: 6 });
    expect(values("data('cpu').map(lambda x: x * 10 if x > 0 else 0).publish('X')")).toEqual({ a: 0, b: 60 });
    expect(values("data('cpu').above(0).publish('X')")).toEqual({ b: 6 });
    expect(values("data('cpu').below(0, clamp=True).publish('X')")).toEqual({ a: -2, b: 0 });
    expect(values("data('cpu').between(-5, 5).publish('X')")).toEqual({ a: -2 });
    expect(values("data('cpu', filter=filter('host', 'b')).publish(label='X')")).toEqual({ b: 6 });
    expect(values("A = data('cpu'); B = A * 2; (A + B).publish('X');")).toEqual({ a: -6, b: 18 });
  });

  it('publish(enable=False) is computed but not streamed', () => {
    const result = run("A = data('cpu').publish('hidden', enable=False)\nA.sum().publish('X')", source, {
      start: T0 + 10_000,
      stop: T0 + 10_000,
    });
    expect(result.computation.publishLabels).toEqual(['X']);
    expect(result.outputs[0]?.publishes.map((p) => p.label)).toEqual(['X']);
    expect(result.rel('X')[10]).toEqual({ '': 4 });
  });
});

describe('detect variants', () => {
  const source = new MemorySource();
  // a: high from +10 to +30, then silent; b: high at +20 only.
  source.add(
    'cpu',
    { host: 'a' },
    at([
      [10, 90],
      [20, 95],
      [30, 99],
    ]),
  );
  source.add(
    'cpu',
    { host: 'b' },
    at([
      [10, 10],
      [20, 95],
      [30, 10],
      [40, 10],
      [50, 10],
      [60, 10],
    ]),
  );
  source.add(
    'mem',
    { host: 'a' },
    at([
      [10, 1],
      [20, 9],
      [30, 9],
    ]),
  );
  source.add(
    'mem',
    { host: 'b' },
    at([
      [10, 9],
      [20, 9],
      [30, 9],
    ]),
  );
  const options = { start: T0 + 10_000, stop: T0 + 60_000 };
  const events = (program: string) =>
    run(program, source, options).outputs.flatMap((o) =>
      o.events.map((e) => `${(e.timestampMs - T0) / 1000}:${String(e.metadata.host)}:${String(e.properties.is)}`),
    );

  it('with off= an incident stays open while its input is silent, and auto_resolve_after clears it', () => {
    const detector = "A = data('cpu')\ndetect(A > 80, off=A < 50%s).publish('d')";
    expect(events(detector.replace('%s', ''))).toEqual(['10:a:anomalous', '20:b:anomalous', '30:b:ok']);
    expect(events(detector.replace('%s', ", auto_resolve_after='20s'"))).toEqual([
      '10:a:anomalous',
      '20:b:anomalous',
      '30:b:ok',
      '50:a:ok',
    ]);
  });

  it('combines conditions with and/or/not per series', () => {
    const prelude = "A = data('cpu')\nM = data('mem')\n";
    expect(events(`${prelude}detect(when(A > 80) and when(M > 5)).publish('d')`)).toEqual([
      '20:a:anomalous',
      '20:b:anomalous',
      '30:b:ok',
      '40:a:ok',
    ]);
    expect(events(`${prelude}detect(A > 80 or M < 5).publish('d')`)[0]).toBe('10:a:anomalous');
    expect(events(`${prelude}detect(not (A < 80)).publish('d')`)[0]).toBe('10:a:anomalous');
  });

  it('a detect that is not published raises nothing', () => {
    expect(events("A = data('cpu')\nd = detect(A > 80)")).toEqual([]);
  });
});

describe('map() with a lambda that fails for some values', () => {
  it('gives no value where the lambda divides by zero', () => {
    const source = new MemorySource();
    source.add('x', { host: 'a' }, at([[10, 0]]));
    source.add('x', { host: 'b' }, at([[10, 4]]));
    const result = run("data('x').map(lambda v: 1 / v).publish('X')", source, {
      start: T0 + 10_000,
      stop: T0 + 10_000,
    });
    expect(result.rel('X', byHost)[10]).toEqual({ b: 0.25 });
  });
});
