import { spawn } from 'node:child_process';

export interface ProcessResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end, killed after `timeoutMs`; `input` is written to its stdin. */
export function runProcess(
  command: string,
  args: string[],
  options: { env: Record<string, string | undefined>; cwd?: string; input?: string; timeoutMs?: number },
): Promise<ProcessResult> {
  const child = spawn(command, args, {
    env: options.env,
    cwd: options.cwd,
    stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  if (options.input !== undefined) child.stdin?.end(options.input);
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
  return new Promise((resolve) => {
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * The environment of a script run against `emulator`: no SFX_*, proxy or FORCE_COLOR variable of the machine, the
 * emulator's URLs and `token`, and every non-loopback request sent to a proxy on a closed loopback port,
 * so a stray request fails instead of leaving the machine.
 */
export function emulatorEnv(
  emulator: { ingestUrl: string; apiUrl: string; streamUrl: string },
  token: string,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith('SFX_') && !/_PROXY$/i.test(key) && key !== 'FORCE_COLOR') {
      env[key] = value;
    }
  }
  return {
    ...env,
    NO_COLOR: '1', // what the scripts print is compared as plain text, whatever the test runner forces
    SFX_TOKEN: token,
    SFX_INGEST_URL: emulator.ingestUrl,
    SFX_API_URL: emulator.apiUrl,
    SFX_STREAM_URL: emulator.streamUrl,
    HTTP_PROXY: 'http://127.0.0.1:9',
    HTTPS_PROXY: 'http://127.0.0.1:9',
  };
}
