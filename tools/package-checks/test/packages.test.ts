import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { describe, expect, it } from 'vitest';

const packagesDir = join(import.meta.dirname, '..', '..', '..', 'packages');
const packages = readdirSync(packagesDir).map((folder) => {
  const dir = join(packagesDir, folder);
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
  return { dir, name: manifest.name as string, manifest };
});

describe('every published package', () => {
  it('is found', () => {
    expect(packages.map((p) => p.name).sort()).toEqual(
      ['aws', 'cli', 'core', 'emulator', 'ingest', 'reporter', 'rest', 'sdk', 'signalflow'].map((n) => `@sfx/${n}`),
    );
  });

  it('loads with require() from a .cjs file', () => {
    const output = execFileSync(
      process.execPath,
      [join(import.meta.dirname, 'require-all.cjs'), ...packages.map((p) => p.name)],
      {
        encoding: 'utf8',
      },
    );
    const counts = JSON.parse(output) as Record<string, number>;
    for (const { name } of packages) expect(counts[name], name).toBeGreaterThan(0);
  });

  it.each(packages.map((p) => [p.name, p]))('%s loads with import', async (name) => {
    const loaded = (await import(name)) as Record<string, unknown>;
    expect(Object.keys(loaded).length).toBeGreaterThan(0);
  });

  it.each(packages.map((p) => [p.name, p]))('%s has the manifest shape we publish', (_name, { manifest }) => {
    expect(manifest.type).toBe('module');
    expect(manifest.sideEffects).toBe(false);
    expect(manifest.license).toBe('Apache-2.0');
    expect((manifest.engines as Record<string, string>).node).toBe('>=20.19');
    const root = (manifest.exports as Record<string, Record<string, string>>)['.'];
    expect(Object.keys(root ?? {})[0]).toBe('types');
    expect(manifest.files).toContain('dist');
  });

  it.each(packages.map((p) => [p.name, p]))('%s passes publint (strict)', async (_name, { dir }) => {
    const { messages, pkg } = await publint({ pkgDir: dir, strict: true, level: 'warning' });
    const problems = messages.map((message) => formatMessage(message, pkg));
    expect(problems).toEqual([]);
  });
});
