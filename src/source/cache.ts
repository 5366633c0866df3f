// Where vc-coredns keeps what it fetched. Layout (all of it safe to delete between runs):
//   <cache>/checkouts/<repo-key>/<version>/        shallow single-tag checkouts, reused after reset + clean
//   <cache>/checkouts/<repo-key>/<version>.lock/   the lock while a run uses that checkout (util/lock.ts)
//   <cache>/checkouts/<repo-key>/.tmp-<version>-*/  a clone being made (renamed into place when complete)
//   <cache>/go-minimum.json                        go.mod `go` line and upstream's Go per tag commit (tags are immutable)
//   <cache>/go/<version>/                          downloaded official Go archives, each a GOROOT
//   <cache>/go/<version>.lock/                     while one is written, or checked before use or removal
//   <cache>/go/<version>.use-<pid>-<rand>.lock/    a run is building with it (until that run exits)
//   <cache>/go/.tmp-<version>-*/                   a download being unpacked
//   <cache>/logs/<version>-<platform>.log          build logs
//   <cache>/tags/<repo-key>.json                   the release tags last listed (for shell completion)
// `vc-coredns cache` lists it, `cache prune` removes what no run uses (pipeline/cache.ts).
import { isAbsolute, join, resolve as resolvePath } from 'node:path';
import envPaths from 'env-paths';

/**
 * `VC_COREDNS_CACHE` when set (CI caches and tests point it at a folder of their own), else
 * `$XDG_CACHE_HOME/vc-coredns` (`~/.cache/vc-coredns`; the platform's cache folder elsewhere).
 */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  const override = env.VC_COREDNS_CACHE?.trim();
  if (override) return isAbsolute(override) ? override : resolvePath(cwd, override);
  // env-paths reads process.env itself; honour the XDG_CACHE_HOME of the environment we were given.
  const xdg = env.XDG_CACHE_HOME?.trim();
  if (process.platform === 'linux' && xdg && isAbsolute(xdg)) return join(xdg, 'vc-coredns');
  return envPaths('vc-coredns', { suffix: '' }).cache;
}

export function checkoutsDir(cacheDir: string, repoKey: string): string {
  return join(cacheDir, 'checkouts', repoKey);
}

export function tagsDir(cacheDir: string): string {
  return join(cacheDir, 'tags');
}

export function goMinimumFile(cacheDir: string): string {
  return join(cacheDir, 'go-minimum.json');
}
