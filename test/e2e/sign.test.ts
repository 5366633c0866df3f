// `build --sign-key` end to end on the fixture, with cosign (pinned, test/support/cosign.ts) as the
// independent verifier: a wrong password stops the build before anything is cloned; a current image
// gets its signatures without compiling again, in a registry and in an OCI layout; a fresh build is
// signed as it is published, with a key cosign generated; `verify --key` agrees with cosign.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuildSummary } from '../../src/pipeline/build.js';
import { buildEnv, CLI, type CliResult, json, vc } from '../support/cli.js';
import { cosign } from '../support/cosign.js';
import { createFixtureRepo, type FixtureRepo } from '../support/fixture.js';
import { runOnPty } from '../support/pty.js';
import { skopeo, startRegistry, type TestRegistry } from '../support/registry.js';

let work: string;
let repo: FixtureRepo;
let registry: TestRegistry;
let env: Record<string, string>;
const PASSWORD = 'e2e-sign-Pa55-4471';
const COSIGN_KEY_PASSWORD = 'e2e-cosign-Pa55-9920';
const outputs: string[] = [];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vc-sign-e2e-'));
  [repo, registry] = await Promise.all([
    createFixtureRepo(join(work, 'repo')),
    startRegistry({ auth: 'none' }),
  ]);
  env = buildEnv(work);
  const k = await vc(['keygen', '--output-prefix', join(work, 'cosign')], {
    env: { ...env, COSIGN_PASSWORD: PASSWORD },
  });
  expect(k.exitCode, k.stderr).toBe(0);
});
afterAll(async () => {
  await registry?.stop();
  await rm(work, { recursive: true, force: true });
});

async function run(args: string[], password?: string): Promise<CliResult> {
  const r = await vc(args, {
    env: { ...env, ...(password === undefined ? {} : { COSIGN_PASSWORD: password }) },
  });
  outputs.push(r.stdout, r.stderr);
  return r;
}

const build = (version: string, args: string[], password?: string) =>
  run(
    [
      'build',
      '--repo',
      repo.url,
      '--version',
      version,
      '--platforms',
      'linux/amd64,linux/arm64',
      ...args,
      '--json',
    ],
    password,
  );

async function cosignVerify(ref: string, pub = join(work, 'cosign.pub')) {
  const r = await cosign(['verify', '--key', pub, '--insecure-ignore-tlog', '--allow-http-registry', ref]);
  outputs.push(r.stdout, r.stderr);
  return r;
}

/** The index and platform manifest digests under a registry tag (skopeo, the independent reader). */
async function digests(ref: string): Promise<string[]> {
  const raw = await skopeo(['inspect', '--raw', `docker://${ref}`]);
  expect(raw.exitCode, raw.stderr).toBe(0);
  const index = JSON.parse(raw.stdout) as { manifests: { digest: string }[] };
  const top = await skopeo(['inspect', '--format', '{{.Digest}}', `docker://${ref}`]);
  return [top.stdout.trim(), ...index.manifests.map((m) => m.digest)];
}

