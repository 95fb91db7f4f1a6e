import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));

describe('in a real process', () => {
  it('a request waiting to retry keeps the process alive until it settles', () => {
    // Port 9 on loopback refuses at once; between attempts no socket is open, only the backoff timer.
    const script = [
      `const { HttpClient } = await import(${JSON.stringify(dist)});`,
      "const http = new HttpClient({ baseUrl: 'http://127.0.0.1:9', retry: { maxAttempts: 3, initialDelayMs: 400, maxDelayMs: 400 } });",
      "http.request({ method: 'GET', path: '/' })",
      "  .then(() => process.stdout.write('resolved\\n'), (error) => process.stdout.write(error.name + '\\n'));",
    ].join('\n');
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(child.stderr).toBe('');
    expect(child.stdout.trim()).toBe('ConnectionError');
  });
});
