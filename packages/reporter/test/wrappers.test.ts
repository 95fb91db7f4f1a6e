import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ValidationError } from '@sfx/core';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import * as reporter from '../src/index.js';
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
import { decoratedScenario, EXPECTED_DECORATED } from './fixtures/decorated.js';
import { FakeClock } from './helpers.js';

const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));

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
    expect(() => meterCalls(registry, 'x', 5 as unknown as () => void)).toThrow(ValidationError);
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
  it('count, meter, histogram and time methods, with the same metrics under vitest (esbuild)', async () => {
    expect(await decoratedScenario(reporter)).toEqual(EXPECTED_DECORATED);
  });

  it('name the metrics alike when the same classes are compiled by tsc', async () => {
    expect(existsSync(dist), 'build the package first: npx tsc -p tsconfig.build.json').toBe(true);
    const source = readFileSync(fileURLToPath(new URL('./fixtures/decorated.ts', import.meta.url)), 'utf8');
    const { outputText, diagnostics } = ts.transpileModule(source, {
      compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext },
      reportDiagnostics: true,
    });
    expect(diagnostics ?? []).toEqual([]);
    // Standard decorators, lowered by tsc itself (no experimentalDecorators).
    expect(outputText).toContain('__esDecorate');
    const dir = mkdtempSync(join(tmpdir(), 'sfx-reporter-decorators-'));
    try {
      const compiled = join(dir, 'decorated.mjs');
      writeFileSync(compiled, outputText);
      const script = `
        const lib = await import(${JSON.stringify(pathToFileURL(dist).href)});
        const { decoratedScenario } = await import(${JSON.stringify(pathToFileURL(compiled).href)});
        process.stdout.write(JSON.stringify(await decoratedScenario(lib)));
      `;
      const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
        encoding: 'utf8',
        timeout: 10_000,
      });
      expect(child.stderr).toBe('');
      expect(JSON.parse(child.stdout)).toEqual(EXPECTED_DECORATED);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('need a name, and validate it and the dimensions when applied', () => {
    const registry = new MetricsRegistry();
    for (const decorator of [counted, metered, histogrammed, timed]) {
      expect(() => decorator(registry, undefined as unknown as string), decorator.name).toThrow(ValidationError);
      expect(() => decorator(registry, ''), decorator.name).toThrow(/non-empty string/);
    }
    try {
      timed(registry, 'x', { port: 80 as unknown as string });
      expect.unreachable();
    } catch (error) {
      expect((error as ValidationError).field).toBe('dimensions.port');
    }
    registry.meter('taken');
    expect(() => {
      class Clash {
        @counted(registry, 'taken')
        run(): void {}
      }
      return Clash;
    }).toThrow(/is a meter, not a counter/);
    expect(registry.size).toBe(1);
  });
});
