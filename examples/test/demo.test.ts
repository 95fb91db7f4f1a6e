import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type ProcessResult, runProcess } from './processes.js';

const DEMO = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'tools', 'demo', 'demo.mjs');
const DEMO_ARGS = ['--no-build', '--live-seconds', '3'];

// util-linux `script` runs the demo under a pseudo-terminal, as in a user's terminal.
const hasScript = (() => {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** Runs the demo's command to its end (killed after 40 s). */
function run(command: string, args: string[]): Promise<ProcessResult> {
  const { FORCE_COLOR: _, ...env } = process.env;
  return runProcess(command, args, { env: { ...env, NO_COLOR: '1' }, timeoutMs: 40_000 });
}

/** What every run of the demo must show, terminal or not. */
function expectEveryStep(output: string): void {
  expect(output).toMatch(/1\. .*Starting the emulator in this process/);
  expect(output).toMatch(/cpu\.utilization through @sfx\/ingest: 180 sent, 0 failed, 0 dropped/);
  expect(output).toMatch(/memory\.used through the @sfx\/reporter registry: 180 sent, 0 failed/);
  expect(output).toMatch(/metrics: cpu\.utilization, memory\.used/);
  expect(output).toMatch(/hosts: +db-1, web-1, web-2/);
  expect(output).toMatch(/4\. .*Streaming data\('cpu\.utilization'\)\.mean\(by=\['host'\]\)\.publish\(\)/);
  expect(output).toMatch(/5\. .*Summary/);
  expect(output).toMatch(/datapoints sent: +\d+ \(failed 0, dropped 0\)/);
  const checked = /values checked: +(\d+)\/(\d+) equal/.exec(output);
  expect(Number(checked?.[2])).toBeGreaterThanOrEqual(180);
  expect(checked?.[1]).toBe(checked?.[2]);
}

describe('npm run demo', () => {
  it('shows every step, checks the streamed values and exits 0 by itself', async () => {
    const { code, stdout, stderr } = await run(process.execPath, [DEMO, ...DEMO_ARGS]);
    expect(code, stderr).toBe(0);
    expectEveryStep(stdout);
    // Not a terminal: the live table is printed once, at the end of the stream.
    expect(stdout).not.toContain('\x1b[');
    expect(stdout).toMatch(/cpu\.utilization\s+web-1\s+[\d.]+\s+[▁▂▃▄▅▆▇█ ]+/);
  }, 45_000);

  it.skipIf(!hasScript)(
    'on a terminal, redraws the live table in place, whole lines',
    async () => {
      const command = [process.execPath, DEMO, ...DEMO_ARGS].map((arg) => `'${arg}'`).join(' ');
      const { code, stdout } = await run('script', ['-q', '-e', '-c', command, '/dev/null']);
      expect(code, stdout).toBe(0);
      expectEveryStep(stdout);
      const frames = stdout.split('\x1b[J');
      expect(frames.length).toBeGreaterThan(2); // drawn, then redrawn over itself
      const last = frames.at(-1) as string;
      for (const host of ['db-1', 'web-1', 'web-2']) {
        // A sparkline of 20 cells; a timestamp without a value (late data) is a blank cell.
        expect(last).toMatch(
          new RegExp(`cpu\\.utilization\\s+${host}\\s+[\\d.]+\\s+[▁▂▃▄▅▆▇█][▁▂▃▄▅▆▇█ ]{18}[▁▂▃▄▅▆▇█]`),
        );
      }
      expect(last).not.toContain('…');
    },
    45_000,
  );
});
