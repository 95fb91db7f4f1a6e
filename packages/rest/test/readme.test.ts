import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { envelopePage, type Recorder, startRecorder } from './recorder.js';

const run = promisify(execFile);
const packageDir = fileURLToPath(new URL('..', import.meta.url));

/** The ```js blocks of the README: the quick start, then the login example. */
function examples(): string[] {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  return [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((match) => match[1]!);
}

const SESSION_TOKEN = 'readme-session-token';

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
      if (req.rawPath === '/v2/session' && req.method === 'POST') {
        const { email, password } = req.body as { email: string; password: string };
        return email === 'ada@example.com' && password === 'pw-of-ada'
          ? { body: { accessToken: SESSION_TOKEN, expiryMs: Date.UTC(2030, 0, 1), userId: 'U1' } }
          : { status: 401, body: { message: 'bad credentials' } };
      }
      if (req.rawPath === '/v2/session' && req.method === 'DELETE') return { status: 204 };
      if (req.rawPath === '/v2/organization') return { body: { id: 'ORG', organizationName: 'Acme' } };
      return { status: 404, body: { message: 'not here' } };
    });
  });
  afterAll(async () => {
    await server.close();
  });

  beforeEach(() => {
    server.requests.length = 0;
  });

  it('has the two examples', () => {
    expect(examples()).toHaveLength(2);
  });

  it('quick start runs as written against a local endpoint', async () => {
    // The example imports the built package, as a user would.
    expect(existsSync(new URL('../dist/index.js', import.meta.url)), 'build the package first').toBe(true);
    const { stdout } = await run(process.execPath, ['--input-type=module', '--eval', examples()[0]!], {
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

  it('login example runs as written: logs in, uses the session token, logs out', async () => {
    const { stdout } = await run(process.execPath, ['--input-type=module', '--eval', examples()[1]!], {
      cwd: packageDir,
      env: {
        PATH: process.env.PATH ?? '',
        SFX_API_URL: server.url,
        SFX_EMAIL: 'ada@example.com',
        SFX_PASSWORD: 'pw-of-ada',
      },
      timeout: 20_000,
    });
    expect(stdout).toContain('session valid until 2030-01-01T00:00:00.000Z');
    expect(stdout).toContain('logged in to Acme');
    expect(server.requests.map((r) => [r.method, r.rawPath, r.headers['x-sf-token']])).toEqual([
      ['POST', '/v2/session', undefined],
      ['GET', '/v2/organization', SESSION_TOKEN],
      ['DELETE', '/v2/session', SESSION_TOKEN],
    ]);
  });
});
