// npm run fixture -- DIR [--broken] [--old-go]: creates the fixture repository at DIR, prints its
// file:// URL on stdout and its tags on stderr.
import { readdir } from 'node:fs/promises';
import { createFixtureRepo } from './fixture.js';

const usage = 'usage: npm run fixture -- DIR [--broken] [--old-go]';

async function isEmptyOrMissing(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length === 0;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return true;
    throw e;
  }
}

async function main(argv: string[]): Promise<number> {
  const broken = argv.includes('--broken');
  const oldGo = argv.includes('--old-go');
  const rest = argv.filter((a) => a !== '--broken' && a !== '--old-go');
  if (rest.includes('-h') || rest.includes('--help')) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const [dir, ...extra] = rest;
  if (dir === undefined || extra.length > 0 || dir.startsWith('-')) {
    process.stderr.write(`error: expected one DIR\n${usage}\n`);
    return 2;
  }
  if (!(await isEmptyOrMissing(dir))) {
    process.stderr.write(`error: ${dir} exists and is not empty\n`);
    return 2;
  }
  const repo = await createFixtureRepo(dir, { broken, oldGo });
  for (const tag of repo.tags) process.stderr.write(`${tag.version} ${tag.commit}\n`);
  process.stdout.write(`${repo.url}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);
