import { describe, expect, it } from 'vitest';
import { at, byHost, MemorySource, run, T0 } from './helpers.js';

const S = 1000;

describe('E1: raw gauge and extrapolation', () => {
  const source = new MemorySource();
  source.add(
    'cpu.utilization',
    { host: 'a' },
    at([
      [10, 40],
      [20, 42],
      [30, 44],
      [40, 46],
      [50, 48],
    ]),
  );
  source.add(
    'cpu.utilization',
    { host: 'b' },
    at([
      [10, 10],
      [40, 16],
      [50, 18],
    ]),
  );
  const options = { start: T0 + 10 * S, stop: T0 + 50 * S };

  it('program A: no extrapolation, R derived from the data, metadata per §11', () => {
    const result = run("data('cpu.utilization').publish('A')", source, options);
    expect(result.computation.resolutionMs).toBe(10_000);
    expect(result.rel('A', byHost)).toEqual({
      10: { a: 40, b: 10 },
      20: { a: 42 },
      30: { a: 44 },
      40: { a: 46, b: 16 },
      50: { a: 48, b: 18 },
    });
    const info = result.computation.infoMessages.find((m) => m.messageCode === 'FETCH_NUM_TIMESERIES');
    expect(info).toMatchObject({ messageLevel: 'INFO', numInputTimeSeries: 2 });
    const metaA = [...result.metadata.values()].find((p) => p.host === 'a');
    expect(metaA).toEqual({
      host: 'a',
      sf_key: ['host', 'sf_metric'],
      sf_metric: 'cpu.utilization',
      sf_originatingMetric: 'cpu.utilization',
      sf_resolutionMs: 10_000,
      sf_type: 'MetricTimeSeries',
      sf_isPreQuantized: false,
      sf_streamLabel: 'A',
    });
    // One data message per publish at every timestamp, metadata only once per tsId.
    expect(result.outputs.map((o) => o.publishes.length)).toEqual([1, 1, 1, 1, 1]);
    expect(result.outputs.map((o) => o.newMetadata.length)).toEqual([2, 0, 0, 0, 0]);
  });

  it("program B: extrapolation='zero'", () => {
    const result = run("data('cpu.utilization', extrapolation='zero').publish('B')", source, options);
    const b = Object.fromEntries(Object.entries(result.rel('B', byHost)).map(([t, row]) => [t, row.b]));
    expect(b).toEqual({ 10: 10, 20: 0, 30: 0, 40: 16, 50: 18 });
  });

  it("program C: extrapolation='last_value', maxExtrapolations=1", () => {
    const result = run(
      "data('cpu.utilization', extrapolation='last_value', maxExtrapolations=1).publish('C')",
      source,
      options,
    );
    const b = Object.fromEntries(Object.entries(result.rel('C', byHost)).map(([t, row]) => [t, row.b]));
    expect(b).toEqual({ 10: 10, 20: 10, 30: undefined, 40: 16, 50: 18 });
  });
});

describe('E2: rollups at a coarser resolution', () => {
  const source = new MemorySource();
  const points: Array<[number, number]> = [];
  for (let s = 0; s <= 120; s += 10) points.push([s, 100 + s]);
  source.add('g', {}, at(points), 'gauge');
  source.add('c', {}, at(points), 'counter');
  source.add('cc', {}, at(points), 'cumulative_counter');
  const options = { start: T0, stop: T0 + 120 * S, resolutionMs: 60_000 };
  const single = (program: string) => {
    const result = run(program, source, options);
    expect(result.computation.resolutionMs).toBe(60_000);
    return Object.fromEntries(Object.entries(result.rel('')).map(([t, row]) => [t, row['']]));
  };

  it('default rollups: gauge average, counter sum, cumulative counter delta', () => {
    expect(single("data('g').publish()")).toEqual({ 0: 100, 60: 135, 120: 195 });
    expect(single("data('c').publish()")).toEqual({ 0: 100, 60: 810, 120: 1170 });
    expect(single("data('cc').publish()")).toEqual({ 0: undefined, 60: 60, 120: 60 });
  });

  it("rollup='rate' for counters and cumulative counters", () => {
    const c = single("data('c', rollup='rate').publish()");
    expect(c[0]).toBeCloseTo(100 / 60, 10);
    expect(c[60]).toBeCloseTo(13.5, 10);
    expect(c[120]).toBeCloseTo(19.5, 10);
    expect(single("data('cc', rollup='rate').publish()")).toEqual({ 0: undefined, 60: 1, 120: 1 });
  });

  it('max, min, count, latest rollups', () => {
    expect(single("data('g', rollup='max').publish()")[60]).toBe(160);
    expect(single("data('g', rollup='min').publish()")[60]).toBe(110);
    expect(single("data('g', rollup='count').publish()")[60]).toBe(6);
    expect(single("data('g', rollup='latest').publish()")[60]).toBe(160);
  });

  it('a cumulative counter reset gives the new raw value, never a negative delta', () => {
    const reset = new MemorySource();
    const values: Array<[number, number]> = [];
    for (let s = 0; s <= 80; s += 10) values.push([s, 100 + s]);
    values.push([90, 5], [100, 15], [110, 25], [120, 35]);
    reset.add('cc', {}, at(values), 'cumulative_counter');
    const result = run("data('cc').publish()", reset, options);
    expect(result.rel('')[120]).toEqual({ '': 35 });
  });
});

