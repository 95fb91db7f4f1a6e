import { createRequire } from 'node:module';

/** Reads `version` from a package's own package.json, given that package's `import.meta.url`. */
export function packageVersion(moduleUrl: string, relativePath = '../package.json'): string {
  try {
    return (createRequire(moduleUrl)(relativePath) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

export const CORE_VERSION: string = packageVersion(import.meta.url);