describe('build --sign-key', () => {
  it('a wrong password is exit 2 before anything is cloned or compiled', async () => {
    const r = await build(
      'v1.9.3',
      ['--push', `${registry.host}/coredns`, '--sign-key', join(work, 'cosign.key')],
      'not-it',
    );
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`error: wrong password for ${join(work, 'cosign.key')}\n`);
    expect(r.stderr).not.toMatch(/clon|checkout|building|compil/i);
    expect(JSON.parse(r.stdout).error.code).toBe('BAD_KEY');
    expect(
      (await skopeo(['inspect', '--raw', `docker://${registry.host}/coredns:v1.9.3`])).exitCode,
    ).not.toBe(0);
  });

  it('on a terminal the password is asked without echo; a wrong one is exit 2 before the clone', async () => {
    const typed = 'typed-wrong-Pa55-3307';
    const r = await runOnPty(
      [
        process.execPath,
        CLI,
        'build',
        '--repo',
        repo.url,
        '--version',
        'v1.9.3',
        '--push',
        `${registry.host}/tty`,
        '--sign-key',
        join(work, 'cosign.key'),
      ],
      [{ waitFor: `Enter password for ${join(work, 'cosign.key')}: `, send: `${typed}\r` }],
      {
        cwd: work,
        env: { ...env, PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: work, TERM: 'dumb', NO_COLOR: '1' },
      },
    );
    outputs.push(r.screen);
    expect(r.exitCode, r.screen).toBe(2);
    expect(r.screen).toContain(`error: wrong password for ${join(work, 'cosign.key')}`);
    expect(r.screen).not.toContain(typed);
    expect(r.screen).not.toMatch(/clon|checkout|building/i);
  });

  it('--sign-key with no output that keeps signatures is bad input', async () => {
    const r = await build(
      'v1.9.3',
      ['--output', `docker-archive:${join(work, 'x.tar')}`, '--sign-key', join(work, 'cosign.key')],
      PASSWORD,
    );
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(
      'error: --sign-key signs images in a registry or an OCI layout, and this build writes to neither\n',
    );
  });

  it('adding --sign-key to a current image signs it (registry and OCI layout) without compiling again', async () => {
    const targets = ['--push', `${registry.host}/coredns`, '--output', `oci:${join(work, 'oci')}`];
    const first = await build('v1.9.3', targets);
    expect(first.exitCode, first.stderr).toBe(0);
    const unsigned = await cosignVerify(`${registry.host}/coredns:v1.9.3`);
    expect(unsigned.exitCode).not.toBe(0);
    const noSig = await run([
      'verify',
      `${registry.host}/coredns:v1.9.3`,
      '--key',
      join(work, 'cosign.pub'),
      '--json',
    ]);
    expect(noSig.exitCode).toBe(1);
    expect(JSON.parse(noSig.stdout).signature).toMatchObject({ present: false, ok: false });

    const signed = await build('v1.9.3', [...targets, '--sign-key', join(work, 'cosign.key')], PASSWORD);
    expect(signed.exitCode, signed.stderr).toBe(0);
    expect(json<BuildSummary>(signed).builds.map((b) => b.skipped)).toEqual([true]);
    expect(signed.stderr).not.toMatch(/checkout|building/);
    expect(signed.stderr).toContain(`v1.9.3: signed in ${registry.host}/coredns (3 signature manifests)`);

    // cosign accepts the index and each platform manifest
    for (const d of await digests(`${registry.host}/coredns:v1.9.3`)) {
      const r = await cosignVerify(`${registry.host}/coredns@${d}`);
      expect(r.exitCode, `${d}: ${r.stderr}`).toBe(0);
    }
    const v = await run([
      'verify',
      `${registry.host}/coredns:v1.9.3`,
      '--key',
      join(work, 'cosign.pub'),
      '--json',
    ]);
    expect(v.exitCode, v.stderr).toBe(0);
    expect(JSON.parse(v.stdout).signature).toEqual({ present: true, ok: true, problems: [] });

    // the OCI layout: the same manifests under sha256-<hex>.sig, which verify reads and skopeo copies
    const index = JSON.parse(await readFile(join(work, 'oci', 'index.json'), 'utf8')) as {
      manifests: { annotations?: Record<string, string> }[];
    };
    const names = index.manifests.map((m) => m.annotations?.['org.opencontainers.image.ref.name']);
    expect(names.filter((n) => n?.endsWith('.sig'))).toHaveLength(3);
    const lv = await run([
      'verify',
      `oci:${join(work, 'oci')}:v1.9.3`,
      '--key',
      join(work, 'cosign.pub'),
      '--json',
    ]);
    expect(lv.exitCode, lv.stderr).toBe(0);
    expect(JSON.parse(lv.stdout).signature).toEqual({ present: true, ok: true, problems: [] });
    for (const n of [...names.filter((x) => x?.endsWith('.sig')), 'v1.9.3']) {
      const c = await skopeo([
        'copy',
        '--all',
        `oci:${join(work, 'oci')}:${n}`,
        `docker://${registry.host}/from-layout:${n}`,
      ]);
      expect(c.exitCode, c.stderr).toBe(0);
    }
    const fromLayout = await cosignVerify(`${registry.host}/from-layout:v1.9.3`);
    expect(fromLayout.exitCode, fromLayout.stderr).toBe(0);

    // a third run finds everything signed: nothing written
    const again = await build('v1.9.3', [...targets, '--sign-key', join(work, 'cosign.key')], PASSWORD);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stderr).toContain(`v1.9.3: ${registry.host}/coredns is signed by this key already`);
  });

  it('a fresh build is signed as it is published, with a key cosign generate-key-pair made', async () => {
    const g = await cosign(['generate-key-pair', '--output-key-prefix', join(work, 'theirs')], {
      password: COSIGN_KEY_PASSWORD,
    });
    expect(g.exitCode, g.stderr).toBe(0);
    const r = await build(
      'v1.7.1',
      ['--push', `${registry.host}/coredns`, '--sign-key', join(work, 'theirs.key')],
      COSIGN_KEY_PASSWORD,
    );
    expect(r.exitCode, r.stderr).toBe(0);
    expect(json<BuildSummary>(r).builds.map((b) => b.skipped)).toEqual([false]);
    const ok = await cosignVerify(`${registry.host}/coredns:v1.7.1`, join(work, 'theirs.pub'));
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect((await cosignVerify(`${registry.host}/coredns:v1.7.1`)).exitCode).not.toBe(0); // our other key
    // the build's provenance (index) and SBOMs (each platform) are signed DSSE attestations too
    const att = await cosign([
      'verify-attestation',
      '--key',
      join(work, 'theirs.pub'),
      '--type',
      'slsaprovenance1',
      '--insecure-ignore-tlog',
      '--allow-http-registry',
      `${registry.host}/coredns:v1.7.1`,
    ]);
    outputs.push(att.stdout, att.stderr);
    expect(att.exitCode, att.stderr).toBe(0);
    const [amd64] = (await digests(`${registry.host}/coredns:v1.7.1`)).slice(1);
    const sbom = await cosign([
      'verify-attestation',
      '--key',
      join(work, 'theirs.pub'),
      '--type',
      'cyclonedx',
      '--insecure-ignore-tlog',
      '--allow-http-registry',
      `${registry.host}/coredns@${amd64}`,
    ]);
    outputs.push(sbom.stdout, sbom.stderr);
    expect(sbom.exitCode, sbom.stderr).toBe(0);
    const v = await run(['verify', `${registry.host}/coredns:v1.7.1`, '--key', join(work, 'theirs.pub')]);
    expect(v.exitCode, v.stderr).toBe(0);
    expect(v.stdout).toContain('signature: ok\n');
  });

  it('no password and no key in any output', async () => {
    const keys = await Promise.all(['cosign.key', 'theirs.key'].map((f) => readFile(join(work, f), 'utf8')));
    expect(outputs.length).toBeGreaterThan(10);
    for (const out of outputs) {
      expect(out).not.toContain(PASSWORD);
      expect(out).not.toContain(COSIGN_KEY_PASSWORD);
      for (const k of keys) expect(out).not.toContain(k.split('\n')[1]);
    }
  });
});
