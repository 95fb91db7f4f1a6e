import { pathToFileURL } from 'node:url';

/** Runs `main` when the file is the script node was started with (not when a test imports it). */
export function runMain(moduleUrl: string, main: () => Promise<void>): void {
  const script = process.argv[1];
  if (script === undefined || pathToFileURL(script).href !== moduleUrl) return;
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
