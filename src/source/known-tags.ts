// The release tags each repository had when vc-coredns last listed them, kept in the cache so that
// shell completion can offer versions without the network:
//   <cache>/tags/<repo-key>.json   {"format": 1, "url": <URL without credentials>, "versions": [...]}
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/fs.js';
import { checkoutsDir, tagsDir } from './cache.js';
import { repoKey, withoutCredentials } from './url.js';

const VERSION = /^v\d+\.\d+\.\d+$/;

interface TagsFile {
  format: 1;
  url: string;
  versions: string[];
}

/**
 * Records the versions a listing of `url` found. Best effort: a cache that cannot be written costs
 * completion only, never the command that listed the tags.
 */
export async function rememberTags(
  cacheDir: string,
  url: string,
  versions: readonly string[],
): Promise<void> {
  const file: TagsFile = { format: 1, url: withoutCredentials(url), versions: [...versions] };
  try {
    await mkdir(tagsDir(cacheDir), { recursive: true });
    await writeFileAtomic(join(tagsDir(cacheDir), `${repoKey(url)}.json`), `${JSON.stringify(file)}\n`);
  } catch {
    // see above
  }
}

async function readTagsFile(path: string): Promise<string[]> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as Partial<TagsFile>;
    return Array.isArray(parsed.versions) ? parsed.versions.filter((v) => VERSION.test(String(v))) : [];
  } catch {
    return [];
  }
}

async function names(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => []);
}

/**
 * The versions the cache knows: of `url` when given and known (its listed tags and checkouts), else of
 * every repository in the cache. Unordered, without duplicates; [] for an empty or missing cache.
 */
export async function knownVersions(cacheDir: string, url?: string): Promise<string[]> {
  const found = new Set<string>();
  const collect = async (key: string) => {
    for (const v of await readTagsFile(join(tagsDir(cacheDir), `${key}.json`))) found.add(v);
    for (const v of await names(checkoutsDir(cacheDir, key))) if (VERSION.test(v)) found.add(v);
  };
  if (url !== undefined) {
    await collect(repoKey(url));
    if (found.size > 0) return [...found];
  }
  const keys = new Set([
    ...(await names(tagsDir(cacheDir))).filter((n) => n.endsWith('.json')).map((n) => n.slice(0, -5)),
    ...(await names(join(cacheDir, 'checkouts'))),
  ]);
  for (const key of keys) await collect(key);
  return [...found];
}
