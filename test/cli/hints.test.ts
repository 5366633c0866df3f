// Hints that point the right way: the default repository unreachable, an OCI layout that is not there,
// a registry reference without a tag, a path given where a reference belongs.

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vc } from '../support/cli.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';

let work: string;
let registry: TestRegistry;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vc-hints-'));
  registry = await startRegistry({ auth: 'none' });
  // a layout with one tag, v1.9.3 (verify reads index.json before any blob)
  await mkdir(join(work, 'dist/oci'), { recursive: true });
  await writeFile(join(work, 'dist/oci/oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  await writeFile(
    join(work, 'dist/oci/index.json'),
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.index.v1+json',
          digest: `sha256:${'0'.repeat(64)}`,
          size: 2,
          annotations: { 'org.opencontainers.image.ref.name': 'v1.9.3' },
        },
      ],
    }),
  );
});
afterAll(async () => {
  await registry?.stop();
  await rm(work, { recursive: true, force: true });
});

const lines = (stderr: string) => stderr.trimEnd().split('\n');

describe('hints', () => {
  it('GitHub unreachable without --repo names --repo and VC_COREDNS_REPO', async () => {
    // git's own insteadOf sends GitHub to a path that does not exist: unreachable, offline or not
    const gitconfig = join(work, 'gitconfig');
    await writeFile(gitconfig, '[url "file:///nonexistent/"]\n\tinsteadOf = https://github.com/\n');
    for (const args of [['versions'], ['matrix'], ['build', '--version', 'v1.9.3']]) {
      const r = await vc(args, {
        cwd: work,
        env: { GIT_CONFIG_GLOBAL: gitconfig, VC_COREDNS_CACHE: join(work, 'c') },
      });
      expect(r.exitCode, r.stderr).toBe(1);
      expect(r.stderr).toContain('error: cannot list the tags of https://github.com/coredns/coredns.git');
      expect(r.stderr).toContain(
        'hint: GitHub, the default repository, cannot be reached from here: give another with --repo URL or VC_COREDNS_REPO',
      );
    }
  });

  it('verify oci:./nonexistent:TAG says there is no OCI layout there (exit 2)', async () => {
    const r = await vc(['verify', 'oci:./nonexistent:v1.9.3'], { cwd: work });
    expect(r.exitCode).toBe(2);
    expect(lines(r.stderr)[0]).toBe('error: no OCI layout at ./nonexistent');
  });

  it('verify of a tag a layout does not have lists the tags it has', async () => {
    const r = await vc(['verify', 'oci:./dist/oci:v1.9.4'], { cwd: work });
    expect(r.exitCode).toBe(1);
    expect(lines(r.stderr)).toEqual([
      'error: the OCI layout ./dist/oci has no tag v1.9.4',
      'hint: its tags: v1.9.3',
    ]);
  });

  it('verify host/repo without a tag names the tag it tried', async () => {
    const r = await vc(['verify', `${registry.host}/coredns`]);
    expect(r.exitCode).toBe(1);
    expect(lines(r.stderr)).toEqual([
      `error: ${registry.host}/coredns:latest does not exist`,
      `hint: no tag was given, so latest was tried: name the tag, e.g. ${registry.host}/coredns:v1.9.3`,
    ]);
  });

  it('verify ./dist/oci:v1.9.3 (and dist/oci:v1.9.3 where that is a layout) suggests oci:', async () => {
    const r = await vc(['verify', './dist/oci:v1.9.3'], { cwd: work });
    expect(r.exitCode).toBe(2);
    expect(lines(r.stderr)).toEqual([
      'error: ./dist/oci:v1.9.3 is a path, not an image reference',
      'hint: to name an OCI layout write oci:./dist/oci:v1.9.3',
    ]);
    const bare = await vc(['verify', 'dist/oci:v1.9.3'], { cwd: work });
    expect(bare.exitCode).toBe(2);
    expect(lines(bare.stderr)).toEqual([
      'error: dist/oci:v1.9.3 is a path to an OCI layout, not an image reference',
      'hint: to name an OCI layout write oci:dist/oci:v1.9.3 (for the Docker Hub image write docker.io/dist/oci:v1.9.3)',
    ]);
  });
});
