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

  it('sfx send --file shows a progress bar, then the counts', async () => {
    const file = join(dir, 'points.jsonl');
    writeFileSync(
      file,
      Array.from({ length: 50 }, (_, i) => JSON.stringify({ metric: 'pty.sent', value: i })).join('\n'),
    );
    const { code, output } = await runInPty(['send', '--file', file]);
    expect(code).toBe(0);
    expect(output).toMatch(/\[#{30}\] 100%\s+sent 50, failed 0, dropped 0/);
    expect(output).toMatch(/sent 50, failed 0, dropped 0\r?\n/);
  });
});
