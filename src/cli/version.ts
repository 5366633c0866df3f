import { readFileSync } from 'node:fs';

/** vc-coredns's own version, from package.json (found from src/cli or dist/cli alike). */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}
