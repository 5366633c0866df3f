// Where signatures live beside an image: a registry repository or an OCI layout (its adapters are
// registry-store.ts and publish/). Signing and verifying are written once against this interface.
import type { KeyObject } from 'node:crypto';
import type { ReadImage } from '../image/read-image.js';
import { formatPlatform } from '../versions/platforms.js';
import { type Artifact, attestationTag, type SignatureLayer, signatureTag } from './cosign-manifest.js';
import type { SigningKey } from './keys.js';
import { planAttestations, planSignatures } from './sign.js';
import { checkSignatures, type SignatureEvidence, type SignatureReport } from './verify.js';

/** A signature manifest bigger than this is not one cosign would write: its layers are not read. */
export const MAX_SIGNATURE_LAYERS = 1000;
export const MAX_SIGNATURE_LAYER_BYTES = 16 * 1024 * 1024;

export interface SignatureStore {
  /** for messages: `registry 127.0.0.1:5000/coredns`, `oci:./dist/oci` */
  readonly name: string;
  /** the layers of the manifest under `tag` (`.sig`/`.att`), null when there is no such tag */
  layers(tag: string, signal?: AbortSignal): Promise<SignatureLayer[] | null>;
  /** the sigstore bundles among the referrers of `digest` (cosign 3's default format) */
  bundles(digest: string, signal?: AbortSignal): Promise<Uint8Array[]>;
  /** writes each artifact (blobs, then the manifest under its tag); returns how users name them */
  write(artifacts: readonly Artifact[], signal?: AbortSignal): Promise<string[]>;
}

/** The digests of an image as signing needs them: the top one first, each platform manifest after. */
export interface ImageDigests {
  /** the repository without tag, as signatures name it (see dockerReference()) */
  reference: string;
  digests: { digest: string; label: string }[];
}

/** The digests of an image read through the image reader (the index, then each platform manifest). */
export function imageDigests(reference: string, image: ReadImage): ImageDigests {
  const first = image.images[0];
  return {
    reference,
    digests: [
      { digest: image.digest, label: image.index || !first ? 'index' : formatPlatform(first.platform) },
      ...(image.index
        ? image.images.map((i) => ({ digest: i.descriptor.digest, label: formatPlatform(i.platform) }))
        : []),
    ],
  };
}

/** Everything attached beside each digest. */
export async function readSignatureEvidence(
  store: SignatureStore,
  image: ImageDigests,
  signal?: AbortSignal,
): Promise<SignatureEvidence[]> {
  const out: SignatureEvidence[] = [];
  for (const { digest, label } of image.digests)
    out.push({
      digest,
      label,
      signatures: await store.layers(signatureTag(digest), signal),
      attestations: await store.layers(attestationTag(digest), signal),
      bundles: await store.bundles(digest, signal),
    });
  return out;
}

/** The existing `.sig`/`.att` layers of the digests, keyed by tag (what sign.ts plans against). */
async function existingLayers(
  store: SignatureStore,
  digests: readonly string[],
  signal?: AbortSignal,
): Promise<Map<string, SignatureLayer[]>> {
  const out = new Map<string, SignatureLayer[]>();
  for (const digest of digests)
    for (const tag of [signatureTag(digest), attestationTag(digest)]) {
      const layers = await store.layers(tag, signal);
      if (layers) out.set(tag, layers);
    }
  return out;
}

/**
 * Signs an image with the key: `.sig` for every digest that lacks a valid signature by it, `.att` for
 * the statements given. Returns what was written (nothing when all was signed already).
 */
export async function signImage(
  store: SignatureStore,
  image: ImageDigests,
  key: SigningKey,
  statements: readonly Uint8Array[] = [],
  signal?: AbortSignal,
): Promise<string[]> {
  const target = { reference: image.reference, digests: image.digests.map((d) => d.digest) };
  const existing = await existingLayers(store, target.digests, signal);
  const artifacts = [
    ...planSignatures(key, target, existing),
    ...planAttestations(key, target, [...statements], existing),
  ];
  return artifacts.length === 0 ? [] : store.write(artifacts, signal);
}

/** Checks the signatures and attestations attached to an image against a public key. */
export async function verifySignatures(
  store: SignatureStore,
  image: ImageDigests,
  key: KeyObject,
  signal?: AbortSignal,
  opts: { anyRepository?: boolean } = {},
): Promise<SignatureReport> {
  const evidence = await readSignatureEvidence(store, image, signal);
  return checkSignatures(key, opts.anyRepository ? null : image.reference, evidence);
}
