// Skip-if-current and verify against damaged targets, as users run them (issue 9's reproductions): a
// layer of an OCI layout whose bytes no longer match its digest, a blob lost from a registry's storage,
// and --also-tag on a version that is skipped.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuildSummary } from '../../src/pipeline/build.js';
import { buildEnv, type CliResult, json, vc } from '../support/cli.js';
import { createFixtureRepo, type FixtureRepo } from '../support/fixture.js';
import { skopeo, startRegistry, type TestRegistry } from '../support/registry.js';

let work: string;
let repo: FixtureRepo;
let registry: TestRegistry;
let env: Record<string, string>;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vc-currency-'));
  [repo, registry] = await Promise.all([
    createFixtureRepo(join(work, 'repo')),
    startRegistry({ auth: 'none' }),
  ]);
  env = buildEnv(work);
});
afterAll(async () => {
  await registry?.stop();
  await rm(work, { recursive: true, force: true });
});

const build = (args: string[]): Promise<CliResult> =>
  vc(['build', '--repo', repo.url, '--version', 'v1.9.3', '--platforms', 'linux/amd64', ...args, '--json'], {
    env,
  });

function summary(r: CliResult): BuildSummary {
  expect(r.exitCode, r.stderr).toBe(0);
  return json<BuildSummary>(r);
}

/** The blob of the image's /coredns layer: the last layer of its (only) platform manifest. */
async function coreDnsLayer(readBlob: (digest: string) => Promise<Uint8Array>, index: string) {
  const top = JSON.parse(new TextDecoder().decode(await readBlob(index)));
  const manifest = JSON.parse(new TextDecoder().decode(await readBlob(top.manifests[0].digest)));
  return manifest.layers.at(-1).digest as string;
}

describe('an OCI layout whose layer no longer matches its digest', () => {
  const dir = () => join(work, 'oci');
  const blob = (digest: string) => join(dir(), 'blobs/sha256', digest.slice('sha256:'.length));

  it('verify exits 1 naming the blob; a rebuild says so and writes the image again', async () => {
    const first = summary(await build(['--output', `oci:${dir()}`]));
    const digest = first.builds[0]?.digest as string;
    const layer = await coreDnsLayer(async (d) => readFile(blob(d)), digest);

    // One byte of the gzip trailer (its CRC): still a valid gzip stream for most readers.
    const bytes = await readFile(blob(layer));
    bytes[bytes.length - 6] = (bytes[bytes.length - 6] as number) ^ 0x01;
    await writeFile(blob(layer), bytes);
    const copy = await skopeo(['copy', `oci:${dir()}:v1.9.3`, `oci:${join(work, 'copy')}:v1.9.3`]);
    expect(copy.exitCode).not.toBe(0);
    expect(copy.stderr).toMatch(/[Dd]igest did not match/);

    const verify = await vc(['verify', `oci:${dir()}:v1.9.3`, '--json'], { env });
    expect(verify.exitCode).toBe(1);
    const error = json<{ error: { code: string; message: string } }>(verify).error;
    expect(error.code).toBe('DIGEST_MISMATCH');
    expect(error.message).toBe(
      `oci:${dir()}:v1.9.3: layer 2 of 2 (linux/amd64) ${layer} does not match its digest ` +
        `(its bytes hash to ${error.message.match(/hash to (sha256:[0-9a-f]{12})/)?.[1]})`,
    );
    expect(verify.stderr).toContain(`error: ${error.message}`);

    const again = await build(['--output', `oci:${dir()}`]);
    const s = summary(again);
    expect(s.builds.map((b) => [b.skipped, b.digest])).toEqual([[false, digest]]);
    expect(again.stderr).toContain(`warning: v1.9.3: ${error.message}; building it again`);
    expect((await vc(['verify', `oci:${dir()}:v1.9.3`], { env })).exitCode).toBe(0);
    expect(summary(await build(['--output', `oci:${dir()}`])).builds[0]?.skipped).toBe(true);
  });
});

describe('a registry that lost a blob of the current image', () => {
  const image = () => `${registry.host}/lost`;
  const storage = (digest: string) => {
    const hex = digest.slice('sha256:'.length);
    return join(registry.dir, 'storage/docker/registry/v2/blobs/sha256', hex.slice(0, 2), hex, 'data');
  };

  it('is not skipped: the image is pushed again', async () => {
    const first = summary(await build(['--push', image()]));
    const digest = first.builds[0]?.digest as string;
    const layer = await coreDnsLayer(async (d) => readFile(storage(d)), digest);
    await rm(storage(layer));
    expect(
      (await skopeo(['copy', `docker://${image()}:v1.9.3`, `oci:${join(work, 'lost-copy')}:x`])).exitCode,
    ).not.toBe(0);

    const again = await build(['--push', image()]);
    expect(summary(again).builds.map((b) => [b.skipped, b.digest])).toEqual([[false, digest]]);
    expect(again.stderr).toContain(
      `warning: v1.9.3: ${image()}:v1.9.3 names layer ${layer.slice(0, 19)}, which the registry no longer has; building it again`,
    );
    const copy = await skopeo(['copy', `docker://${image()}:v1.9.3`, `oci:${join(work, 'lost-copy')}:x`]);
    expect(copy.exitCode, copy.stderr).toBe(0);
    expect(summary(await build(['--push', image()])).builds[0]?.skipped).toBe(true);
  });
});

describe('--also-tag and --tag-suffix on a version that is skipped', () => {
  it('a registry gets the other tag without a rebuild', async () => {
    const image = `${registry.host}/also`;
    const first = summary(await build(['--push', image]));
    const digest = first.builds[0]?.digest as string;
    const again = await build(['--push', image, '--also-tag', 'latest']);
    const s = summary(again);
    expect(s.builds).toEqual([
      expect.objectContaining({
        skipped: true,
        digest,
        refs: [`${image}:v1.9.3@${digest}`, `${image}:latest@${digest}`],
      }),
    ]);
    expect(again.stderr).not.toMatch(/cloning|reusing|building/);
    const raw = await skopeo(['inspect', '--raw', `docker://${image}:latest`]);
    expect(raw.exitCode, raw.stderr).toBe(0);
    expect(raw.stdout).toBe((await skopeo(['inspect', '--raw', `docker://${image}:v1.9.3`])).stdout);
  });

  it('an OCI layout gets the suffixed tag and the other tag, skipped the second time', async () => {
    const dir = join(work, 'oci-tags');
    const first = summary(await build(['--output', `oci:${dir}`, '--tag-suffix', '-vc1']));
    expect(first.builds[0]?.refs).toEqual([`oci:${dir}:v1.9.3-vc1`]);
    const digest = first.builds[0]?.digest;
    const again = summary(
      await build(['--output', `oci:${dir}`, '--tag-suffix', '-vc1', '--also-tag', 'stable']),
    );
    expect(again.builds).toEqual([
      expect.objectContaining({
        skipped: true,
        digest,
        refs: [`oci:${dir}:v1.9.3-vc1`, `oci:${dir}:stable`],
      }),
    ]);
    const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8'));
    // (the referrers tag `sha256-<hex>` of the image's SBOM and provenance aside)
    expect(
      index.manifests
        .map((d: { digest: string; annotations: Record<string, string> }) => [
          d.annotations['org.opencontainers.image.ref.name'],
          d.digest,
        ])
        .filter(([name]: string[]) => !name?.startsWith('sha256-')),
    ).toEqual([
      ['stable', digest],
      ['v1.9.3-vc1', digest],
    ]);
  });
});
