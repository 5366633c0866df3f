// Planning what to attach to an image: a simple-signing signature for the index and for each platform
// manifest (as `cosign sign --recursive`), and each in-toto statement as a DSSE envelope in the `.att` of
// every subject it names. Signatures already there from another key stay; one of ours that already
// verifies is not made again, so signing a signed image writes nothing.
import type { KeyObject } from 'node:crypto';
import {
  type Artifact,
  attestationTag,
  cosignArtifact,
  DSSE_MEDIA_TYPE,
  PREDICATE_TYPE_ANNOTATION,
  SIGNATURE_ANNOTATION,
  SIMPLE_SIGNING_MEDIA_TYPE,
  type SignatureLayer,
  signatureTag,
} from './cosign-manifest.js';
import { openEnvelope, parseEnvelope, signEnvelope } from './dsse.js';
import type { SigningKey } from './keys.js';
import {
  parseSimpleSigning,
  SIMPLE_SIGNING_TYPE,
  sameRepository,
  signBytes,
  simpleSigningPayload,
  verifyBytes,
} from './simple-signing.js';
import { requireStatement, statementInfo } from './statement.js';

export interface SignTarget {
  /** the repository without tag, as the signature names it (see dockerReference()) */
  reference: string;
  /** the index digest (or the single manifest's) first, then each platform manifest digest */
  digests: string[];
}

/** The layers already under a `.sig`/`.att` tag (absent: none there). */
export type ExistingLayers = ReadonlyMap<string, SignatureLayer[]>;

/** True when the layer is a simple-signing signature that verifies with the key and names this image. */
export function isValidSignature(
  key: KeyObject,
  layer: SignatureLayer,
  digest: string,
  reference: string | null,
): boolean {
  if (layer.mediaType !== SIMPLE_SIGNING_MEDIA_TYPE) return false;
  const sig = layer.annotations[SIGNATURE_ANNOTATION];
  if (!sig || !verifyBytes(key, layer.bytes, sig)) return false;
  const claims = parseSimpleSigning(layer.bytes);
  return (
    claims !== null &&
    claims.critical.type === SIMPLE_SIGNING_TYPE &&
    claims.critical.image['docker-manifest-digest'] === digest &&
    (reference === null || sameRepository(claims.critical.identity['docker-reference'], reference))
  );
}

/** The statement inside a DSSE layer when it verifies with the key, else null. */
export function openAttestation(key: KeyObject, layer: SignatureLayer): Uint8Array | null {
  if (layer.mediaType !== DSSE_MEDIA_TYPE) return null;
  const envelope = parseEnvelope(layer.bytes);
  return envelope ? openEnvelope(key, envelope) : null;
}

/** `.sig` artifacts for every digest that has no valid signature by this key yet. */
export function planSignatures(key: SigningKey, target: SignTarget, existing: ExistingLayers): Artifact[] {
  const out: Artifact[] = [];
  for (const digest of target.digests) {
    const tag = signatureTag(digest);
    const layers = existing.get(tag) ?? [];
    if (layers.some((l) => isValidSignature(key.publicKey, l, digest, target.reference))) continue;
    const payload = simpleSigningPayload(target.reference, digest);
    const layer: SignatureLayer = {
      mediaType: SIMPLE_SIGNING_MEDIA_TYPE,
      bytes: payload,
      annotations: { [SIGNATURE_ANNOTATION]: signBytes(key.privateKey, payload) },
    };
    // Ours that no longer verify for this image (another repository, say) give way to the new one.
    const kept = layers.filter(
      (l) =>
        !(
          l.mediaType === SIMPLE_SIGNING_MEDIA_TYPE &&
          verifyBytes(key.publicKey, l.bytes, l.annotations[SIGNATURE_ANNOTATION] ?? '')
        ),
    );
    out.push(cosignArtifact(tag, [...kept, layer]));
  }
  return out;
}

/**
 * `.att` artifacts: each statement, in a DSSE envelope signed with the key, under the `.att` tag of every
 * subject that is one of the target's digests. Our earlier envelope of the same predicate type is
 * replaced; an identical one keeps its tag untouched.
 */
export function planAttestations(
  key: SigningKey,
  target: SignTarget,
  statements: Uint8Array[],
  existing: ExistingLayers,
): Artifact[] {
  const infos = statements.map((bytes, i) => ({ bytes, ...requireStatement(bytes, `statement ${i + 1}`) }));
  const out: Artifact[] = [];
  for (const digest of target.digests) {
    const mine = infos.filter((s) => s.subjects.includes(digest));
    if (mine.length === 0) continue;
    const tag = attestationTag(digest);
    let layers = [...(existing.get(tag) ?? [])];
    let changed = false;
    for (const s of mine) {
      const ours = layers.map((l) => openAttestation(key.publicKey, l));
      if (ours.some((p) => p !== null && Buffer.from(p).equals(Buffer.from(s.bytes)))) continue;
      layers = layers.filter((_, i) => {
        const p = ours[i];
        return !(p && statementInfo(p)?.predicateType === s.predicateType);
      });
      const envelope = signEnvelope(key.privateKey, s.bytes);
      layers.push({
        mediaType: DSSE_MEDIA_TYPE,
        bytes: new TextEncoder().encode(JSON.stringify(envelope)),
        annotations: { [SIGNATURE_ANNOTATION]: '', [PREDICATE_TYPE_ANNOTATION]: s.predicateType },
      });
      changed = true;
    }
    if (changed) out.push(cosignArtifact(tag, layers));
  }
  return out;
}