describe('E3: aggregations, group-by, missing data', () => {
  const source = new MemorySource();
  source.add(
    'cpu.utilization',
    { host: 'a', region: 'east' },
    at([
      [10, 10],
      [20, 20],
    ]),
  );
  source.add('cpu.utilization', { host: 'b', region: 'east' }, at([[10, 30]]));
  source.add(
    'cpu.utilization',
    { host: 'c', region: 'west' },
    at([
      [10, 5],
      [20, 7],
    ]),
  );
  source.add(
    'cpu.utilization',
    { host: 'd' },
    at([
      [10, 100],
      [20, 100],
    ]),
  );
  const options = { start: T0 + 10 * S, stop: T0 + 20 * S, resolutionMs: 10_000 };
  const series = (expression: string, extra = '') => {
    const result = run(`A = data('cpu.utilization'${extra})\n${expression}.publish('X')`, source, options);
    return { result, rel: result.rel('X') };
  };
  const total = (expression: string, extra = '') => {
    const { rel } = series(expression, extra);
    return [rel[10]?.[''], rel[20]?.['']];
  };

  it('sum, mean, count, min, max over all series, skipping missing values', () => {
    expect(total('A.sum()')).toEqual([145, 127]);
    const [m10, m20] = total('A.mean()');
    expect(m10).toBe(36.25);
    expect(m20).toBeCloseTo(42.333333333, 8);
    expect(total('A.count()')).toEqual([4, 3]);
    expect(total('A.min()')).toEqual([5, 7]);
    expect(total('A.max()')).toEqual([100, 100]);
  });

  it('variance and stddev are population statistics; percentile takes k = floor(pct·n/100)+1', () => {
    const [v10, v20] = total('A.variance()');
    expect(v10).toBeCloseTo(1442.1875, 8);
    expect(v20).toBeCloseTo(1690.8889, 4);
    const [s10, s20] = total('A.stddev()');
    expect(s10).toBeCloseTo(37.97614, 5);
    expect(s20).toBeCloseTo(41.12042, 5);
    expect(total('A.percentile(50)')).toEqual([30, 20]);
  });

  it('group-by keeps only the by keys and drops series lacking them, with GROUPBY_MISSING_PROPERTY', () => {
    const { result, rel } = series("A.sum(by='region')");
    expect(rel).toEqual({ 10: { 'region=east': 40, 'region=west': 5 }, 20: { 'region=east': 20, 'region=west': 7 } });
    for (const properties of result.metadata.values()) {
      expect(properties.sf_key).toEqual(['region']);
      expect(Object.keys(properties).filter((k) => !k.startsWith('sf_'))).toEqual(['region']);
      expect(properties.sf_originatingMetric).toBe('cpu.utilization');
      expect(String(properties.sf_metric)).toMatch(/^_SF_COMP_/);
    }
    const warnings = result.outputs.flatMap((o) => o.infoMessages ?? []);
    expect(warnings).toEqual([
      { messageCode: 'GROUPBY_MISSING_PROPERTY', messageLevel: 'WARNING', contents: { propertyNames: ['region'] } },
    ]);
    expect(result.outputs[0]?.infoMessages).toHaveLength(1);
    expect(series("A.mean(by=['region'])").rel[10]?.['region=east']).toBe(20);
    expect(series("A.mean(by=['region'])").rel[20]?.['region=east']).toBe(20);
  });

  it("extrapolation='last_value' fills b at +20s", () => {
    const extra = ", extrapolation='last_value'";
    expect(total('A.sum()', extra)[1]).toBe(157);
    expect(total('A.count()', extra)[1]).toBe(4);
    expect(series("A.sum(by='region')", extra).rel[20]?.['region=east']).toBe(50);
  });
});

