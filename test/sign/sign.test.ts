// Planning and checking signatures as values (cosign.test.ts does the same through a registry, with
// cosign on the other side).
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE_V03_MEDIA_TYPE } from '../../src/sign/bundle.js';
import {
  type Artifact,
  attestationTag,
  SIGNATURE_ANNOTATION,
  SIMPLE_SIGNING_MEDIA_TYPE,
  type SignatureLayer,
  signatureDescriptors,
  signatureTag,
} from '../../src/sign/cosign-manifest.js';
import { openEnvelope, pae, parseEnvelope, signEnvelope } from '../../src/sign/dsse.js';
import { generateKeyFiles, readPrivateKey, type SigningKey } from '../../src/sign/keys.js';
import { planAttestations, planSignatures, type SignTarget } from '../../src/sign/sign.js';
import { dockerReference, parseSimpleSigning } from '../../src/sign/simple-signing.js';
import {
  COSIGN_SIGN_PREDICATE,
  CYCLONEDX_PREDICATE,
  SLSA_PROVENANCE_PREDICATE,
} from '../../src/sign/statement.js';
import { checkSignatures, type SignatureEvidence } from '../../src/sign/verify.js';

const digest = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}`;
const INDEX = digest('index');
const AMD64 = digest('amd64');
const ARM64 = digest('arm64');
const target: SignTarget = { reference: '127.0.0.1:5000/coredns', digests: [INDEX, AMD64, ARM64] };

let key: SigningKey;
let other: SigningKey;

beforeAll(async () => {
  const a = await generateKeyFiles('pw');
  const b = await generateKeyFiles('pw');
  key = await readPrivateKey(a.privatePem, 'pw', 'a.key');
  other = await readPrivateKey(b.privatePem, 'pw', 'b.key');
});

/** The layers of a planned artifact, as a reader would find them under its tag. */
function layersOf(a: Artifact): SignatureLayer[] {
  const descriptors = signatureDescriptors(a.manifest.bytes) ?? [];
  return descriptors.map((d) => {
    const blob = a.blobs.find((b) => b.descriptor.digest === d.digest);
    if (!blob) throw new Error(`artifact ${a.tag} lacks blob ${d.digest}`);
    return { mediaType: d.mediaType, bytes: blob.bytes, annotations: d.annotations };
  });
}

function evidence(
  artifacts: Artifact[],
  bundles: Map<string, Uint8Array[]> = new Map(),
): SignatureEvidence[] {
  const byTag = new Map(artifacts.map((a) => [a.tag, layersOf(a)]));
  return target.digests.map((d, i) => ({
    digest: d,
    label: ['index', 'linux/amd64', 'linux/arm64'][i] ?? d,
    signatures: byTag.get(signatureTag(d)) ?? null,
    attestations: byTag.get(attestationTag(d)) ?? null,
    bundles: bundles.get(d) ?? [],
  }));
}

function statement(predicateType: string, subjects: string[]): Uint8Array {
  return new TextEncoder().encode(
    JSON.stringify({
      _type: 'https://in-toto.io/Statement/v1',
      subject: subjects.map((s) => ({ name: target.reference, digest: { sha256: s.slice(7) } })),
      predicateType,
      predicate: { made: 'by the test' },
    }),
  );
}

describe('simple signing, as cosign sign --recursive', () => {
  it('signs the index and each platform manifest with a payload naming digest and repository', () => {
    const artifacts = planSignatures(key, target, new Map());
    expect(artifacts.map((a) => a.tag)).toEqual(target.digests.map((d) => `sha256-${d.slice(7)}.sig`));
    const [layer] = layersOf(artifacts[1] as Artifact);
    expect(layer?.mediaType).toBe(SIMPLE_SIGNING_MEDIA_TYPE);
    expect(Buffer.from(layer?.bytes ?? []).toString()).toBe(
      `{"critical":{"identity":{"docker-reference":"127.0.0.1:5000/coredns"},"image":{"docker-manifest-digest":"${AMD64}"},"type":"cosign container image signature"},"optional":null}`,
    );
    const manifest = JSON.parse(Buffer.from((artifacts[0] as Artifact).manifest.bytes).toString());
    expect(manifest.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    expect(manifest.config.mediaType).toBe('application/vnd.oci.image.config.v1+json');
    expect(Object.keys(manifest.layers[0].annotations)).toEqual([SIGNATURE_ANNOTATION]);

    const report = checkSignatures(key.publicKey, target.reference, evidence(artifacts));
    expect(report).toMatchObject({ present: true, ok: true, problems: [] });
    expect(report.signed.map((s) => s.formats)).toEqual([['sig'], ['sig'], ['sig']]);
  });

  it('a signed image plans nothing; another key adds its layer beside the first', () => {
    const first = planSignatures(key, target, new Map());
    const existing = new Map(first.map((a) => [a.tag, layersOf(a)]));
    expect(planSignatures(key, target, existing)).toEqual([]);
    const second = planSignatures(other, target, existing);
    expect(second.map((a) => layersOf(a).length)).toEqual([2, 2, 2]);
    for (const k of [key, other])
      expect(checkSignatures(k.publicKey, target.reference, evidence(second)).ok).toBe(true);
  });

  it('refuses: unsigned, another key, an altered payload, a platform left unsigned, another repository', () => {
    const none = checkSignatures(key.publicKey, target.reference, evidence([]));
    expect(none).toMatchObject({ present: false, ok: false });
    expect(none.problems[0]).toBe(`index (${INDEX.slice(0, 19)}) is not signed`);

    const theirs = checkSignatures(
      key.publicKey,
      target.reference,
      evidence(planSignatures(other, target, new Map())),
    );
    expect(theirs).toMatchObject({ present: true, ok: false });
    expect(theirs.problems[0]).toBe(
      `index (${INDEX.slice(0, 19)}) has no signature by this key: 1 signature, none by this key`,
    );

    const artifacts = planSignatures(key, target, new Map());
    const ev = evidence(artifacts);
    const layer = ev[0]?.signatures?.[0] as SignatureLayer;
    const claims = parseSimpleSigning(layer.bytes);
    if (claims) claims.critical.image['docker-manifest-digest'] = AMD64;
    layer.bytes = new TextEncoder().encode(JSON.stringify(claims));
    const altered = checkSignatures(key.publicKey, target.reference, ev);
    expect(altered.ok).toBe(false);
    expect(altered.problems).toEqual([
      `index (${INDEX.slice(0, 19)}) has no signature by this key: 1 signature, none by this key`,
    ]);

    const missingArm = artifacts.filter((a) => a.tag !== signatureTag(ARM64));
    expect(checkSignatures(key.publicKey, target.reference, evidence(missingArm)).problems).toEqual([
      `linux/arm64 (${ARM64.slice(0, 19)}) is not signed`,
    ]);

    const elsewhere = checkSignatures(key.publicKey, '127.0.0.1:5000/other', evidence(artifacts));
    expect(elsewhere.problems[0]).toBe(
      `index (${INDEX.slice(0, 19)}) has no signature by this key: its signature by this key names 127.0.0.1:5000/coredns, not 127.0.0.1:5000/other`,
    );
  });

  it('names Docker Hub repositories as cosign does', () => {
    expect(dockerReference({ registry: 'docker.io', repository: 'library/coredns' })).toBe(
      'index.docker.io/library/coredns',
    );
    expect(dockerReference({ registry: 'ghcr.io', repository: 'acme/coredns' })).toBe('ghcr.io/acme/coredns');
  });
});

describe('attestations in DSSE envelopes', () => {
  it('PAE is DSSE v1 byte for byte', () => {
    expect(Buffer.from(pae('application/vnd.in-toto+json', new TextEncoder().encode('hé'))).toString()).toBe(
      'DSSEv1 28 application/vnd.in-toto+json 3 hé',
    );
    const env = signEnvelope(key.privateKey, new TextEncoder().encode('{}'));
    expect(openEnvelope(key.publicKey, env)).not.toBeNull();
    expect(openEnvelope(other.publicKey, env)).toBeNull();
    expect(openEnvelope(key.publicKey, { ...env, payloadType: 'text/plain' })).toBeNull();
  });

  it('each statement goes to the .att of every subject; re-planning is a no-op; a new one replaces ours', () => {
    const sbom = statement(CYCLONEDX_PREDICATE, [AMD64]);
    const provenance = statement(SLSA_PROVENANCE_PREDICATE, [INDEX, AMD64, ARM64]);
    const artifacts = planAttestations(key, target, [sbom, provenance], new Map());
    expect(artifacts.map((a) => [a.tag, layersOf(a).map((l) => l.annotations.predicateType)])).toEqual([
      [attestationTag(INDEX), [SLSA_PROVENANCE_PREDICATE]],
      [attestationTag(AMD64), [CYCLONEDX_PREDICATE, SLSA_PROVENANCE_PREDICATE]],
      [attestationTag(ARM64), [SLSA_PROVENANCE_PREDICATE]],
    ]);
    const layer = layersOf(artifacts[1] as Artifact)[0] as SignatureLayer;
    expect(layer.mediaType).toBe('application/vnd.dsse.envelope.v1+json');
    expect(layer.annotations).toEqual({ [SIGNATURE_ANNOTATION]: '', predicateType: CYCLONEDX_PREDICATE });
    expect(parseEnvelope(layer.bytes)?.payloadType).toBe('application/vnd.in-toto+json');

    const existing = new Map(artifacts.map((a) => [a.tag, layersOf(a)]));
    expect(planAttestations(key, target, [sbom, provenance], existing)).toEqual([]);
    const newer = statement(CYCLONEDX_PREDICATE, [AMD64, INDEX]);
    const replaced = planAttestations(key, target, [newer], existing);
    expect(replaced.map((a) => [a.tag, layersOf(a).map((l) => l.annotations.predicateType)])).toEqual([
      [attestationTag(INDEX), [SLSA_PROVENANCE_PREDICATE, CYCLONEDX_PREDICATE]],
      [attestationTag(AMD64), [SLSA_PROVENANCE_PREDICATE, CYCLONEDX_PREDICATE]],
    ]);

    const sigs = planSignatures(key, target, new Map());
    const report = checkSignatures(key.publicKey, target.reference, evidence([...sigs, ...artifacts]));
    expect(report.ok).toBe(true);
    expect(report.attestations).toHaveLength(4);
  });

  it('an attestation that does not verify, or names another digest, is a problem', () => {
    const sigs = planSignatures(key, target, new Map());
    const forged = planAttestations(other, target, [statement(CYCLONEDX_PREDICATE, [INDEX])], new Map());
    const r1 = checkSignatures(key.publicKey, target.reference, evidence([...sigs, ...forged]));
    expect(r1.problems).toEqual([
      `the ${CYCLONEDX_PREDICATE} attestation of index (${INDEX.slice(0, 19)}) does not verify with the key`,
    ]);
    // ours, but moved under the .att of another digest
    const [att] = planAttestations(key, target, [statement(CYCLONEDX_PREDICATE, [AMD64])], new Map());
    const moved = { ...(att as Artifact), tag: attestationTag(INDEX) };
    expect(checkSignatures(key.publicKey, target.reference, evidence([...sigs, moved])).ok).toBe(false);
  });

  it('statements that are not in-toto are refused before anything is signed', () => {
    expect(() => planAttestations(key, target, [new TextEncoder().encode('{"a":1}')], new Map())).toThrow(
      'statement 1 is not an in-toto statement with sha256 subjects',
    );
  });
});

describe('sigstore bundles (cosign 3 default)', () => {
  function bundle(k: SigningKey, predicateType: string, subjects: string[]): Uint8Array {
    return new TextEncoder().encode(
      JSON.stringify({
        mediaType: BUNDLE_V03_MEDIA_TYPE,
        verificationMaterial: { publicKey: { hint: 'test' }, tlogEntries: [] },
        dsseEnvelope: signEnvelope(k.privateKey, statement(predicateType, subjects)),
      }),
    );
  }

  it('a bundle signing each digest counts as its signature; attestation bundles are checked too', () => {
    const bundles = new Map(
      target.digests.map((d) => [
        d,
        [bundle(key, COSIGN_SIGN_PREDICATE, [d]), bundle(key, SLSA_PROVENANCE_PREDICATE, [d])],
      ]),
    );
    const report = checkSignatures(key.publicKey, target.reference, evidence([], bundles));
    expect(report).toMatchObject({ present: true, ok: true, problems: [] });
    expect(report.signed.map((s) => s.formats)).toEqual([['bundle'], ['bundle'], ['bundle']]);
    expect(report.attestations.map((a) => a.format)).toEqual(['bundle', 'bundle', 'bundle']);

    // an attestation bundle alone is no signature
    const attOnly = new Map([[INDEX, [bundle(key, SLSA_PROVENANCE_PREDICATE, [INDEX])]]]);
    expect(checkSignatures(key.publicKey, target.reference, evidence([], attOnly))).toMatchObject({
      present: false,
      ok: false,
    });
    expect(checkSignatures(key.publicKey, target.reference, evidence([], attOnly)).problems[0]).toBe(
      `index (${INDEX.slice(0, 19)}) is not signed`,
    );
    const wrong = new Map([[INDEX, [bundle(other, COSIGN_SIGN_PREDICATE, [INDEX])]]]);
    const r = checkSignatures(key.publicKey, target.reference, evidence([], wrong));
    expect(r.present).toBe(true);
    expect(r.problems[0]).toBe(`index (${INDEX.slice(0, 19)}) has no signature by this key`);
    const elsewhere = new Map([[INDEX, [bundle(key, COSIGN_SIGN_PREDICATE, [AMD64])]]]);
    expect(checkSignatures(key.publicKey, target.reference, evidence([], elsewhere)).problems[0]).toBe(
      `index (${INDEX.slice(0, 19)}) has no signature by this key`,
    );
  });
});
