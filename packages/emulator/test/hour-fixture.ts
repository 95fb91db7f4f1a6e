/**
 * One hour of 10-second data over 12 hosts (plus the hour before, so windows and shifts start full), and for every
 * supported function the values expected at every timestamp, computed here with plain loops over the raw data (no
 * engine code). Used by the engine test over an in-memory source and by the end-to-end test that ingests the same
 * data over HTTP and computes over the WebSocket.
 */
import { expect } from 'vitest';

export const R = 10_000;
/** Output timestamps per computation: B … B + (N − 1)·R, one hour. */
export const N = 360;
export const HOSTS = Array.from({ length: 12 }, (_, h) => `h${String(h).padStart(2, '0')}`);
export const region = (h: number): string | undefined => (h === 11 ? undefined : `r${h % 3}`);
const REGIONS = ['r0', 'r1', 'r2'];

/** Raw cpu value of host h in the window ending at T_i = B + i·R; undefined for gaps. */
export function raw(h: number, i: number): number | undefined {
  if ((i + 3 * h) % 17 === 0 || (h === 5 && i >= 100 && i < 110)) return undefined;
  return ((((i * 37 + h * 11) % 101) + 101) % 101) - 50 + h / 4;
}

/** Raw mem value of host h at T_i; h07 has no mem series, and zeros make division by zero. */
export function mem(h: number, i: number): number | undefined {
  if (h === 7) return undefined;
  return (((i * 13 + h * 5) % 29) + 29) % 29;
}

/** Hosts h00–h03 also send a counter `req` and a cumulative counter `bytes`. */
const COUNTER_HOSTS = 4;

/** Raw `req` counter value of host h at T_i (no gaps). */
export function req(h: number, i: number): number {
  return (((i * 7 + h * 3) % 11) + 11) % 11;
}

/** Raw `bytes` cumulative counter of host h at T_i: rising, h01 resets at i = 200, h02 misses every 50th. */
export function bytes(h: number, i: number): number | undefined {
  if (h === 2 && (((i - 7) % 50) + 50) % 50 === 0) return undefined;
  if (h === 1 && i >= 200) return (i - 200) * 20 + 5;
  return (i + N) * (h + 1) * 10 + (((i % 3) + 3) % 3);
}

export type FixtureMetricType = 'gauge' | 'counter' | 'cumulative_counter';

export interface FixtureSeries {
  metric: string;
  metricType: FixtureMetricType;
  dimensions: Record<string, string>;
  /** [timestamp, value], in time order. */
  points: Array<[number, number]>;
}

/** The datapoints to store or ingest for output timestamps starting at `base` (a multiple of R). */
export function hourSeries(base: number): FixtureSeries[] {
  const series: FixtureSeries[] = [];
  /** Off-grid timestamps inside (T_i − R, T_i], `before` ms before T_i, so bucketing is exercised. */
  const points = (fn: (i: number) => number | undefined, before: number) => {
    const result: Array<[number, number]> = [];
    for (let i = -N; i < N; i += 1) {
      const v = fn(i);
      if (v !== undefined) result.push([base + i * R - before, v]);
    }
    return result;
  };
  for (let h = 0; h < HOSTS.length; h += 1) {
    const host = HOSTS[h] as string;
    const r = region(h);
    const dimensions: Record<string, string> = r === undefined ? { host } : { host, region: r };
    series.push({ metric: 'cpu', metricType: 'gauge', dimensions, points: points((i) => raw(h, i), 3000) });
    if (h !== 7)
      series.push({ metric: 'mem', metricType: 'gauge', dimensions: { host }, points: points((i) => mem(h, i), 1000) });
    if (h < COUNTER_HOSTS) {
      series.push({
        metric: 'req',
        metricType: 'counter',
        dimensions: { host },
        points: points((i) => req(h, i), 2000),
      });
      series.push({
        metric: 'bytes',
        metricType: 'cumulative_counter',
        dimensions: { host },
        points: points((i) => bytes(h, i), 4000),
      });
    }
  }
  return series;
}

/** Output series name → value, for one timestamp. */
export type Row = Record<string, number>;

const present = (i: number): number[] => HOSTS.map((_, h) => raw(h, i)).filter((v): v is number => v !== undefined);

