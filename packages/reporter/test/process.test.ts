import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));

describe('in a real process', () => {
  it('a started reporter does not keep a finished process alive (built dist)', () => {
    expect(existsSync(dist), 'build the package first: npx tsc -p tsconfig.build.json').toBe(true);
    const script = `
      const { MetricsRegistry, SignalFxReporter } = await import(${JSON.stringify(dist)});
      const registry = new MetricsRegistry();
      registry.counter('c').inc();
      const sent = [];
      const ingest = { send: (b) => sent.push(b), flush: async () => {}, close: async () => {} };
      const reporter = new SignalFxReporter({ registry, ingest, intervalMs: 50 });
      reporter.start();
      setTimeout(() => process.stdout.write('reports ' + (sent.length > 0) + '\\n'), 300);
    `;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 10_000,
    });
    expect(child.error).toBeUndefined();
    expect(child.stderr).toBe('');
    expect(child.stdout.trim()).toBe('reports true');
    expect(child.status).toBe(0);
  });
});
