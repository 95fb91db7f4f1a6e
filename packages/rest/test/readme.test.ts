import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envelopePage, type Recorder, startRecorder } from './recorder.js';

const run = promisify(execFile);
const packageDir = fileURLToPath(new URL('..', import.meta.url));

/** The first ```js block of the README: the quick start. */
function quickStart(): string {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const match = /```js\n([\s\S]*?)```/.exec(readme);
  if (!match) throw new Error('README has no js block');
  return match[1]!;
}

describe('README quick start', () => {
  let server: Recorder;

  beforeAll(async () => {
    server = await startRecorder((req) => {
      if (req.rawPath === '/v2/metric') return envelopePage(req, 12, (i) => ({ name: `cpu.m${i}` }));
      if (req.rawPath === '/v2/metrictimeseries') {
        return envelopePage(req, 3, (i) => ({
          id: `MTS${i}`,
          metric: 'cpu.utilization',
          dimensions: { host: `h${i}` },
        }));
      }
      if (req.rawPath === '/v2/detector/validate') return { status: 400, body: { code: 400, message: 'no rules' } };
      return { status: 404, body: { message: 'not here' } };
    });
  });
  afterAll(async () => {
    await server.close();
  });

  it('runs as written against a local endpoint', async () => {
    // The example imports the built package, as a user would.
    expect(existsSync(new URL('../dist/index.js', import.meta.url)), 'build the package first').toBe(true);
    const { stdout } = await run(process.execPath, ['--input-type=module', '--eval', quickStart()], {
      cwd: packageDir,
      env: { PATH: process.env.PATH ?? '', SFX_TOKEN: 'readme-token', SFX_API_URL: server.url },
      timeout: 20_000,
    });
    expect(stdout).toContain('12 metrics match; first: cpu.m0');
    expect(stdout).toContain('MTS2');
    expect(stdout).toContain('invalid detector: no rules');
    expect(server.requests.map((r) => r.rawPath)).toEqual([
      '/v2/metric',
      '/v2/metrictimeseries',
      '/v2/detector/validate',
    ]);
    expect(server.requests.every((r) => r.headers['x-sf-token'] === 'readme-token')).toBe(true);
  });
});