describe('E4: arithmetic between streams and constants', () => {
  const source = new MemorySource();
  for (const [host, errors, total] of [
    ['a', 2, 50],
    ['b', 0, 40],
    ['c', 1, 0],
    ['d', 3, undefined],
  ] as const) {
    source.add('req.errors', { host }, at([[10, errors]]));
    if (total !== undefined) source.add('req.total', { host }, at([[10, total]]));
  }
  const options = { start: T0 + 10 * S, stop: T0 + 10 * S };
  const prelude = "E = data('req.errors').sum(by='host')\nN = data('req.total').sum(by='host')\n";
  const values = (expression: string) =>
    run(`${prelude}(${expression}).publish('X')`, source, options).rel('X', byHost)[10];

  it('stream ÷ stream pairs by host; ÷0 and unpartnered series vanish', () => {
    expect(values('(E / N).scale(100)')).toEqual({ a: 4, b: 0 });
    expect(values('E / N * 100')).toEqual({ a: 4, b: 0 });
  });

  it('a dimensionless aggregation is broadcast', () => {
    expect(values('E - E.mean()')).toEqual({ a: 0.5, b: -1.5, c: -0.5, d: 1.5 });
  });

  it('constants, unary minus, abs, power and comparisons', () => {
    expect(values('E + 1')).toEqual({ a: 3, b: 1, c: 2, d: 4 });
    expect(values('-E.abs()')).toEqual({ a: -2, b: -0, c: -1, d: -3 });
    expect(values('abs(-E)')).toEqual({ a: 2, b: 0, c: 1, d: 3 });
    expect(values('2 ** E')).toEqual({ a: 4, b: 1, c: 2, d: 8 });
    expect(values('E > 1')).toEqual({ a: 1, b: 0, c: 0, d: 1 });
  });
});

describe('E5: transformations, delta, timeshift, fill', () => {
  const source = new MemorySource();
  source.add(
    'q',
    {},
    at([
      [10, 1],
      [20, 3],
      [30, 5],
      [50, 9],
      [60, 11],
    ]),
  );
  const options = { start: T0 + 10 * S, stop: T0 + 60 * S };
  const column = (expression: string) => {
    const rel = run(`s = data('q')\n${expression}.publish('X')`, source, options).rel('X');
    return [10, 20, 30, 40, 50, 60].map((t) => rel[t]?.[''] ?? null);
  };

  it('matches every column of the table', () => {
    expect(column('s')).toEqual([1, 3, 5, null, 9, 11]);
    expect(column("s.mean(over='30s')")).toEqual([1, 2, 3, 4, 7, 10]);
    expect(column("s.sum(over='30s')")).toEqual([1, 4, 9, 8, 14, 20]);
    expect(column("s.max(over='20s')")).toEqual([1, 3, 5, 5, 9, 11]);
    expect(column('s.delta()')).toEqual([null, 2, 2, null, null, 2]);
    expect(column("s.timeshift('20s')")).toEqual([null, null, 1, 3, 5, null]);
    expect(column('s.fill(0)')).toEqual([1, 3, 5, 0, 9, 11]);
    expect(column('s.rateofchange()')[1]).toBeCloseTo(0.2, 12);
  });
});

