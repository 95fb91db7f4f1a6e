import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { type Sink, startSink } from './helpers/sink.js';

// The child imports the built package (`@sfx/ingest` → dist), as an application would.
const CHILD = fileURLToPath(new URL('./fixtures/exit-child.mjs', import.meta.url));

function runChild(args: string[], timeoutMs = 20_000): Promise<{ code: number | null; stdout: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, [CHILD, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child still running after ${timeoutMs} ms: a handle keeps it alive`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, ms: Date.now() - started });
    });
  });
}

async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

let sink: Sink | undefined;
afterEach(async () => {
  await sink?.close();
  sink = undefined;
});

describe('flushOnExit', () => {
  it('a script that sends and simply ends still delivers its datapoints and event, then exits', async () => {
    sink = await startSink();
    const { code } = await runChild([sink.url, '1', '1']);
    expect(code).toBe(0);
    expect(sink.datapoints().map((p) => p.metric)).toEqual(Array.from({ length: 50 }, (_, i) => `exit.${i}`));
    expect(sink.events().map((e) => e.eventType)).toEqual(['child_exit']);
  });

  it('retries across a failure at exit before the process ends', async () => {
    sink = await startSink();
    sink.script.push(503, 'reset', 503);
    const { code, stdout } = await runChild([sink.url, '1', '1']);
    expect(code).toBe(0);
    expect(sink.datapoints()).toHaveLength(50);
    expect(stdout).toBe('');
  });

  it('without it, the points are not sent and nothing holds the process open', async () => {
    sink = await startSink();
    const { code } = await runChild([sink.url, '0', '1']);
    expect(code).toBe(0);
    expect(sink.datapoints()).toHaveLength(0);
  });

  it('with the server down, the process still ends once the failure is reported', async () => {
    const port = await closedPort();
    const { code, stdout } = await runChild([`http://127.0.0.1:${port}`, '1', '0']);
    expect(code).toBe(0);
    expect(stdout).toContain('onError SFX_ERR_CONNECTION failed 50');
  });
});
