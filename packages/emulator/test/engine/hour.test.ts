/**
 * One hour of 10-second data over 12 MTS (plus the hour before, so windows and shifts start full). Every supported
 * function is checked at every timestamp against values computed here with plain loops over the raw data.
 */
import { describe, expect, it } from 'vitest';
import { MemorySource, run } from './helpers.js';

const R = 10_000;
const B = 1_700_000_000_000; // a multiple of R: the first output timestamp
const N = 360; // output timestamps B … B + 359·R
const HOSTS = Array.from({ length: 12 }, (_, h) => `h${String(h).padStart(2, '0')}`);
const region = (h: number): string | undefined => (h === 11 ? undefined : `r${h % 3}`);

/** Raw value of host h in the window ending at T_i = B + i·R; undefined for gaps. */
function raw(h: number, i: number): number | undefined {
  if ((i + 3 * h) % 17 === 0 || (h === 5 && i >= 100 && i < 110)) return undefined;
  return ((((i * 37 + h * 11) % 101) + 101) % 101) - 50 + h / 4;
}
function mem(h: number, i: number): number | undefined {
  if (h === 7) return undefined; // no mem series for h07
  return (((i * 13 + h * 5) % 29) + 29) % 29; // includes zeros: division by zero
}

const source = new MemorySource();
for (let h = 0; h < HOSTS.length; h += 1) {
  const dims: Record<string, string> = { host: HOSTS[h] as string };
  const r = region(h);
  if (r !== undefined) dims.region = r;
  const cpu: Array<[number, number]> = [];
  const memory: Array<[number, number]> = [];
  for (let i = -N; i < N; i += 1) {
    // Timestamps inside (T_i − R, T_i]: 3 s before T_i, so bucketing is exercised.
    const v = raw(h, i);
    if (v !== undefined) cpu.push([B + i * R - 3000, v]);
    const m = mem(h, i);
    if (m !== undefined) memory.push([B + i * R - 1000, m]);
  }
  source.add('cpu', dims, cpu);
  if (memory.length > 0) source.add('mem', { host: HOSTS[h] as string }, memory);
}
const options = { start: B, stop: B + (N - 1) * R };

type Row = Record<string, number>;
/** Engine output of one program: for each i, series name → value. */
function engine(program: string, name = (p: Record<string, unknown>) => String(p.host ?? p.region ?? '')): Row[] {
  const result = run(program, source, options);
  expect(result.computation.resolutionMs).toBe(R);
  expect(result.outputs).toHaveLength(N);
  const table = result.table('X', name);
  return Array.from({ length: N }, (_, i) => {
    const row = table.get(B + i * R);
    if (row === undefined) throw new Error(`missing timestamp ${i}`);
    return row as Row;
  });
}
/** Expected rows from a per-timestamp function. */
function expected(fn: (i: number) => Row): Row[] {
  return Array.from({ length: N }, (_, i) => fn(i));
}
function perHost(fn: (h: number, i: number) => number | undefined): Row[] {
  return expected((i) => {
    const row: Row = {};
    HOSTS.forEach((host, h) => {
      const v = fn(h, i);
      if (v !== undefined) row[host] = v;
    });
    return row;
  });
}
function expectRowsClose(actual: Row[], wanted: Row[]): void {
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

const present = (i: number): number[] => HOSTS.map((_, h) => raw(h, i)).filter((v): v is number => v !== undefined);
const stats = {
  sum: (v: number[]) => {
    let s = 0;
    for (const x of v) s += x;
    return s;
  },
  mean: (v: number[]) => stats.sum(v) / v.length,
  min: (v: number[]) => v.reduce((a, b) => (b < a ? b : a)),
  max: (v: number[]) => v.reduce((a, b) => (b > a ? b : a)),
  count: (v: number[]) => v.length,
  stddev: (v: number[]) => {
    const m = stats.mean(v);
    let s = 0;
    for (const x of v) s += (x - m) ** 2;
    return Math.sqrt(s / v.length);
  },
  p90: (v: number[]) => {
    const sorted = [...v].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length, Math.floor(0.9 * sorted.length) + 1) - 1] as number;
  },
};