describe('E6: detect with lasting and off', () => {
  const source = new MemorySource();
  const values = [70, 85, 90, 95, 99, 75, 70, 50, 55, 82];
  source.add('cpu.utilization', { host: 'a' }, at(values.map((v, i) => [10 * (i + 1), v])));
  source.add('cpu.utilization', { host: 'b' }, at(values.map((_, i) => [10 * (i + 1), 100])));
  const options = { start: T0 + 10 * S, stop: T0 + 100 * S };
  const prelude = "A = data('cpu.utilization', filter=filter('host', 'a')).publish('A', enable=False)\n";
  const events = (detect: string) => {
    const result = run(`${prelude}${detect}.publish('cpu_high')`, source, options);
    return {
      result,
      events: result.outputs.flatMap((o) => o.events),
      list: result.outputs.flatMap((o) =>
        o.events.map((e) => [(e.timestampMs - T0) / 1000, e.properties.was, e.properties.is]),
      ),
    };
  };

  it('fires at +40s and clears at +90s with off=, same incidentId, no data for A', () => {
    const { result, events: all, list } = events("detect(when(A > 80, lasting='30s'), off=when(A < 60, '20s'))");
    expect(list).toEqual([
      [40, 'ok', 'anomalous'],
      [90, 'anomalous', 'ok'],
    ]);
    expect(all[0]?.properties.incidentId).toBe(all[1]?.properties.incidentId);
    expect(String(all[0]?.properties.incidentId)).toHaveLength(11);
    expect(all[0]?.properties.inputs).toEqual({ A: { value: 95, key: { host: 'a' } } });
    expect(JSON.parse(String(all[0]?.properties.inputValues))).toEqual({ A: 95 });
    expect(result.computation.publishLabels).toEqual([]);
    expect(result.outputs.every((o) => o.publishes.length === 0)).toBe(true);
    const eventMeta = result.metadata.get(all[0]?.tsId as string);
    expect(eventMeta).toMatchObject({ sf_type: 'EventTimeSeries', host: 'a', sf_eventType: 'cpu_high' });
    expect(typeof eventMeta?.sf_detectInputContexts).toBe('string');
    // Metadata of the event series precedes the first event, in the same output.
    const firing = result.outputs.find((o) => o.events.length > 0);
    expect(firing?.newMetadata.map((m) => m.tsId)).toEqual([all[0]?.tsId]);
  });

  it('without off= the incident clears at the first timestamp where on is false', () => {
    expect(events("detect(when(A > 80, lasting='30s'))").list).toEqual([
      [40, 'ok', 'anomalous'],
      [60, 'anomalous', 'ok'],
    ]);
  });

  it('at_least=0.6 needs 2 of 3 timestamps', () => {
    expect(events("detect(when(A > 80, lasting='30s', at_least=0.6))").list[0]).toEqual([30, 'ok', 'anomalous']);
    expect(events("detect(when(A > 80, lasting('30s', 0.6)))").list[0]).toEqual([30, 'ok', 'anomalous']);
  });
});

describe('E7: top, bottom and several publishes', () => {
  const source = new MemorySource();
  source.add(
    'cpu.utilization',
    { host: 'a' },
    at([
      [10, 10],
      [20, 60],
    ]),
  );
  source.add(
    'cpu.utilization',
    { host: 'b' },
    at([
      [10, 50],
      [20, 20],
    ]),
  );
  source.add(
    'cpu.utilization',
    { host: 'c' },
    at([
      [10, 30],
      [20, 40],
    ]),
  );
  const program = [
    "C = data('cpu.utilization')",
    "C.top(count=2).publish('top2')",
    "C.bottom(1).publish('low')",
    "C.mean().publish('avg')",
  ].join('\n');

  it('gives each block its values and tsIds', () => {
    const result = run(program, source, { start: T0 + 10 * S, stop: T0 + 20 * S });
    expect(result.computation.publishLabels).toEqual(['top2', 'low', 'avg']);
    expect(result.rel('top2', byHost)).toEqual({ 10: { b: 50, c: 30 }, 20: { a: 60, c: 40 } });
    expect(result.rel('low', byHost)).toEqual({ 10: { a: 10 }, 20: { b: 20 } });
    expect(result.rel('avg', byHost)).toEqual({ 10: { '': 30 }, 20: { '': 40 } });
    expect(result.outputs.map((o) => o.publishes.map((p) => p.label))).toEqual([
      ['top2', 'low', 'avg'],
      ['top2', 'low', 'avg'],
    ]);
    const byLabel = (label: string) => [...result.metadata.values()].filter((p) => p.sf_streamLabel === label);
    expect(byLabel('top2')).toHaveLength(3);
    expect(byLabel('low')).toHaveLength(3);
    expect(byLabel('avg')).toHaveLength(1);
    expect(byLabel('avg')[0]?.sf_key).toEqual([]);
    expect(new Set(result.metadata.keys()).size).toBe(7);
    for (const tsId of result.metadata.keys()) expect(tsId).toMatch(/^[A-Za-z0-9_-]{11}$/);
  });
});
