import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Emulator, startEmulator } from '@sfx/emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SDK_DIR = join(ROOT, 'packages', 'sdk');
const TOKEN = 'readme-token';
let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator({ host: '127.0.0.1', port: 0, tokens: [TOKEN] });
});
afterAll(async () => {
  await emulator?.close();
});

/** The first JavaScript block of a README. */
function firstJsBlock(readme: string): string {
  const block = /```js\n([\s\S]*?)```/.exec(readme)?.[1];
  if (block === undefined) throw new Error('no ```js block in the README');
  return block;
}

/** Runs ES module source as a user's script would run from `cwd` (so `@sfx/*` resolves as installed). */
function runModule(source: string, cwd: string, env: Record<string, string>) {
  const child = spawn(process.execPath, ['--input-type=module'], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdin.end(source);
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * The process environment without the machine's SFX_* and proxy variables. Every non-loopback request
 * goes to a proxy on a closed loopback port, so an example that named a real realm would fail, not leave.
 */
function cleanEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith('SFX_') && !/_PROXY$/i.test(key)) env[key] = value;
  }
  return { ...env, HTTP_PROXY: 'http://127.0.0.1:9', HTTPS_PROXY: 'http://127.0.0.1:9', ...extra };
}

describe('the @sfx/sdk README', () => {
  it('its first example uses the facade and runs against the emulator, printing the values it sent', async () => {
    const source = firstJsBlock(readFileSync(join(SDK_DIR, 'README.md'), 'utf8'));
    expect(source).toMatch(/^import \{ SignalFx \} from '@sfx\/sdk';/);
    expect(source).toContain('new SignalFx(');

    const before = Date.now();
    const result = await runModule(
      source,
      SDK_DIR,
      cleanEnv({
        SFX_TOKEN: TOKEN,
        SFX_INGEST_URL: emulator.ingestUrl,
        SFX_API_URL: emulator.apiUrl,
        SFX_STREAM_URL: emulator.streamUrl,
      }),
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');

    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toBe('{ sent: 12, failed: 0, dropped: 0 }');
    expect(lines[1]).toBe("1 [ 'cpu.utilization' ]");
    // The example sends web-1: 40, 41, … 45 and web-2: 60, 59, … 55, one point per 10 s of the last whole minute
    // (the minute before the one the script started in, between `before` and now).
    const printed = lines.slice(2).map((line) => line.split(' '));
    const minute = Math.min(...printed.map(([time]) => Date.parse(time as string)));
    expect([0, 60_000]).toContain(minute - (Math.floor(before / 60_000) * 60_000 - 60_000));
    const expected = Array.from({ length: 6 }, (_, i) => [
      [new Date(minute + i * 10_000).toISOString(), 'web-1', String(40 + i)],
      [new Date(minute + i * 10_000).toISOString(), 'web-2', String(60 - i)],
    ]).flat();
    expect(printed.sort()).toEqual(expected.sort());

    const stored = [...emulator.store.findSeries('cpu.utilization')].map((series) => series.dimensions.host).sort();
    expect(stored).toEqual(['web-1', 'web-2']);
  });
});
