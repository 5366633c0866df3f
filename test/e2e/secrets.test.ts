// Secrets never reach output, --json, logs or files: a repository URL with a password (served by git's
// own http-backend, which demands it, so it is really used) and a token in the query, and an image
// reference with user:password. Every stream and every file the runs leave is searched for each form.

import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEnv, type CliResult, json, vc } from '../support/cli.js';
import { createFixtureRepo, type FixtureRepo } from '../support/fixture.js';
import { type GitHttpServer, startGitHttp } from '../support/git-http.js';

const PASSWORD = 'QTOKEN42pw';
const TOKEN = 'QTOKEN42tok';
const IMAGE_PASSWORD = 'S3cret-image-pw';

let work: string;
let repo: FixtureRepo;
let server: GitHttpServer;
let env: Record<string, string>;

/** Every form a secret could be printed in. */
function forms(secret: string): string[] {
  return [secret, Buffer.from(secret).toString('base64'), Buffer.from(`user:${secret}`).toString('base64')];
}
const ALL = [...forms(PASSWORD), ...forms(TOKEN), ...forms(IMAGE_PASSWORD)];

function expectClean(what: string, text: string): void {
  for (const s of ALL) expect(text.includes(s), `${what} contains ${s}`).toBe(false);
}
function expectCleanRun(what: string, r: CliResult): void {
  expectClean(`${what}: stdout`, r.stdout);
  expectClean(`${what}: stderr`, r.stderr);
}

/** Every file under dir (logs, caches, layouts, checkouts' .git), as text. */
async function filesUnder(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    if (!e.isFile()) continue;
    const path = join(e.parentPath, e.name);
    out.set(path, await readFile(path, 'latin1'));
  }
  return out;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vc-secrets-'));
  repo = await createFixtureRepo(join(work, 'repo'));
  server = await startGitHttp(repo.dir, { username: 'user', password: PASSWORD });
  env = buildEnv(work);
});
afterAll(async () => {
  await server?.stop();
  await rm(work, { recursive: true, force: true });
});

describe('a repository URL with a password', () => {
  it('versions, prepare, build and matrix work through it and never print it or write it anywhere', async () => {
    const runs: [string, string[]][] = [
      ['versions', ['versions', '--repo', server.url, '--json']],
      ['prepare', ['prepare', '--repo', server.url, '--version', 'v1.9.3', '--json']],
      ['matrix', ['matrix', '--repo', server.url, '--range', '>=1.9.0']],
      [
        'build',
        [
          'build',
          ...['--repo', server.url, '--version', 'v1.12.0', '--platforms', 'linux/amd64'],
          ...['--output', `oci:${join(work, 'oci')}`, '--json'],
        ],
      ],
    ];
    const results = new Map<string, CliResult>();
    for (const [what, args] of runs) {
      const r = await vc(args, { env, cwd: work });
      expect(r.exitCode, `${what}: ${r.stderr}`).toBe(0);
      expectCleanRun(what, r);
      // the progress names the server, without the password
      expect(r.stderr).toContain('http://***@127.0.0.1:');
      results.set(what, r);
    }
    expect(server.authorized).toBeGreaterThan(0);
    const build = json<{ builds: { digest: string }[] }>(results.get('build') as CliResult);
    expect(build.builds[0]?.digest).toMatch(/^sha256:/);

    // cache (checkouts with their .git, logs, go-minimum.json) and the image layout (labels)
    const files = new Map([
      ...(await filesUnder(join(work, 'cache'))),
      ...(await filesUnder(join(work, 'oci'))),
    ]);
    expect(files.size).toBeGreaterThan(10);
    for (const [path, text] of files) expectClean(path, text);
    const labelled = [...files.values()].filter((t) => t.includes('org.opencontainers.image.source'));
    expect(labelled.length).toBeGreaterThan(0);
    for (const t of labelled)
      expect(t).toContain(`"http://127.0.0.1:${new URL(server.url).port}/coredns.git"`);
  });
});

describe('a token in the query and user:password in an image reference', () => {
  const NOWHERE = ['--repo', 'file:///nonexistent', '--version', 'v1.9.3'];
  const tokenUrl = `https://127.0.0.1:1/coredns.git?access_token=${TOKEN}`;
  const cases: [string, string[], number][] = [
    ['versions', ['versions', '--repo', tokenUrl], 1],
    ['prepare', ['prepare', '--repo', tokenUrl, '--version', 'v1.9.3'], 1],
    ['matrix', ['matrix', '--repo', tokenUrl], 1],
    ['build', ['build', '--repo', tokenUrl, '--version', 'v1.9.3', '--output', 'binaries:./bin'], 1],
    // refused before any network: the repository does not exist, reaching it would exit 1
    ['build --push', ['build', ...NOWHERE, '--push', `user:${IMAGE_PASSWORD}@host/repo`], 2],
    ['build --base', ['build', ...NOWHERE, '--base', `user:${IMAGE_PASSWORD}@host/repo`], 2],
    ['verify', ['verify', `user:${IMAGE_PASSWORD}@host/repo:v1.9.3`], 2],
    ['manifest', ['manifest', '--image', `user:${IMAGE_PASSWORD}@host/repo:v1.9.3`], 2],
  ];
  it.each(cases)(
    '%s: the error names what failed, without the secret, with and without --json',
    async (what, args, code) => {
      for (const extra of what === 'manifest' || what === 'matrix' ? [[]] : [[], ['--json']]) {
        const r = await vc([...args, ...extra], { env, cwd: work });
        expect(r.exitCode, r.stderr).toBe(code);
        expectCleanRun(what, r);
        expect(r.stderr).toMatch(/^error: /m);
        expect(r.stderr).toMatch(/access_token=\*\*\*|\*\*\*@host\/repo/);
        if (extra.length) expect(json<{ error: { message: string } }>(r).error.message).toContain('***');
      }
    },
  );
});