const sum = (values: number[]): number => {
  let total = 0;
  for (const value of values) total += value;
  return total;
};
const mean = (values: number[]): number => sum(values) / values.length;
export const stats = {
  sum,
  mean,
  min: (values: number[]) => values.reduce((a, b) => Math.min(a, b)),
  max: (values: number[]) => values.reduce((a, b) => Math.max(a, b)),
  count: (values: number[]) => values.length,
  stddev: (values: number[]) => {
    const m = mean(values);
    return Math.sqrt(sum(values.map((x) => (x - m) ** 2)) / values.length);
  },
  p90: (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length, Math.floor(0.9 * sorted.length) + 1) - 1] as number;
  },
};
type StatName = keyof typeof stats;

const EVERY_INDEX = Array.from({ length: N }, (_, i) => i);

/** Indices i (0 ≤ i < N) whose timestamp base + i·R is a multiple of `resolutionMs`: the outputs at that resolution. */
export function outputIndices(base: number, resolutionMs = R): number[] {
  return EVERY_INDEX.filter((i) => (base + i * R) % resolutionMs === 0);
}

function rows(fn: (i: number) => Row, indices = EVERY_INDEX): Row[] {
  return indices.map(fn);
}
function perHost(fn: (h: number, i: number) => number | undefined, indices = EVERY_INDEX): Row[] {
  return rows((i) => {
    const row: Row = {};
    HOSTS.forEach((host, h) => {
      const v = fn(h, i);
      if (v !== undefined) row[host] = v;
    });
    return row;
  }, indices);
}
function byRegion(stat: (values: number[]) => number): Row[] {
  return rows((i) => {
    const row: Row = {};
    for (const r of REGIONS) {
      const values = HOSTS.map((_, h) => (region(h) === r ? raw(h, i) : undefined)).filter(
        (v): v is number => v !== undefined,
      );
      if (values.length > 0) row[r] = stat(values);
    }
    return row;
  });
}
/** Per host, `stat` over the values of the last `timestamps` timestamps (a window `over=`). */
function overWindow(stat: (values: number[]) => number, timestamps: number): Row[] {
  return perHost((h, i) => {
    const values: number[] = [];
    for (let j = i - timestamps + 1; j <= i; j += 1) {
      const v = raw(h, j);
      if (v !== undefined) values.push(v);
    }
    return values.length > 0 ? stat(values) : undefined;
  });
}
const mapRaw = (fn: (v: number) => number) =>
  perHost((h, i) => {
    const v = raw(h, i);
    return v === undefined ? undefined : fn(v);
  });
function ranked(highest: boolean, count: number): Row[] {
  return rows((i) => {
    const entries = HOSTS.map((host, h) => [host, raw(h, i)] as const).filter(
      (e): e is readonly [string, number] => e[1] !== undefined,
    );
    entries.sort((a, b) => (highest ? b[1] - a[1] : a[1] - b[1]) || (a[0] < b[0] ? -1 : 1));
    return Object.fromEntries(entries.slice(0, count));
  });
}
function lastWithin(h: number, i: number, lookBack: number): number | undefined {
  for (let j = i; j >= i - lookBack; j -= 1) {
    const v = raw(h, j);
    if (v !== undefined) return v;
  }
  return undefined;
}

/** One program publishing the label `X`, and the rows it must produce. */
export interface HourCase {
  program: string;
  /** Execute parameter `resolution`; the data's 10 s when absent. */
  resolutionMs?: number;
  /** Rows at the outputs `outputIndices(base, resolutionMs)`. */
  expected: (base: number) => Row[];
}

/** Raw values of host h in the 1-minute window ending at T_k: the 10 s timestamps k − 5 … k, present ones only. */
function minuteWindow(fn: (h: number, i: number) => number | undefined, h: number, k: number): number[] {
  const values: number[] = [];
  for (let i = k - 5; i <= k; i += 1) {
    const v = fn(h, i);
    if (v !== undefined) values.push(v);
  }
  return values;
}
/** Per host, a rollup of `fn`'s raw values over each 1-minute window; absent for an empty window. */
function perMinute(
  base: number,
  fn: (h: number, i: number) => number | undefined,
  rollup: (values: number[]) => number,
) {
  return perHost(
    (h, k) => {
      const values = minuteWindow(fn, h, k);
      return values.length > 0 ? rollup(values) : undefined;
    },
    outputIndices(base, MINUTE),
  );
}
/** The delta rollup: last value minus the previous non-empty window's last value; a reset gives the new value. */
function cumulativeDelta(last: number | undefined, previous: number | undefined): number | undefined {
  if (last === undefined || previous === undefined) return undefined;
  return last >= previous ? last - previous : last;
}
/** Last present `bytes` value of host h at or before index i, looking back `lookBack` indices. */
function lastBytes(h: number, i: number, lookBack: number): number | undefined {
  for (let j = i; j >= i - lookBack; j -= 1) {
    const v = bytes(h, j);
    if (v !== undefined) return v;
  }
  return undefined;
}
const MINUTE = 60_000;
const latest = (values: number[]) => values[values.length - 1] as number;

