import { type GlobalOptions, type Io, println } from '../context.js';

export interface EmulatorOptions extends GlobalOptions {
  port?: number;
  host?: string;
  output?: 'text' | 'json';
}

export const DEFAULT_EMULATOR_PORT = 8090;
export const DEFAULT_EMULATOR_TOKEN = 'dev-token';

/** `sfx emulator`: runs the local SignalFx-compatible server in the foreground until Ctrl-C. */
export async function runEmulator(options: EmulatorOptions, io: Io, signal?: AbortSignal): Promise<number> {
  // Loaded here so that the other commands do not pay for the emulator's start-up.
  const { startEmulator } = await import('@sfx/emulator');
  const token = options.token?.trim() || io.env.SFX_TOKEN?.trim() || DEFAULT_EMULATOR_TOKEN;
  const host = options.host ?? '127.0.0.1';
  const emulator = await startEmulator({ host, port: options.port ?? DEFAULT_EMULATOR_PORT, tokens: [token] });
  const urls = { ingestUrl: emulator.ingestUrl, apiUrl: emulator.apiUrl, streamUrl: emulator.streamUrl, token };
  if (options.output === 'json') {
    println(io.stdout, JSON.stringify(urls));
  } else {
    println(io.stdout, `sfx emulator running (token ${token})`);
    println(io.stdout, `  ingest  ${urls.ingestUrl}`);
    println(io.stdout, `  api     ${urls.apiUrl}`);
    println(io.stdout, `  stream  ${urls.streamUrl}`);
    println(io.stdout);
    println(io.stdout, 'Point the SDK or the CLI at it with:');
    println(
      io.stdout,
      `  export SFX_TOKEN=${token} SFX_INGEST_URL=${urls.ingestUrl} SFX_API_URL=${urls.apiUrl} SFX_STREAM_URL=${urls.streamUrl}`,
    );
    println(io.stdout, 'Press Ctrl-C to stop.');
  }
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    signal?.addEventListener('abort', stop, { once: true });
  });
  await emulator.close();
  if (options.output !== 'json') println(io.stderr, 'emulator stopped');
  return 0;
}