describe('one hour of 10-second data, every function against hand computation', () => {
  it('data() alone, with bucketing of off-grid timestamps', () => {
    expectRowsClose(engine("data('cpu').publish('X')"), perHost(raw));
  });

  for (const fn of ['sum', 'mean', 'min', 'max', 'count', 'stddev'] as const) {
    it(`${fn}() over all series and ${fn}(by='region')`, () => {
      expectRowsClose(
        engine(`data('cpu').${fn}().publish('X')`),
        expected((i) => ({ '': stats[fn](present(i)) })),
      );
      expectRowsClose(
        engine(`data('cpu').${fn}(by=['region']).publish('X')`),
        expected((i) => {
          const row: Row = {};
          for (const r of ['r0', 'r1', 'r2']) {
            const values = HOSTS.map((_, h) => (region(h) === r ? raw(h, i) : undefined)).filter(
              (v): v is number => v !== undefined,
            );
            if (values.length > 0) row[r] = stats[fn](values);
          }
          return row;
        }),
      );
    });

    it(`${fn}(over='1m') per series`, () => {
      expectRowsClose(
        engine(`data('cpu').${fn}(over='1m').publish('X')`),
        perHost((h, i) => {
          const values: number[] = [];
          for (let j = i - 5; j <= i; j += 1) {
            const v = raw(h, j);
            if (v !== undefined) values.push(v);
          }
          return values.length > 0 ? stats[fn](values) : undefined;
        }),
      );
    });
  }

  it('percentile(90), percentile(90, by=) and percentile(90, over=)', () => {
    expectRowsClose(
      engine("data('cpu').percentile(90).publish('X')"),
      expected((i) => ({ '': stats.p90(present(i)) })),
    );
    expectRowsClose(
      engine("data('cpu').percentile(pct=90, by='region').publish('X')"),
      expected((i) => {
        const row: Row = {};
        for (const r of ['r0', 'r1', 'r2']) {
          const values = HOSTS.map((_, h) => (region(h) === r ? raw(h, i) : undefined)).filter(
            (v): v is number => v !== undefined,
          );
          if (values.length > 0) row[r] = stats.p90(values);
        }
        return row;
      }),
    );
    expectRowsClose(
      engine("data('cpu').percentile(90, over='5m').publish('X')"),
      perHost((h, i) => {
        const values: number[] = [];
        for (let j = i - 29; j <= i; j += 1) {
          const v = raw(h, j);
          if (v !== undefined) values.push(v);
        }
        return stats.p90(values);
      }),
    );
  });

  it('rate(), delta(), abs(), scale()', () => {
    expectRowsClose(
      engine("data('cpu').rate().publish('X')"),
      perHost((h, i) => {
        const v = raw(h, i);
        return v === undefined ? undefined : v / 10;
      }),
    );
    expectRowsClose(
      engine("data('cpu').delta().publish('X')"),
      perHost((h, i) => {
        const now = raw(h, i);
        const before = raw(h, i - 1);
        return now === undefined || before === undefined ? undefined : now - before;
      }),
    );
    expectRowsClose(
      engine("data('cpu').abs().publish('X')"),
      perHost((h, i) => {
        const v = raw(h, i);
        return v === undefined ? undefined : Math.abs(v);
      }),
    );
    expectRowsClose(
      engine("data('cpu').scale(2.5).publish('X')"),
      perHost((h, i) => {
        const v = raw(h, i);
        return v === undefined ? undefined : v * 2.5;
      }),
    );
  });

  it('top(3) and bottom(2), ties broken by series order', () => {
    const ranked = (highest: boolean, count: number) =>
      expected((i) => {
        const entries = HOSTS.map((host, h) => [host, raw(h, i)] as const).filter(
          (e): e is readonly [string, number] => e[1] !== undefined,
        );
        entries.sort((a, b) => (highest ? b[1] - a[1] : a[1] - b[1]) || (a[0] < b[0] ? -1 : 1));
        return Object.fromEntries(entries.slice(0, count));
      });
    expectRowsClose(engine("data('cpu').top(3).publish('X')"), ranked(true, 3));
    expectRowsClose(engine("data('cpu').bottom(count=2).publish('X')"), ranked(false, 2));
  });

  it("timeshift('1m') and timeshift('1h') read data from before the start", () => {
    expectRowsClose(
      engine("data('cpu').timeshift('1m').publish('X')"),
      perHost((h, i) => raw(h, i - 6)),
    );
    expectRowsClose(
      engine("data('cpu').timeshift('1h').publish('X')"),
      perHost((h, i) => raw(h, i - 360)),
    );
  });

  it('fill(0) and fill() (last value)', () => {
    expectRowsClose(
      engine("data('cpu').fill(0).publish('X')"),
      perHost((h, i) => raw(h, i) ?? 0),
    );
    expectRowsClose(
      engine("data('cpu').fill().publish('X')"),
      perHost((h, i) => {
        for (let j = i; j > -N; j -= 1) {
          const v = raw(h, j);
          if (v !== undefined) return v;
        }
        return undefined;
      }),
    );
  });

  it("extrapolation='zero' and 'last_value' with maxExtrapolations", () => {
    expectRowsClose(
      engine("data('cpu', extrapolation='zero').publish('X')"),
      perHost((h, i) => raw(h, i) ?? 0),
    );
    expectRowsClose(
      engine("data('cpu', extrapolation='last_value', maxExtrapolations=3).publish('X')"),
      perHost((h, i) => {
        for (let j = i; j >= i - 3; j -= 1) {
          const v = raw(h, j);
          if (v !== undefined) return v;
        }
        return undefined;
      }),
    );
  });

  it('arithmetic: stream ÷ stream by host, with constants, broadcast of an aggregate, const()', () => {
    expectRowsClose(
      engine("A = data('cpu')\nM = data('mem')\n(A / M * 100 + 1).publish('X')"),
      perHost((h, i) => {
        const a = raw(h, i);
        const m = mem(h, i);
        if (a === undefined || m === undefined || m === 0) return undefined;
        return (a / m) * 100 + 1;
      }),
    );
    expectRowsClose(
      engine("A = data('cpu')\n(A - A.mean()).publish('X')"),
      perHost((h, i) => {
        const a = raw(h, i);
        return a === undefined ? undefined : a - stats.mean(present(i));
      }),
    );
    expectRowsClose(
      engine("(data('cpu') - const(5)).publish('X')"),
      perHost((h, i) => {
        const a = raw(h, i);
        return a === undefined ? undefined : a - 5;
      }),
    );
    expectRowsClose(
      engine("const(5).publish('X')"),
      expected(() => ({ '': 5 })),
    );
  });

  it("detect(when(A > 10, lasting='20s')) events per host, checked against a hand-run state machine", () => {
    const result = run(
      "A = data('cpu')\ndetect(when(A > 10, lasting='20s'), off=when(A < 0)).publish('hot')",
      source,
      options,
    );
    const actual = result.outputs.flatMap((o) =>
      o.events.map((e) => `${(e.timestampMs - B) / R}:${String(e.metadata.host)}:${String(e.properties.is)}`),
    );
    const wanted: string[] = [];
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
          wanted.push(`${i}:${host}:anomalous`);
        } else if (anomalous && off) {
          anomalous = false;
          wanted.push(`${i}:${host}:ok`);
        }
      }
    });
    const order = (s: string) => Number(s.split(':')[0]) * 100 + HOSTS.indexOf(s.split(':')[1] as string);
    expect(actual.sort((a, b) => order(a) - order(b))).toEqual(wanted.sort((a, b) => order(a) - order(b)));
    expect(wanted.length).toBeGreaterThan(20);
  });

  it('reads each series once per advance, not once per timestamp', () => {
    source.reads = 0;
    run("data('cpu').mean(over='5m').publish('X')", source, options);
    // Resolution probe + one batch read per series; a per-timestamp read would be 360 per series.
    expect(source.reads).toBeLessThanOrEqual(HOSTS.length * 3);
  });
});
