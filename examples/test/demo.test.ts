import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const DEMO = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'tools', 'demo', 'demo.mjs');

describe('npm run demo', () => {
  it('shows every step, checks the streamed values and exits 0 by itself', async () => {
    const child = spawn(process.execPath, [DEMO, '--no-build', '--live-seconds', '3'], {
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 40_000);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    clearTimeout(timer);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/cpu\.utilization through @sfx\/ingest: 180 sent, 0 failed, 0 dropped/);
    expect(stdout).toMatch(/memory\.used through the @sfx\/reporter registry: 180 sent, 0 failed/);
    expect(stdout).toMatch(/metrics: cpu\.utilization, memory\.used/);
    expect(stdout).toMatch(/hosts: +db-1, web-1, web-2/);
    expect(stdout).toMatch(/cpu\.utilization\s+web-1\s+[\d.]+\s+[▁▂▃▄▅▆▇█ ]+/);
    const checked = /values checked: +(\d+)\/(\d+) equal/.exec(stdout);
    expect(Number(checked?.[2])).toBeGreaterThanOrEqual(180);
    expect(checked?.[1]).toBe(checked?.[2]);
  }, 45_000);
});
