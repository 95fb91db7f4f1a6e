#!/usr/bin/env node
import { main } from './program.js';

// The clients unref their timers (so they never keep an app alive); the CLI must stay up until its
// command is done, retries and backoff included.
const keepAlive = setInterval(() => {}, 1 << 30);

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