const aggregations: StatName[] = ['sum', 'mean', 'min', 'max', 'count', 'stddev'];

/** Every supported function over the fixture, with its hand-computed rows. Series are named by host, else region. */
export const HOUR_CASES: HourCase[] = [
  // data() with a metric wildcard and filters combined by or, and, not, with wildcard terms.
  {
    program:
      "data('c*', filter=(filter('region', 'r0') or filter('host', '*1')) and not filter('host', 'h03')).publish('X')",
    expected: () =>
      perHost((h, i) => (['h00', 'h01', 'h06', 'h09', 'h11'].includes(HOSTS[h] as string) ? raw(h, i) : undefined)),
  },
  {
    program: "data('cpu', filter=filter('region', 'r2', match_missing=True)).publish('X')",
    expected: () => perHost((h, i) => (region(h) === 'r2' || region(h) === undefined ? raw(h, i) : undefined)),
  },
  // Rollups of each metric type, at the data's resolution and at 1 minute.
  {
    program: "data('req').publish('X')",
    expected: () => perHost((h, i) => (h < COUNTER_HOSTS ? req(h, i) : undefined)),
  },
  {
    program: "data('req', rollup='rate').publish('X')",
    expected: () => perHost((h, i) => (h < COUNTER_HOSTS ? req(h, i) / 10 : undefined)),
  },
  {
    program: "data('bytes').publish('X')",
    expected: () =>
      perHost((h, i) => (h < COUNTER_HOSTS ? cumulativeDelta(bytes(h, i), lastBytes(h, i - 1, 5)) : undefined)),
  },
  ...(
    [
      ["data('cpu').publish('X')", raw, mean],
      ["data('cpu', rollup='average').publish('X')", raw, mean],
      ["data('cpu', rollup='sum').publish('X')", raw, sum],
      ["data('cpu', rollup='min').publish('X')", raw, (v: number[]) => stats.min(v)],
      ["data('cpu', rollup='max').publish('X')", raw, (v: number[]) => stats.max(v)],
      ["data('cpu', rollup='count').publish('X')", raw, (v: number[]) => v.length],
      ["data('cpu', rollup='latest').publish('X')", raw, latest],
      ["data('req').publish('X')", (h: number, i: number) => (h < COUNTER_HOSTS ? req(h, i) : undefined), sum],
      [
        "data('req', rollup='rate').publish('X')",
        (h: number, i: number) => (h < COUNTER_HOSTS ? req(h, i) : undefined),
        (v: number[]) => sum(v) / 60,
      ],
    ] as const
  ).map(
    ([program, fn, rollup]): HourCase => ({
      program,
      resolutionMs: MINUTE,
      expected: (base) => perMinute(base, fn, rollup),
    }),
  ),
  ...(
    [
      ["data('bytes').publish('X')", 1],
      ["data('bytes', rollup='rate').publish('X')", 60],
    ] as const
  ).map(
    ([program, seconds]): HourCase => ({
      program,
      resolutionMs: MINUTE,
      expected: (base) =>
        perHost(
          (h, k) => {
            if (h >= COUNTER_HOSTS) return undefined;
            const delta = cumulativeDelta(lastBytes(h, k, 5), lastBytes(h, k - 6, 5));
            return delta === undefined ? undefined : delta / seconds;
          },
          outputIndices(base, MINUTE),
        ),
    }),
  ),
  { program: "data('cpu').publish('X')", expected: () => perHost(raw) },
  ...aggregations.flatMap((fn): HourCase[] => [
    { program: `data('cpu').${fn}().publish('X')`, expected: () => rows((i) => ({ '': stats[fn](present(i)) })) },
    { program: `data('cpu').${fn}(by=['region']).publish('X')`, expected: () => byRegion(stats[fn]) },
    { program: `data('cpu').${fn}(over='1m').publish('X')`, expected: () => overWindow(stats[fn], 6) },
  ]),
  { program: "data('cpu').percentile(90).publish('X')", expected: () => rows((i) => ({ '': stats.p90(present(i)) })) },
  { program: "data('cpu').percentile(pct=90, by='region').publish('X')", expected: () => byRegion(stats.p90) },
  { program: "data('cpu').percentile(90, over='5m').publish('X')", expected: () => overWindow(stats.p90, 30) },
  { program: "data('cpu').rate().publish('X')", expected: () => mapRaw((v) => v / 10) },
  {
    program: "data('cpu').delta().publish('X')",
    expected: () =>
      perHost((h, i) => {
        const now = raw(h, i);
        const before = raw(h, i - 1);
        return now === undefined || before === undefined ? undefined : now - before;
      }),
  },
  { program: "data('cpu').abs().publish('X')", expected: () => mapRaw(Math.abs) },
  { program: "data('cpu').scale(2.5).publish('X')", expected: () => mapRaw((v) => v * 2.5) },
  { program: "data('cpu').top(3).publish('X')", expected: () => ranked(true, 3) },
  { program: "data('cpu').bottom(count=2).publish('X')", expected: () => ranked(false, 2) },
  { program: "data('cpu').timeshift('1m').publish('X')", expected: () => perHost((h, i) => raw(h, i - 6)) },
  { program: "data('cpu').timeshift('1h').publish('X')", expected: () => perHost((h, i) => raw(h, i - N)) },
  { program: "data('cpu').fill(0).publish('X')", expected: () => perHost((h, i) => raw(h, i) ?? 0) },
  { program: "data('cpu').fill().publish('X')", expected: () => perHost((h, i) => lastWithin(h, i, N)) },
  { program: "data('cpu', extrapolation='zero').publish('X')", expected: () => perHost((h, i) => raw(h, i) ?? 0) },
  {
    program: "data('cpu', extrapolation='last_value', maxExtrapolations=3).publish('X')",
    expected: () => perHost((h, i) => lastWithin(h, i, 3)),
  },
  {
    program: "A = data('cpu')\nM = data('mem')\n(A / M * 100 + 1).publish('X')",
    expected: () =>
      perHost((h, i) => {
        const a = raw(h, i);
        const m = mem(h, i);
        if (a === undefined || m === undefined || m === 0) return undefined;
        return (a / m) * 100 + 1;
      }),
  },
  {
    program: "A = data('cpu')\n(A - A.mean()).publish('X')",
    expected: () =>
      perHost((h, i) => {
        const a = raw(h, i);
        return a === undefined ? undefined : a - mean(present(i));
      }),
  },
  { program: "(data('cpu') - const(5)).publish('X')", expected: () => mapRaw((v) => v - 5) },
  { program: "const(5).publish('X')", expected: () => rows(() => ({ '': 5 })) },
];
/** The detect program of the fixture: per host, anomalous after two timestamps above 10, ok at a value below 0. */
export const DETECT_PROGRAM = "A = data('cpu')\ndetect(when(A > 10, lasting='20s'), off=when(A < 0)).publish('hot')";

