import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Emulator, startEmulator } from '@sfx/emulator';
import { IngestClient } from '@sfx/ingest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cleanEnv } from './helpers.js';

// util-linux `script` gives the command a pseudo-terminal, so the CLI sees a TTY as a user's terminal.
const hasScript = (() => {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const TOKEN = 'pty-token';
let emulator: Emulator;
let env: Record<string, string>;
let dir: string;
let start: number;

function quote(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Runs `sfx` under a pseudo-terminal; resolves with everything it drew. */
function runInPty(args: string[]): Promise<{ code: number | null; output: string }> {
  const command = [process.execPath, BIN, ...args].map(quote).join(' ');
  const child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  return new Promise((resolve) => {
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

beforeAll(async () => {
  emulator = await startEmulator({ host: '127.0.0.1', port: 0, tokens: [TOKEN] });
  env = cleanEnv({ SFX_TOKEN: TOKEN, SFX_STREAM_URL: emulator.streamUrl, SFX_INGEST_URL: emulator.ingestUrl });
  dir = mkdtempSync(join(tmpdir(), 'sfx-pty-'));
  start = Math.floor(Date.now() / 10_000) * 10_000 - 120_000;
  const ingest = new IngestClient({ token: TOKEN, endpoint: emulator.ingestUrl });
  for (let i = 0; i < 4; i++) {
    ingest.send({
      gauges: [{ metric: 'pty.cpu', value: 40 + i, timestamp: start + i * 10_000, dimensions: { host: 'h1' } }],
    });
  }
  await ingest.close();
});

afterAll(async () => {
  await emulator?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!hasScript)('on a terminal', () => {
  it('sfx flow defaults to the live view, redrawn in place', async () => {
    const program = "data('pty.cpu').mean(by=['host']).publish()";
    const { code, output } = await runInPty([
      'flow',
      program,
      '--start',
      String(start),
      '--stop',
      String(start + 30_000),
      '--resolution',
      '10s',
    ]);
    expect(code).toBe(0);
    expect(output).toContain('\x1b[?25l'); // cursor hidden while drawing
    expect(output).toContain('\x1b[?25h'); // and shown again
    const frames = output.split('\x1b[J');
    expect(frames.length).toBeGreaterThan(2);
    expect(frames.at(-1)).toMatch(/pty\.cpu\s+h1\s+43\s+▁▃▆█/);
    expect(output).toMatch(/ended: 4 timestamps, 1 series, 4 values/);
  });

  it('sfx send --file shows a progress bar that advances chunk by chunk, then the counts', async () => {
    const file = join(dir, 'points.jsonl');
    const count = 12_000; // three chunks of at most 5,000 points
    const base = Date.now() - 3_600_000; // a distinct timestamp per point, so the emulator keeps each one
    const lines = Array.from({ length: count }, (_, i) =>
      JSON.stringify({ metric: 'pty.sent', value: i, timestamp: base + i, dimensions: { shard: String(i % 3) } }),
    );
    const content = lines.join('\n');
    writeFileSync(file, content);
    // The share of the file's bytes in the lines sent so far.
    const percentAfter = (sent: number) =>
      Math.floor((Buffer.byteLength(`${lines.slice(0, sent).join('\n')}\n`) / Buffer.byteLength(content)) * 100);
    const { code, output } = await runInPty(['send', '--file', file]);
    expect(code).toBe(0);
    const bars = [...output.matchAll(/\[([#.]{30})\]\s+(\d+)%\s+sent (\d+), failed 0, dropped 0/g)];
    expect(bars.map((bar) => Number(bar[3]))).toEqual([5_000, 10_000, 12_000]);
    expect(bars.map((bar) => Number(bar[2]))).toEqual([percentAfter(5_000), percentAfter(10_000), 100]);
    expect(output).toMatch(/sent 12000, failed 0, dropped 0\r?\n/);
    const stored = [...emulator.store.findSeries('pty.sent')].map((series) =>
      series.points(0, Number.MAX_SAFE_INTEGER),
    );
    const values = stored.flat().map((point) => point.value);
    expect(values).toHaveLength(count);
    expect(values.reduce((sum, value) => sum + Number(value), 0)).toBe((count * (count - 1)) / 2);
  });
});
