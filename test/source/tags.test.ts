// listRemoteTags against the fixture repository over file://, and the errors of an unreachable remote.
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VcError } from '../../src/errors.js';
import { listRemoteTags, parseLsRemote } from '../../src/source/index.js';
import { createFixtureRepo, type FixtureRepo } from '../support/fixture.js';
import { git, hermeticEnv, tempDir } from './support.js';

let base: { dir: string; remove: () => Promise<void> };
let repo: FixtureRepo;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  base = await tempDir('source-tags');
  repo = await createFixtureRepo(join(base.dir, 'repo'));
  env = await hermeticEnv(base.dir);
});

afterAll(() => base?.remove());

describe('parseLsRemote', () => {
  it('keeps release tags only, oldest first, with the peeled commit of annotated tags', () => {
    const c = (n: number) => String(n).repeat(40);
    const out = [
      `${c(1)}\trefs/tags/v1.10.0^{}`, // peeled line before the tag object line
      `${c(2)}\trefs/tags/v1.10.0`,
      `${c(3)}\trefs/tags/v1.9.3`,
      `${c(4)}\trefs/tags/v001`,
      `${c(5)}\trefs/tags/v1.9.3-rc1`,
      `${c(6)}\trefs/tags/1.9.4`,
      `${c(7)}\trefs/heads/v1.9.5`,
      `${c(8)}\trefs/tags/v0.9.10`,
      `${c(9)}\trefs/tags/v0.9.9`,
    ].join('\n');
    expect(parseLsRemote(out)).toEqual([
      { version: 'v0.9.9', commit: c(9) },
      { version: 'v0.9.10', commit: c(8) },
      { version: 'v1.9.3', commit: c(3) },
      { version: 'v1.10.0', commit: c(1) },
    ]);
  });
});

describe('listRemoteTags', () => {
  it('lists the fixture tags with their commits; the annotated v1.7.1 gives its commit, not the tag object', async () => {
    const tags = await listRemoteTags(repo.url, { env });
    expect(tags).toEqual(repo.tags);
    const tagObject = await git(repo.dir, ['rev-parse', 'v1.7.1']);
    const commit = await git(repo.dir, ['rev-parse', 'v1.7.1^{commit}']);
    expect(tagObject).not.toBe(commit);
    expect(tags.find((t) => t.version === 'v1.7.1')?.commit).toBe(commit);
  });

  it.each([
    ['https://user:s3cret@127.0.0.1:1/x.git', 's3cret'],
    ['https://ghp_T0kenOnly@127.0.0.1:1/x.git', 'ghp_T0kenOnly'],
    ['https://user:s3c%40ret@127.0.0.1:1/x.git', 's3c'],
  ])(
    'fails with REMOTE_UNREACHABLE for %s: URL redacted, git stderr, no secret anywhere',
    async (url, secret) => {
      const e = (await listRemoteTags(url, { env }).catch((x: unknown) => x)) as VcError;
      expect(e).toBeInstanceOf(VcError);
      expect(e.code).toBe('REMOTE_UNREACHABLE');
      expect(e.exitCode).toBe(1);
      expect(e.message).toMatch(/^cannot list the tags of https:\/\/\*\*\*@127\.0\.0\.1:1\/x\.git: /);
      expect(e.message).toMatch(/fatal: unable to access .*(Failed to connect|Couldn't connect)/);
      expect(e.hint).toMatch(/never falls back/);
      const everything = [
        e.message,
        e.hint,
        e.stack,
        JSON.stringify(e),
        String(e.cause),
        (e.cause as Error)?.stack,
      ];
      for (const text of everything) expect(String(text)).not.toContain(secret);
    },
  );

  it('fails for a file:// remote that is not a repository, without trying anything else', async () => {
    const url = `file://${join(base.dir, 'missing')}`;
    await expect(listRemoteTags(url, { env })).rejects.toMatchObject({
      code: 'REMOTE_UNREACHABLE',
      message: expect.stringMatching(/does not appear to be a git repository/),
    });
  });

  describe('with a remote that never answers', () => {
    let server: Server;
    let port: number;
    const sockets = new Set<Socket>();
    beforeAll(async () => {
      server = createServer((s) => sockets.add(s)); // accepts and stays silent
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      port = (server.address() as { port: number }).port;
    });
    afterAll(() => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((r) => server.close(() => r()));
    });

    it('stops git when the signal aborts', async () => {
      // The server never answers: only the abort ends the command before the test's timeout.
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 300);
      const e = await listRemoteTags(`git://127.0.0.1:${port}/x.git`, {
        env,
        signal: controller.signal,
      }).catch((x: unknown) => x);
      expect(e).toMatchObject({ code: 'ABORTED' });
      // git is gone: the connection it opened is closed from its side (read to see its end).
      expect(sockets.size).toBeGreaterThan(0);
      await Promise.all([...sockets].map((s) => (s.closed ? null : once(s.resume(), 'close'))));
    });
  });
});
