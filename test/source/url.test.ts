// Which repositories git may open: resolveRepoUrl, repoTransport, and the transport policy of every git
// command (an `ext::` URL never runs, however it arrives).
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VcError } from '../../src/errors.js';
import {
  DEFAULT_REPO_URL,
  listRemoteTags,
  repoKey,
  repoTransport,
  resolveRepoUrl,
  withoutCredentials,
} from '../../src/source/index.js';
import { hermeticEnv, tempDir } from './support.js';

let base: { dir: string; remove: () => Promise<void> };

beforeAll(async () => {
  base = await tempDir('source-url');
  await mkdir(join(base.dir, 'repo'));
});

afterAll(() => base?.remove());

function refusal(fn: () => unknown): VcError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(VcError);
    return e as VcError;
  }
  throw new Error('expected a refusal');
}

const exists = (p: string) =>
  stat(p).then(
    () => true,
    () => false,
  );

describe('resolveRepoUrl', () => {
  it('defaults to upstream CoreDNS, then VC_COREDNS_REPO, and --repo wins over both', () => {
    expect(resolveRepoUrl(undefined, {})).toBe(DEFAULT_REPO_URL);
    expect(resolveRepoUrl('', { VC_COREDNS_REPO: 'https://example.com/env.git' })).toBe(
      'https://example.com/env.git',
    );
    expect(
      resolveRepoUrl('https://example.com/flag.git', { VC_COREDNS_REPO: 'https://example.com/env.git' }),
    ).toBe('https://example.com/flag.git');
  });

  it('turns local paths, relative or absolute, into absolute file:// URLs', () => {
    const abs = join(base.dir, 'repo');
    expect(resolveRepoUrl('repo', {}, base.dir)).toBe(pathToFileURL(abs).href);
    expect(resolveRepoUrl('./repo/', {}, base.dir)).toBe(pathToFileURL(abs).href);
    expect(resolveRepoUrl(abs, {}, '/')).toBe(pathToFileURL(abs).href);
    expect(resolveRepoUrl(undefined, { VC_COREDNS_REPO: 'repo' }, base.dir)).toBe(pathToFileURL(abs).href);
  });

  it('refuses a local path that does not exist (exit 2)', () => {
    const e = refusal(() => resolveRepoUrl('./nope', {}, base.dir));
    expect(e.exitCode).toBe(2);
    expect(e.code).toBe('REPO_NOT_FOUND');
    expect(e.message).toBe('repository ./nope does not exist');
  });

  it.each([
    ['https://github.com/coredns/coredns.git', 'https'],
    ['https://user:token@git.example.com/coredns.git', 'https'],
    ['ssh://git@github.com/coredns/coredns.git', 'ssh'],
    ['git+ssh://git@github.com/coredns/coredns.git', 'ssh'],
    ['git@github.com:coredns/coredns.git', 'ssh'],
    ['github.com:coredns/coredns.git', 'ssh'],
    ['git://git.example.com/coredns.git', 'git'],
    ['file:///srv/git/coredns.git', 'file'],
    ['http://127.0.0.1:8080/coredns.git', 'http-loopback'],
    ['http://localhost/coredns.git', 'http-loopback'],
    ['http://[::1]:3000/coredns.git', 'http-loopback'],
  ])('accepts %s (%s)', (url, transport) => {
    expect(resolveRepoUrl(url, {})).toBe(url);
    expect(repoTransport(url)).toBe(transport);
  });

  it.each([
    ['ext::sh -c touch% /tmp/pwned', /"ext::" is a git remote helper/],
    ['ext::true', /"ext::" is a git remote helper/],
    ['fd::3', /"fd::" is a git remote helper/],
    ['http://example.com/coredns.git', /plain http is allowed only to localhost/],
    ['ftp://example.com/coredns.git', /the scheme ftp:\/\/ is not one git should use here/],
    ['file://otherhost/srv/coredns.git', /a file:\/\/ URL names a path on this machine/],
    ['-oProxyCommand=touch:x', /would be read as an ssh option/],
    ['ssh://-oProxyCommand=touch/x', /would be read as an ssh option/],
    ['https://example.com/a b.git', /white space or control characters/],
  ])('refuses %s with a hint (exit 2)', (url, why) => {
    const e = refusal(() => resolveRepoUrl(url, {}));
    expect(e.exitCode).toBe(2);
    expect(e.code).toBe('BAD_REPO_URL');
    expect(e.message).toMatch(why);
    expect(e.hint).toMatch(/https:\/\//);
  });

  it('never shows a password in a refusal', () => {
    const e = refusal(() => resolveRepoUrl('http://user:s3cret@example.com/x.git', {}));
    expect(e.message).toBe(
      'repository URL http://***@example.com/x.git is not allowed: plain http is allowed only to localhost',
    );
  });
});

describe('repoKey', () => {
  it('names the cache folder without credentials: the same repository with other credentials shares it', () => {
    const a = repoKey('https://user:s3cret@git.example.com/team/coredns.git');
    expect(a).not.toContain('s3cret');
    expect(a).toMatch(/^coredns-[0-9a-f]{16}$/);
    expect(repoKey('https://other:pw@git.example.com/team/coredns.git')).toBe(a);
    expect(repoKey('https://git.example.com/team/other.git')).not.toBe(a);
    expect(withoutCredentials('https://user:s3cret@h/x')).toBe('https://h/x');
  });
});

describe('ext:: never runs', () => {
  it('is refused before git starts, whichever entry point gets it', async () => {
    const marker = join(base.dir, 'pwned-direct');
    const url = `ext::sh -c touch% ${marker}`;
    expect(refusal(() => resolveRepoUrl(url, {})).code).toBe('BAD_REPO_URL');
    const env = await hermeticEnv(base.dir);
    await expect(listRemoteTags(url, { env })).rejects.toMatchObject({ code: 'BAD_REPO_URL', exitCode: 2 });
    expect(await exists(marker)).toBe(false);
  });

  it('is refused by git when a hostile config rewrites an accepted URL to ext::', async () => {
    const home = join(base.dir, 'hostile');
    await mkdir(home);
    const marker = join(home, 'pwned');
    // Allows ext and rewrites https://pwn.invalid/... into a command that creates the marker.
    const env = await hermeticEnv(
      home,
      `[protocol "ext"]\n\tallow = always\n[url "ext::sh -c touch% ${marker};:% "]\n\tinsteadOf = https://pwn.invalid/\n`,
    );
    // Control: plain git with this config does run the command.
    await execa('git', ['ls-remote', 'https://pwn.invalid/x.git'], { env, cwd: home, reject: false });
    expect(await exists(marker)).toBe(true);
    await execa('rm', [marker]);

    const e = await listRemoteTags('https://pwn.invalid/x.git', { env }).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'REMOTE_UNREACHABLE', exitCode: 1 });
    expect((e as Error).message).toMatch(/transport 'ext' not allowed/);
    expect(await exists(marker)).toBe(false);
  });
});
