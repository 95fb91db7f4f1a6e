import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Emulator, startEmulator } from '@sfx/emulator';
import { IngestClient } from '@sfx/ingest';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { emulatorEnv, type ProcessResult, runProcess } from './processes.js';

// The examples as a user runs them (README): `node examples/dist/<name>.js`, endpoints and token from SFX_*.
const DIST = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const TOKEN = 'scripts-token';
let emulator: Emulator;
let env: Record<string, string>;

beforeAll(async () => {
  emulator = await startEmulator({ host: '127.0.0.1', port: 0, tokens: [TOKEN] });
  env = emulatorEnv(emulator, TOKEN);
});
afterAll(async () => {
  await emulator?.close();
});

function runScript(name: string, scriptEnv = env): Promise<ProcessResult> {
  return runProcess(process.execPath, [join(DIST, `${name}.js`)], { env: scriptEnv });
}

describe('the example scripts, run with node against the emulator', () => {
  it('send-datapoints, send-event and report-registry deliver what they say', async () => {
    const sent = await runScript('send-datapoints');
    expect(sent.code, sent.stderr).toBe(0);
    expect(sent.stdout).toBe('{ sent: 4, failed: 0, dropped: 0 }\n');
    const event = await runScript('send-event');
    expect(event.code, event.stderr).toBe(0);
    expect(event.stdout).toBe('event sent\n');
    expect(emulator.store.events().map((e) => e.eventType)).toContain('deployment');
    const reported = await runScript('report-registry');
    expect(reported.code, reported.stderr).toBe(0);
    expect(reported.stdout).toBe('reported\n');
    expect([...emulator.store.findSeries('orders')].map((s) => s.dimensions)).toEqual([
      { route: '/checkout', service: 'shop' },
    ]);
  });

  it('stream-computation and historical-table print the values of the last minutes', async () => {
    // Two hosts, one point a minute over the three whole minutes before this one: inside both scripts'
    // windows even when a new minute starts before they run.
    // An emulator of its own: the scripts of the other test send cpu.utilization too (stamped on receipt),
    // which would enter these windows whenever a minute starts between the two tests.
    const own = await startEmulator({ host: '127.0.0.1', port: 0, tokens: [TOKEN] });
    const ownEnv = emulatorEnv(own, TOKEN);
    onTestFinished(() => own.close());
    const minute = Math.floor(Date.now() / 60_000) * 60_000;
    const ingest = new IngestClient({ token: TOKEN, endpoint: own.ingestUrl });
    for (let i = 1; i <= 3; i++) {
      ingest.send({
        gauges: ['db-9', 'web-9'].map((host, h) => ({
          metric: 'cpu.utilization',
          value: 10 * (h + 1) + i,
          timestamp: minute - i * 60_000,
          dimensions: { host },
        })),
      });
    }
    await ingest.close();

    const streamed = await runScript('stream-computation', ownEnv);
    expect(streamed.code, streamed.stderr).toBe(0);
    const lines = streamed.stdout.trim().split('\n');
    for (let i = 1; i <= 3; i++) {
      for (const [host, value] of [
        ['db-9', 10 + i],
        ['web-9', 20 + i],
      ]) {
        const at = new Date(minute - i * 60_000).toISOString();
        expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^${at} ${host} cpu\\.utilization ${value}$`)));
      }
    }

    const table = await runScript('historical-table', ownEnv);
    expect(table.code, table.stderr).toBe(0);
    const rows = table.stdout.trim().split('\n');
    expect(rows[0]).toMatch(/^\s*time\s+host=db-9\s+host=web-9$/);
    for (let i = 1; i <= 3; i++) {
      const at = new Date(minute - i * 60_000).toISOString();
      expect(rows).toContainEqual(expect.stringMatching(new RegExp(`^${at}\\s+${10 + i}\\s+${20 + i}$`)));
    }
  });
});
