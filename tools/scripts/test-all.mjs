#!/usr/bin/env node
// `npm test`: build, lint, typecheck and test every workspace project with nx, then print one
// closing summary line over every package's vitest results.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');
const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false' };
const nx = spawnSync(
  'npx',
  ['nx', 'run-many', '-t', 'build', 'lint', 'typecheck', 'test', '--outputStyle=stream', ...process.argv.slice(2)],
  { cwd: root, env, stdio: 'inherit' },
);

let passed = 0;
let failed = 0;
let skipped = 0;
const folders = ['packages', 'tools', '.'].flatMap((base) => {
  const dir = join(root, base);
  if (base === '.') return [join(root, 'examples')];
  return existsSync(dir) ? readdirSync(dir).map((name) => join(dir, name)) : [];
});
for (const folder of folders) {
  const file = join(folder, '.test-results', 'results.json');
  if (!existsSync(file)) continue;
  const results = JSON.parse(readFileSync(file, 'utf8'));
  passed += results.numPassedTests ?? 0;
  failed += results.numFailedTests ?? 0;
  skipped += (results.numPendingTests ?? 0) + (results.numTodoTests ?? 0);
}
console.log(`\nTests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(nx.status === 0 && failed === 0 && passed > 0 ? 0 : 1);
