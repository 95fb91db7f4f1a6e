import { type Emulator, startEmulator } from '@sfx/emulator';
import { IngestClient } from '@sfx/ingest';
import { SignalFlowClient } from '@sfx/signalflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, runCli, startCli } from './helpers.js';

const TOKEN = 'flow-token';
const PROGRAM = "data('flow.cpu').mean(by=['host']).publish()";
let emulator: Emulator;
let env: Record<string, string>;
/** First of six 10-second timestamps of seeded data, a few minutes ago. */
let start: number;
const stopOf = () => start + 50_000;

/** host a: 10, 11, … 15; host b: 20, 21, … 25, one point per 10 s from `start`. */
function expected(host: string, timestamp: number): number {
  return (host === 'a' ? 10 : 20) + (timestamp - start) / 10_000;
}

beforeAll(async () => {
  emulator = await startEmulator({ host: '127.0.0.1', port: 0, tokens: [TOKEN] });
  env = cleanEnv({ SFX_TOKEN: TOKEN, SFX_STREAM_URL: emulator.streamUrl, SFX_INGEST_URL: emulator.ingestUrl });
  start = Math.floor(Date.now() / 10_000) * 10_000 - 300_000;
  const ingest = new IngestClient({ token: TOKEN, endpoint: emulator.ingestUrl });
  for (let i = 0; i < 6; i++) {
    ingest.send({
      gauges: ['a', 'b'].map((host) => ({
        metric: 'flow.cpu',
        value: expected(host, start + i * 10_000),
        timestamp: start + i * 10_000,
        dimensions: { host },
      })),
    });
  }
  await ingest.close();
});

afterAll(async () => {
  await emulator?.close();
});

const range = () => ['--start', String(start), '--stop', String(stopOf()), '--resolution', '10s'];

describe('sfx flow', () => {
  it('--output json: one line per value, every value as sent', async () => {
    const result = await runCli(['flow', PROGRAM, ...range(), '--output', 'json'], env);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toHaveLength(12);
    for (const line of lines) {
      expect(line.metric).toBe('flow.cpu');
      expect(line.value).toBe(expected(line.dimensions.host, line.timestamp));
      expect(line.time).toBe(new Date(line.timestamp).toISOString().replace('.000Z', 'Z'));
    }
    expect(new Set(lines.map((line) => line.timestamp)).size).toBe(6);
    expect(result.stderr).toMatch(/^ended: 6 timestamps, 2 series, 12 values\n$/);
  });

  it('--output csv: a header, then one row per value', async () => {
    const result = await runCli(['flow', PROGRAM, ...range(), '--output', 'csv'], env);
    expect(result.code).toBe(0);
    const [header, ...rows] = result.stdout.trim().split('\n');
    expect(header).toBe('timestamp,time,tsId,label,metric,dimensions,value');
    expect(rows).toHaveLength(12);
    for (const row of rows) {
      const [timestamp, , , , metric, dims, value] = row.split(',');
      expect(metric).toBe('flow.cpu');
      const host = dims?.replace('host=', '') as string;
      expect(Number(value)).toBe(expected(host, Number(timestamp)));
    }
  });

  it('--output table: a row per timestamp, a column per host', async () => {
    const result = await runCli(['flow', PROGRAM, ...range(), '--output', 'table'], env);
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^time\s+host=a\s+host=b$/);
    expect(lines).toHaveLength(2 + 6);
    lines.slice(2).forEach((line, i) => {
      const cells = line.split(/\s+/);
      expect(cells).toEqual([
        new Date(start + i * 10_000).toISOString().replace('.000Z', 'Z'),
        String(10 + i),
        String(20 + i),
      ]);
    });
  });

  it('--output live: redraws the table in place and ends with the latest values and sparklines', async () => {
    const result = await runCli(['flow', PROGRAM, ...range(), '--output', 'live'], { ...env, COLUMNS: '100' });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('\x1b[J');
    const frames = result.stdout.split('\x1b[J');
    const last = frames.at(-1) as string;
    expect(last).toMatch(/flow\.cpu\s+a\s+15\s+▁▂▄▅▇█/);
    expect(last).toMatch(/flow\.cpu\s+b\s+25\s+▁▂▄▅▇█/);
    expect(last).toContain('resolution 10s · 2 series');
  });

  it('reports a program that does not compile as one line, exit 1', async () => {
    const result = await runCli(['flow', "data('flow.cpu').mean(by=['host'].publish()", ...range()], env);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^sfx: /);
  });

  /** Resolves once the emulator says the job is unknown; fails fast if it still streams. */
  async function expectJobGone(handle: string): Promise<void> {
    const client = new SignalFlowClient({ token: TOKEN, endpoint: emulator.streamUrl });
    try {
      const attached = client.attach(handle);
      await expect(attached[Symbol.asyncIterator]().next()).rejects.toThrow(/unknown job handle/);
    } finally {
      await client.close();
    }
  }

  it('Ctrl-C stops a live computation: exit 0, and the job is gone from the emulator', async () => {
    const client = new SignalFlowClient({ token: TOKEN, endpoint: emulator.streamUrl });
    try {
      // Control: a job left running can be attached to, so the check below can tell the difference.
      const background = await client.start(PROGRAM, { start, resolution: 10_000 });
      const attached = client.attach(background);
      const first = await attached[Symbol.asyncIterator]().next();
      expect(first.done).toBe(false);
      await attached.close();
      await client.stop(background);
      await expectJobGone(background);

      for (const output of ['json', 'live']) {
        const cli = startCli(['flow', PROGRAM, '--start', String(start), '--resolution', '10s', '-o', output], env);
        await cli.waitFor(output === 'json' ? /"value":\d+/ : /flow\.cpu\s+b\s/);
        cli.child.kill('SIGINT');
        const result = await cli.done;
        expect(result.code, result.stderr).toBe(0);
        const handle = /\(job (\S+) stopped\)/.exec(result.stderr)?.[1];
        expect(handle, result.stderr).toBeDefined();
        expect(result.stderr).toMatch(/^detached: \d+ timestamps, 2 series/);
        if (output === 'live') expect(result.stdout.endsWith('\x1b[?25h')).toBe(true); // the cursor is back
        await expectJobGone(handle as string);
      }
    } finally {
      await client.close();
    }
  });

  it('stops the job and exits 0 when the reader of its output goes away (sfx flow ... | head -1)', async () => {
    const cli = startCli(['flow', PROGRAM, '--start', String(start), '--resolution', '10s', '-o', 'json'], env);
    cli.child.stdout?.destroy(); // gone before the first line, which is written while the job streams
    const result = await cli.done;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).not.toContain('EPIPE');
    const handle = /^detached: \d+ timestamps, 2 series, \d+ values \(job (\S+) stopped\)$/m.exec(result.stderr)?.[1];
    expect(handle, result.stderr).toBeDefined();
    await expectJobGone(handle as string);
  });

  it('--count N: stops after N timestamps, with every value right, and stops the job', async () => {
    const result = await runCli(
      ['flow', PROGRAM, '--start', String(start), '--resolution', '10s', '--count', '3'],
      env,
    );
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.map((line) => [line.timestamp, line.dimensions.host, line.value]).sort()).toEqual(
      [0, 1, 2]
        .flatMap((i) => ['a', 'b'].map((host) => [start + i * 10_000, host, expected(host, start + i * 10_000)]))
        .sort(),
    );
    const handle = /^done: 3 timestamps, 2 series, 6 values \(job (\S+) stopped\)$/m.exec(result.stderr)?.[1];
    expect(handle, result.stderr).toBeDefined();
    await expectJobGone(handle as string);
  });
});
