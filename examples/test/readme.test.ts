import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Emulator, startEmulator } from '@sfx/emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulatorEnv, runProcess } from './processes.js';

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

describe('the @sfx/sdk README', () => {
  it('its first example uses the facade and runs against the emulator, printing the values it sent', async () => {
    const source = firstJsBlock(readFileSync(join(SDK_DIR, 'README.md'), 'utf8'));
    expect(source).toMatch(/^import \{ SignalFx \} from '@sfx\/sdk';/);
    expect(source).toContain('new SignalFx(');

    const before = Date.now();
    // Run as a user's script in the package folder, so `@sfx/sdk` resolves as installed.
    const result = await runProcess(process.execPath, ['--input-type=module'], {
      cwd: SDK_DIR,
      env: emulatorEnv(emulator, TOKEN),
      input: source,
    });
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
