// cosign, the independent verifier (pinned release, see test/support/cosign.ts), against images that
// vc-coredns signed in Debian's registry, and vc-coredns against what cosign signed: its own `.sig`
// format and the sigstore bundles cosign 3 attaches by default. Keys from either side serve the other.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registrySink } from '../../src/publish/registry.js';
import { anonymous, RegistryClient } from '../../src/registry/index.js';
import { parseRef } from '../../src/registry/ref.js';
import { readRemoteImage } from '../../src/registry/remote-image.js';
import { cosignArtifact, type SignatureLayer, signatureTag } from '../../src/sign/cosign-manifest.js';
import { readPrivateKey, readPublicKey, type SigningKey } from '../../src/sign/keys.js';
import { registrySignatureStore } from '../../src/sign/registry-store.js';
import { dockerReference } from '../../src/sign/simple-signing.js';
import { CYCLONEDX_PREDICATE, SLSA_PROVENANCE_PREDICATE } from '../../src/sign/statement.js';
import { imageDigests, signImage, verifySignatures } from '../../src/sign/store.js';
import { vc } from '../support/cli.js';
import { cosign, ensureCosign } from '../support/cosign.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { makeTestIndex } from '../support/test-image.js';

let work: string;
let registry: TestRegistry;
let client: RegistryClient;
/** every password the tests use: none may appear in any output */
const PASSWORD = 'vc-test-Pa55word-7f3a';
const OTHER_PASSWORD = 'vc-other-Pa55word-91c2';
const outputs: string[] = [];

const http = ['--allow-http-registry', '--allow-insecure-registry'];
const noTlog = ['--insecure-ignore-tlog'];

async function run(args: string[], password = PASSWORD) {
  const r = await cosign(args, { password, cwd: work });
  outputs.push(r.stdout, r.stderr);
  return r;
}

/** A fresh two-platform image under `repo:tag`; returns `repo@digest`. */
async function pushImage(repo: string, tag = 'v1'): Promise<string> {
  const index = makeTestIndex({ layerSize: 512 });
  await registrySink(`${registry.host}/${repo}`, client).write(index, tag);
  return `${registry.host}/${repo}@${index.digest}`;
}

async function digestsOf(ref: string) {
  const parsed = parseRef(ref);
  const image = await readRemoteImage(client, parsed, parsed.digest ?? parsed.tag ?? 'latest', {
    layers: false,
  });
  if (!image) throw new Error(`${ref} is not in the registry`);
  const repo = client.repository(parsed, { push: true });
  return {
    repo,
    store: registrySignatureStore(repo),
    image: imageDigests(dockerReference(parsed), image),
    remote: image,
  };
}

async function ourSign(ref: string, key: SigningKey, statements: Uint8Array[] = []) {
  const { store, image } = await digestsOf(ref);
  return signImage(store, image, key, statements);
}

async function ourVerify(ref: string, pubFile = 'cosign.pub') {
  const { store, image } = await digestsOf(ref);
  const key = readPublicKey(await readFile(join(work, pubFile), 'utf8'), pubFile);
  return verifySignatures(store, image, key);
}

let ourKey: SigningKey;

beforeAll(async () => {
  await ensureCosign();
  work = await mkdtemp(join(tmpdir(), 'vc-cosign-'));
  registry = await startRegistry();
  client = new RegistryClient({ credentials: anonymous });
  const r = await vc(['keygen'], { cwd: work, env: { COSIGN_PASSWORD: PASSWORD } });
  outputs.push(r.stdout, r.stderr);
  expect(r.exitCode, r.stderr).toBe(0);
  ourKey = await readPrivateKey(await readFile(join(work, 'cosign.key'), 'utf8'), PASSWORD, 'cosign.key');
});

