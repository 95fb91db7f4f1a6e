#!/usr/bin/env node
import { main } from './program.js';

// A closed pipe (`sfx ... | head`) is not an error of the command: what it prints has no reader any more.
// `sfx flow` also listens, to stop its job.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`sfx: ${String(error)}\n`);
    process.exitCode = 1;
  },
);