/** Expected events of DETECT_PROGRAM as `i:host:state`, sorted by timestamp then host, from a hand-run state machine. */
export function expectedDetectEvents(): string[] {
  const events: string[] = [];
  HOSTS.forEach((host, h) => {
    let anomalous = false;
    for (let i = 0; i < N; i += 1) {
      const on = [i - 1, i].every((j) => {
        const v = raw(h, j);
        return v !== undefined && v > 10;
      });
      const v = raw(h, i);
      const off = v !== undefined && v < 0;
      if (!anomalous && on) {
        anomalous = true;
        events.push(`${i}:${host}:anomalous`);
      } else if (anomalous && off) {
        anomalous = false;
        events.push(`${i}:${host}:ok`);
      }
    }
  });
  return sortEvents(events);
}

/** Sorts `i:host:state` strings by timestamp, then host. */
export function sortEvents(events: string[]): string[] {
  const order = (s: string) => Number(s.split(':')[0]) * 100 + HOSTS.indexOf(s.split(':')[1] as string);
  return [...events].sort((a, b) => order(a) - order(b));
}

/** Series name of an output: its host, else its region, else '' (an aggregate of everything). */
export const seriesName = (properties: Record<string, unknown>): string =>
  String(properties.host ?? properties.region ?? '');

/** Same keys at every timestamp, and every value within 1e-9. */
export function expectRowsClose(actual: Row[], wanted: Row[]): void {
  expect(actual.length).toBe(wanted.length);
  for (let i = 0; i < wanted.length; i += 1) {
    const a = actual[i] as Row;
    const w = wanted[i] as Row;
    expect(Object.keys(a).sort(), `keys at i=${i}`).toEqual(Object.keys(w).sort());
    for (const key of Object.keys(w)) {
      expect(a[key], `${key} at i=${i}`).toBeCloseTo(w[key] as number, 9);
    }
  }
}
