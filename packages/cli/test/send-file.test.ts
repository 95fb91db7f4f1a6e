import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Emulator, startEmulator } from '@sfx/emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, runCli } from './helpers.js';

const TOKEN = 'send-file-token';
let emulator: Emulator;
let env: Record<string, string>;
let dir: string;

beforeAll(async () => {
  emulator = await startEmulator({ host: '127.0.0.1', port: 0, tokens: [TOKEN] });
  env = cleanEnv({ SFX_TOKEN: TOKEN, SFX_INGEST_URL: emulator.ingestUrl });
  dir = mkdtempSync(join(tmpdir(), 'sfx-send-file-'));
});

afterAll(async () => {
  await emulator?.close();
  rmSync(dir, { recursive: true, force: true });
});

function valuesOf(metric: string): number[] {
  return [...emulator.store.findSeries(metric)].flatMap((series) =>
    series.points(0, Number.MAX_SAFE_INTEGER).map((point) => Number(point.value)),
  );
}

describe('sfx send --file edge cases', () => {
  it('reads a JSON-lines file that starts with a byte-order mark', async () => {
    const path = join(dir, 'bom.jsonl');
    writeFileSync(path, '\uFEFF{"metric":"bom.first","value":7}\n{"metric":"bom.second","value":8}\n');
    const result = await runCli(['send', '--file', path], env);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('sent 2, failed 0, dropped 0\n');
    expect(result.code).toBe(0);
    expect(valuesOf('bom.first')).toEqual([7]);
  });

  it('counts a line the ingest client refuses as invalid, with its line number, and sends the others', async () => {
    const path = join(dir, 'refused.jsonl');
    writeFileSync(
      path,
      [
        '{"metric":"refused.ok","value":1}',
        '{"metric":"refused.bad","value":2,"dimensions":{"1 bad key":"x"}}',
        '{"metric":"refused.ok","value":3,"dimensions":{"host":"b"}}',
      ].join('\n'),
    );
    const result = await runCli(['send', '--file', path], env);
    expect(result.stdout).toBe('sent 2, failed 0, dropped 0, invalid 1\n');
    expect(result.stderr).toMatch(/refused\.jsonl:2: .*1 bad key/);
    expect(result.code).toBe(1);
    expect(valuesOf('refused.ok').sort()).toEqual([1, 3]);
    expect(valuesOf('refused.bad')).toEqual([]);
  });
});
