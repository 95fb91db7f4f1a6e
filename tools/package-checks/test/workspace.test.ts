import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..', '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const json = (path: string) => JSON.parse(read(path)) as Record<string, any>;
const packageNames = readdirSync(join(root, 'packages'));

/** Which @sfx packages each package may depend on: the one-way graph of the architecture. */
const allowed: Record<string, string[]> = {
  core: [],
  ingest: ['core'],
  rest: ['core'],
  signalflow: ['core'],
  aws: ['core'],
  reporter: ['core', 'ingest', 'aws'],
  emulator: ['core', 'ingest', 'signalflow', 'rest'],
  sdk: ['core', 'ingest', 'rest', 'signalflow', 'aws', 'reporter'],
  cli: ['core', 'ingest', 'rest', 'signalflow', 'aws', 'reporter', 'emulator', 'sdk'],
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|mts|cts)$/.test(entry) ? [path] : [];
  });
}

describe('the workspace', () => {
  it('is a private npm-workspaces root on Node >= 20.19 with a lockfile', () => {
    const manifest = json('package.json');
    expect(manifest.private).toBe(true);
    expect(manifest.workspaces).toContain('packages/*');
    expect(manifest.engines.node).toBe('>=20.19');
    expect(json('package-lock.json').lockfileVersion).toBeGreaterThanOrEqual(3);
  });

  it('runs nx offline with cached build, test, lint and typecheck targets', () => {
    const nx = json('nx.json');
    expect(nx.neverConnectToCloud).toBe(true);
    expect(nx.useDaemonProcess).toBe(false);
    for (const target of ['build', 'test', 'lint', 'typecheck'])
      expect(nx.targetDefaults[target].cache, target).toBe(true);
    expect(nx.targetDefaults.build.dependsOn).toContain('^build');
  });

  it('compiles strict NodeNext with declarations and declaration maps', () => {
    const { compilerOptions } = json('tsconfig.base.json');
    expect(compilerOptions).toMatchObject({
      strict: true,
      module: 'NodeNext',
      declaration: true,
      declarationMap: true,
    });
  });

  it('versions packages independently with changesets, public, on main', () => {
    const config = json('.changeset/config.json');
    expect(config).toMatchObject({ fixed: [], linked: [], access: 'public', baseBranch: 'main' });
    const status = execFileSync('npx', ['changeset', 'status'], { cwd: root, encoding: 'utf8' });
    expect(status).toMatch(/@sfx\/core/);
  });

  it('has the README contract, the CI script, the license and editor settings', () => {
    const readme = read('README.md');
    expect(readme).toContain('npm ci && npm test');
    expect(readme).toContain('npm ci && npm run demo');
    const ci = read('.ci/run');
    expect(ci).toMatch(/set -euo pipefail/);
    expect(ci).toMatch(/npm ci && npm test/);
    expect(read('LICENSE')).toMatch(/Apache License\s+Version 2\.0/);
    expect(read('.editorconfig')).toMatch(/indent_size = 2/);
    expect(read('.gitignore')).toMatch(/node_modules/);
    expect(json('biome.json').linter.enabled).toBe(true);
  });
});

describe('every package', () => {
  it.each(packageNames)('%s has its README, src, test, LICENSE and the nx targets', (name) => {
    const dir = join(root, 'packages', name);
    for (const entry of ['README.md', 'LICENSE', 'src/index.ts', 'test', 'tsconfig.build.json']) {
      expect(() => statSync(join(dir, entry)), `${name}/${entry}`).not.toThrow();
    }
    const scripts = json(`packages/${name}/package.json`).scripts;
    for (const target of ['build', 'test', 'lint', 'typecheck'])
      expect(scripts[target], `${name}:${target}`).toBeTruthy();
  });

  it.each(packageNames)('%s depends only on the packages below it, through their public entry', (name) => {
    const manifest = json(`packages/${name}/package.json`);
    const sfxDeps = Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies })
      .filter((dep) => dep.startsWith('@sfx/'))
      .map((dep) => dep.slice('@sfx/'.length));
    for (const dep of sfxDeps) expect(allowed[name], `${name} -> ${dep}`).toContain(dep);
    for (const file of sourceFiles(join(root, 'packages', name, 'src'))) {
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(/from\s+'(@sfx\/[^']+)'/g)) {
        const [, specifier] = match;
        expect(specifier, `${file} imports ${specifier}`).toMatch(/^@sfx\/[a-z-]+$/);
        expect(allowed[name], `${file} imports ${specifier}`).toContain(specifier!.slice('@sfx/'.length));
      }
      expect(text, `${file} reaches into another package`).not.toMatch(/from\s+'\.\.\/\.\.\/[a-z]+\//);
    }
  });

  it.each(packageNames)('%s declares every package its source imports', (name) => {
    const manifest = json(`packages/${name}/package.json`);
    const declared = new Set(Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies }));
    for (const file of sourceFiles(join(root, 'packages', name, 'src'))) {
      const text = readFileSync(file, 'utf8');
      const statements = text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'([^'.][^']*)'/gm);
      const dynamic = text.matchAll(/\bimport\(\s*'([^'.][^']*)'\s*\)/g);
      for (const match of [...statements, ...dynamic]) {
        const specifier = match[1]!;
        if (specifier.startsWith('node:')) continue;
        const packageName = specifier.startsWith('@')
          ? specifier.split('/').slice(0, 2).join('/')
          : specifier.split('/')[0]!;
        expect(declared.has(packageName), `${file} imports ${specifier}, not declared by @sfx/${name}`).toBe(true);
      }
    }
  });

  it('core has no runtime dependency but undici', () => {
    expect(Object.keys(json('packages/core/package.json').dependencies ?? {})).toEqual(['undici']);
  });
});