afterAll(async () => {
  await registry?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('keys', () => {
  it('cosign opens a key vc-coredns made, and finds the same public key', async () => {
    const r = await run(['public-key', '--key', 'cosign.key', '--outfile', 'from-cosign.pub']);
    expect(r.exitCode, r.stderr).toBe(0);
    const theirs = readPublicKey(await readFile(join(work, 'from-cosign.pub'), 'utf8'), 'from-cosign.pub');
    expect(theirs.equals(ourKey.publicKey)).toBe(true);
    const wrong = await run(['public-key', '--key', 'cosign.key'], 'not-the-password');
    expect(wrong.exitCode).not.toBe(0);
  });

  it('vc-coredns opens a key cosign generate-key-pair made', async () => {
    const r = await run(['generate-key-pair', '--output-key-prefix', 'theirs'], OTHER_PASSWORD);
    expect(r.exitCode, r.stderr).toBe(0);
    const text = await readFile(join(work, 'theirs.key'), 'utf8');
    expect(text).toContain('-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----');
    const key = await readPrivateKey(text, OTHER_PASSWORD, 'theirs.key');
    const pub = readPublicKey(await readFile(join(work, 'theirs.pub'), 'utf8'), 'theirs.pub');
    expect(key.publicKey.equals(pub)).toBe(true);
  });
});

describe('cosign verify accepts what vc-coredns signed, and refuses the rest', () => {
  let signed: string;

  beforeAll(async () => {
    signed = await pushImage('signed');
    const refs = await ourSign(signed, ourKey);
    expect(refs).toHaveLength(3); // the index and two platforms
  });

  it('accepts the index and each platform manifest; vc-coredns agrees', async () => {
    const { remote } = await digestsOf(signed);
    for (const ref of [
      signed,
      `${registry.host}/signed:v1`,
      ...remote.images.map((i) => `${registry.host}/signed@${i.descriptor.digest}`),
    ]) {
      const r = await run(['verify', '--key', 'cosign.pub', ...noTlog, ...http, ref]);
      expect(r.exitCode, `${ref}: ${r.stderr}`).toBe(0);
      const [claims] = JSON.parse(r.stdout);
      expect(claims.critical.identity['docker-reference']).toBe(`${registry.host}/signed`);
    }
    expect(await ourVerify(signed)).toMatchObject({ present: true, ok: true, problems: [] });
  });

  it('refuses an unsigned image', async () => {
    const unsigned = await pushImage('unsigned');
    const r = await run(['verify', '--key', 'cosign.pub', ...noTlog, ...http, unsigned]);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(/no signatures found|no matching signatures/i);
    expect(await ourVerify(unsigned)).toMatchObject({ present: false, ok: false });
  });

  it('refuses an image signed with another key', async () => {
    const ref = await pushImage('other-key');
    const theirs = await readPrivateKey(
      await readFile(join(work, 'theirs.key'), 'utf8'),
      OTHER_PASSWORD,
      'theirs.key',
    );
    await ourSign(ref, theirs);
    const r = await run(['verify', '--key', 'cosign.pub', ...noTlog, ...http, ref]);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(/no matching signatures/i);
    expect(await ourVerify(ref)).toMatchObject({ present: true, ok: false });
    const good = await run(['verify', '--key', 'theirs.pub', ...noTlog, ...http, ref]);
    expect(good.exitCode, good.stderr).toBe(0);
  });

  it('refuses an image whose signature layer was altered', async () => {
    const ref = await pushImage('altered');
    await ourSign(ref, ourKey);
    const { store, image } = await digestsOf(ref);
    const tag = signatureTag(image.digests[0]?.digest ?? '');
    const [layer] = (await store.layers(tag)) as SignatureLayer[];
    // the payload now claims another repository; the signature annotation stays as it was
    const text = Buffer.from(layer?.bytes ?? [])
      .toString()
      .replace('/altered"', '/elsewhere"');
    const altered: SignatureLayer = { ...(layer as SignatureLayer), bytes: new TextEncoder().encode(text) };
    await store.write([cosignArtifact(tag, [altered])]);
    const r = await run(['verify', '--key', 'cosign.pub', ...noTlog, ...http, ref]);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(/invalid signature|no matching signatures/i);
    const ours = await ourVerify(ref);
    expect(ours.ok).toBe(false);
    expect(ours.problems[0]).toMatch(/^index \(sha256:[0-9a-f]{12}\) has no signature by this key/);
  });

  it('refuses a tag moved to an unsigned digest', async () => {
    const first = await pushImage('moved', 'v1');
    await ourSign(first, ourKey);
    const ok = await run(['verify', '--key', 'cosign.pub', ...noTlog, ...http, `${registry.host}/moved:v1`]);
    expect(ok.exitCode, ok.stderr).toBe(0);
    await pushImage('moved', 'v1'); // same tag, new unsigned index
    const r = await run(['verify', '--key', 'cosign.pub', ...noTlog, ...http, `${registry.host}/moved:v1`]);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(/no signatures found/i);
    expect((await ourVerify(`${registry.host}/moved:v1`)).ok).toBe(false);
  });
});

describe('attestations: DSSE envelopes in .att, as cosign attest writes them', () => {
  it('cosign verify-attestation accepts the SBOM and provenance statements vc-coredns signed', async () => {
    const ref = await pushImage('attested');
    const { image } = await digestsOf(ref);
    const all = image.digests.map((d) => d.digest);
    const statement = (predicateType: string, predicate: unknown) =>
      new TextEncoder().encode(
        JSON.stringify({
          _type: 'https://in-toto.io/Statement/v1',
          subject: all.map((d) => ({ name: `${registry.host}/attested`, digest: { sha256: d.slice(7) } })),
          predicateType,
          predicate,
        }),
      );
    await ourSign(ref, ourKey, [
      statement(CYCLONEDX_PREDICATE, { bomFormat: 'CycloneDX', specVersion: '1.6', components: [] }),
      statement(SLSA_PROVENANCE_PREDICATE, { buildDefinition: { buildType: 'test' }, runDetails: {} }),
    ]);
    for (const type of ['cyclonedx', 'slsaprovenance1']) {
      const r = await run([
        'verify-attestation',
        '--key',
        'cosign.pub',
        '--type',
        type,
        ...noTlog,
        ...http,
        ref,
      ]);
      expect(r.exitCode, `${type}: ${r.stderr}`).toBe(0);
    }
    const report = await ourVerify(ref);
    expect(report.ok).toBe(true);
    expect(
      report.attestations.filter((a) => a.digest === image.digests[0]?.digest).map((a) => a.predicateType),
    ).toEqual([CYCLONEDX_PREDICATE, SLSA_PROVENANCE_PREDICATE]);
    const wrongKey = await run([
      'verify-attestation',
      '--key',
      'theirs.pub',
      '--type',
      'cyclonedx',
      ...noTlog,
      ...http,
      ref,
    ]);
    expect(wrongKey.exitCode).not.toBe(0);
  });
});

describe('vc-coredns verifies what cosign signed, in both formats', () => {
  const sign = (ref: string, extra: string[]) =>
    run([
      'sign',
      '--key',
      'cosign.key',
      '--tlog-upload=false',
      '--use-signing-config=false',
      '--recursive',
      '--yes',
      ...http,
      ...extra,
      ref,
    ]);

  it("cosign 3's default: sigstore bundles as OCI 1.1 referrers (the referrers tag on this registry)", async () => {
    const ref = await pushImage('cosign-bundle');
    const r = await sign(ref, []);
    expect(r.exitCode, r.stderr).toBe(0);
    const { repo, image } = await digestsOf(ref);
    // no .sig tag: the signature lives among the referrers
    expect(await repo.headManifest(signatureTag(image.digests[0]?.digest ?? ''))).toBeNull();
    const report = await ourVerify(ref);
    expect(report).toMatchObject({ present: true, ok: true, problems: [] });
    expect(report.signed.map((s) => s.formats)).toEqual([['bundle'], ['bundle'], ['bundle']]);
    const other = await ourVerify(ref, 'theirs.pub');
    expect(other).toMatchObject({ present: true, ok: false });
  });

  it('the .sig format (--new-bundle-format=false), as cosign 2 and vc-coredns write it', async () => {
    const ref = await pushImage('cosign-sig');
    const r = await sign(ref, ['--new-bundle-format=false']);
    expect(r.exitCode, r.stderr).toBe(0);
    const report = await ourVerify(ref);
    expect(report).toMatchObject({ present: true, ok: true, problems: [] });
    expect(report.signed.map((s) => s.formats)).toEqual([['sig'], ['sig'], ['sig']]);
    // vc-coredns writes the very bytes cosign writes for the same layers: manifest and config
    const { repo, store, image } = await digestsOf(ref);
    for (const { digest } of image.digests) {
      const tag = signatureTag(digest);
      const theirs = await repo.getManifest(tag);
      const ours = cosignArtifact(tag, (await store.layers(tag)) as SignatureLayer[]);
      expect(Buffer.from(ours.manifest.bytes).toString()).toBe(Buffer.from(theirs.bytes).toString());
    }
  });

  it('signatures cosign made and ours sit side by side; each verifies with its own key', async () => {
    const ref = await pushImage('both');
    expect((await sign(ref, ['--new-bundle-format=false'])).exitCode).toBe(0);
    const theirs = await readPrivateKey(
      await readFile(join(work, 'theirs.key'), 'utf8'),
      OTHER_PASSWORD,
      'theirs.key',
    );
    expect(await ourSign(ref, theirs)).toHaveLength(3);
    expect(await ourSign(ref, ourKey)).toEqual([]); // cosign's signature by our key is already there
    for (const pub of ['cosign.pub', 'theirs.pub']) {
      const r = await run(['verify', '--key', pub, ...noTlog, ...http, ref]);
      expect(r.exitCode, r.stderr).toBe(0);
      expect((await ourVerify(ref, pub)).ok).toBe(true);
    }
  });
});

describe('vc-coredns verify --key', () => {
  it('adds signature {present, ok, problems} to --json and fails the run when it does not verify', async () => {
    const signed = `${registry.host}/signed:v1`;
    const ok = await vc(['verify', signed, '--key', join(work, 'cosign.pub'), '--json']);
    outputs.push(ok.stdout, ok.stderr);
    // the test image is not a vc-coredns build, so verify fails on that: the signature part still reports
    expect(ok.exitCode).toBe(1);
    expect(JSON.parse(ok.stdout).signature).toEqual({ present: true, ok: true, problems: [] });
    const other = await vc([
      'verify',
      `${registry.host}/other-key:v1`,
      '--key',
      join(work, 'cosign.pub'),
      '--json',
    ]);
    outputs.push(other.stdout, other.stderr);
    const sig = JSON.parse(other.stdout).signature;
    expect(sig).toMatchObject({ present: true, ok: false });
    expect(sig.problems[0]).toMatch(
      /^index \(sha256:[0-9a-f]{12}\) has no signature by this key: 1 signature, none by this key$/,
    );
    expect(other.stderr).toContain('problem: signature: index (sha256:');
  });

  it('a missing or unreadable key is bad input, before the registry is asked', async () => {
    const r = await vc(['verify', '127.0.0.1:1/nowhere:v1', '--key', join(work, 'missing.pub')]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe(
      `error: cannot read --key ${join(work, 'missing.pub')}: ENOENT\nhint: pass the cosign.pub of the signing key\n`,
    );
    const priv = await vc(['verify', '127.0.0.1:1/nowhere:v1', '--key', join(work, 'cosign.key')]);
    expect(priv.exitCode).toBe(2);
    expect(priv.stderr).toMatch(/^error: .*cosign.key holds no PUBLIC KEY block\n/);
    outputs.push(r.stderr, priv.stderr);
  });
});

describe('secrets', () => {
  it('no password and no private key in any output of either tool', async () => {
    const keyText = await readFile(join(work, 'cosign.key'), 'utf8');
    const body = keyText.split('\n').slice(1, 3).join('');
    await writeFile(join(work, 'outputs.txt'), outputs.join('\n'));
    for (const out of outputs) {
      expect(out).not.toContain(PASSWORD);
      expect(out).not.toContain(OTHER_PASSWORD);
      expect(out).not.toContain(body);
    }
    expect(outputs.length).toBeGreaterThan(20);
  });
});
