// The registry side of signing: read what is attached beside an image's digests (`.sig`, `.att`,
// sigstore bundles among the referrers) and publish the artifacts sign.ts planned. Every read goes
// through the registry client, which checks each blob against its digest.
import type { KeyObject } from 'node:crypto';
import type { Repository } from '../registry/client.js';
import { OCI_MANIFEST } from '../registry/media-types.js';
import type { ImageRef } from '../registry/ref.js';
import type { RemoteImage } from '../registry/remote-image.js';
import type { Descriptor } from '../types.js';
import { formatPlatform } from '../versions/platforms.js';
import { isBundleMediaType } from './bundle.js';
import {
  type Artifact,
  attestationTag,
  type SignatureLayer,
  signatureDescriptors,
  signatureTag,
} from './cosign-manifest.js';
import type { SigningKey } from './keys.js';
import { planAttestations, planSignatures } from './sign.js';
import { dockerReference } from './simple-signing.js';
import { checkSignatures, type SignatureEvidence, type SignatureReport } from './verify.js';

/** A signature manifest bigger than this is not one cosign would write: refuse to read its layers. */
const MAX_LAYERS = 1000;
const MAX_LAYER_BYTES = 16 * 1024 * 1024;

/** The layers under a `.sig`/`.att` tag, or null when the tag does not exist. */
export async function readCosignLayers(
  repo: Repository,
  tag: string,
  signal?: AbortSignal,
): Promise<SignatureLayer[] | null> {
  if (!(await repo.headManifest(tag, signal))) return null;
  const manifest = await repo.getManifest(tag, signal);
  const descriptors = (signatureDescriptors(manifest.bytes) ?? []).slice(0, MAX_LAYERS);
  const layers: SignatureLayer[] = [];
  for (const d of descriptors) {
    if (d.size > MAX_LAYER_BYTES) continue;
    layers.push({
      mediaType: d.mediaType,
      bytes: await repo.getBlob(d.digest, signal, d.size),
      annotations: d.annotations,
    });
  }
  return layers;
}

/**
 * The manifests that refer to `digest`: the referrers API, and the referrers tag `sha256-<hex>` that
 * clients keep where the registry has no API (cosign 3 on Debian's registry 2.8 writes that tag).
 */
async function referrerDescriptors(
  repo: Repository,
  digest: string,
  signal?: AbortSignal,
): Promise<Descriptor[]> {
  const listed = (bytes: Uint8Array | null): Descriptor[] => {
    if (!bytes) return [];
    try {
      const index = JSON.parse(Buffer.from(bytes).toString('utf8')) as { manifests?: Descriptor[] };
      return (index.manifests ?? []).filter((d) => typeof d?.digest === 'string');
    } catch {
      return [];
    }
  };
  const api = listed(await repo.referrers(digest, signal));
  const tag = digest.replace(':', '-');
  const tagged = (await repo.headManifest(tag, signal))
    ? listed((await repo.getManifest(tag, signal)).bytes)
    : [];
  return [...api, ...tagged.filter((t) => !api.some((a) => a.digest === t.digest))];
}

/** The sigstore bundles attached to `digest` as OCI 1.1 referrers (API or referrers tag). */
export async function readBundles(
  repo: Repository,
  digest: string,
  signal?: AbortSignal,
): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for (const d of (await referrerDescriptors(repo, digest, signal)).slice(0, MAX_LAYERS)) {
    if (!isBundleMediaType(d.artifactType)) continue;
    const manifest = await repo.getManifest(d.digest, signal);
    for (const l of signatureDescriptors(manifest.bytes) ?? [])
      if (isBundleMediaType(l.mediaType) && l.size <= MAX_LAYER_BYTES)
        out.push(await repo.getBlob(l.digest, signal, l.size));
  }
  return out;
}

/** Everything attached beside each digest (`labels[i]` names `digests[i]` in problems). */
export async function readSignatureEvidence(
  repo: Repository,
  digests: { digest: string; label: string }[],
  signal?: AbortSignal,
): Promise<SignatureEvidence[]> {
  const out: SignatureEvidence[] = [];
  for (const { digest, label } of digests)
    out.push({
      digest,
      label,
      signatures: await readCosignLayers(repo, signatureTag(digest), signal),
      attestations: await readCosignLayers(repo, attestationTag(digest), signal),
      bundles: await readBundles(repo, digest, signal),
    });
  return out;
}

/** The existing `.sig`/`.att` layers of the digests, keyed by tag (what sign.ts plans against). */
export async function readExistingLayers(
  repo: Repository,
  digests: string[],
  signal?: AbortSignal,
): Promise<Map<string, SignatureLayer[]>> {
  const out = new Map<string, SignatureLayer[]>();
  for (const digest of digests)
    for (const tag of [signatureTag(digest), attestationTag(digest)]) {
      const layers = await readCosignLayers(repo, tag, signal);
      if (layers) out.set(tag, layers);
    }
  return out;
}

/** Blobs first, then the manifest under its tag (the tag never points at missing blobs). */
export async function publishArtifacts(
  repo: Repository,
  artifacts: Artifact[],
  signal?: AbortSignal,
): Promise<string[]> {
  const refs: string[] = [];
  for (const a of artifacts) {
    for (const b of a.blobs) await repo.pushBlob(b, signal);
    const digest = await repo.putManifest(a.tag, OCI_MANIFEST, a.manifest.bytes, signal);
    refs.push(`${repo.name}:${a.tag}@${digest}`);
  }
  return refs;
}

/** The digests of an image as signing needs them: the top one first, each platform manifest after. */
export interface ImageDigests {
  /** the repository without tag, as signatures name it */
  reference: string;
  digests: { digest: string; label: string }[];
}

/** The digests of an image read from a registry (the index, then each platform manifest). */
export function remoteImageDigests(
  ref: Pick<ImageRef, 'registry' | 'repository'>,
  image: RemoteImage,
): ImageDigests {
  const first = image.images[0];
  return {
    reference: dockerReference(ref),
    digests: [
      { digest: image.digest, label: image.index || !first ? 'index' : formatPlatform(first.platform) },
      ...(image.index
        ? image.images.map((i) => ({ digest: i.manifestDigest, label: formatPlatform(i.platform) }))
        : []),
    ],
  };
}

/**
 * Signs an image in a registry with the key: `.sig` for every digest that lacks a valid signature by
 * it, `.att` for the statements given. Returns the refs written (none when all was signed already).
 */
export async function signRemoteImage(
  repo: Repository,
  image: ImageDigests,
  key: SigningKey,
  statements: Uint8Array[] = [],
  signal?: AbortSignal,
): Promise<string[]> {
  const target = { reference: image.reference, digests: image.digests.map((d) => d.digest) };
  const existing = await readExistingLayers(repo, target.digests, signal);
  const artifacts = [
    ...planSignatures(key, target, existing),
    ...planAttestations(key, target, statements, existing),
  ];
  return publishArtifacts(repo, artifacts, signal);
}

/** Checks the signatures and attestations attached to an image in a registry against a public key. */
export async function verifyRemoteSignatures(
  repo: Repository,
  image: ImageDigests,
  key: KeyObject,
  signal?: AbortSignal,
): Promise<SignatureReport> {
  return checkSignatures(key, image.reference, await readSignatureEvidence(repo, image.digests, signal));
}
