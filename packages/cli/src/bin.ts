#!/usr/bin/env node
import { main } from './program.js';

// Holds the process open until the command is done. Without it a refused connection ended `sfx` with
// exit 0 and no output: @sfx/core's `sleep()` unrefs its timer, and `HttpClient.send()` awaits that
// sleep between retry attempts, so while a request waits to retry (no socket open) nothing keeps the
// event loop alive and Node exits with `main()` still pending. The fix belongs in @sfx/core (a request
// in flight should hold a ref'd handle); until then the CLI holds one itself.
const keepAlive = setInterval(() => {}, 1 << 30);

// A closed pipe (`sfx ... | head`) is not an error of the command: what it prints has no reader any more.
// `sfx flow` also listens, to stop its job.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
});

main(process.argv.slice(2))
  .then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`sfx: ${String(error)}\n`);
      process.exitCode = 1;
    },
  )
  .finally(() => clearInterval(keepAlive));
