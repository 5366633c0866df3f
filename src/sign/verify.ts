// Checks what is attached to an image against a public key: every digest (the index and each platform
// manifest) needs a signature by the key that names it, in cosign's `.sig` form or in a sigstore bundle
// (cosign 3's default); attestations found in `.att` or in bundles must verify with the key and name the
// digest. Pure: the reader hands in the layers and bundles it found.
import type { KeyObject } from 'node:crypto';
import { bundlePredicateType, openBundle } from './bundle.js';
import {
  DSSE_MEDIA_TYPE,
  PREDICATE_TYPE_ANNOTATION,
  SIGNATURE_ANNOTATION,
  SIMPLE_SIGNING_MEDIA_TYPE,
  type SignatureLayer,
} from './cosign-manifest.js';
import { isValidSignature, openAttestation } from './sign.js';
import { parseSimpleSigning, sameRepository, verifyBytes } from './simple-signing.js';
import { COSIGN_SIGN_PREDICATE, statementInfo } from './statement.js';

/** What was found beside one digest of the image. */
export interface SignatureEvidence {
  digest: string;
  /** `index`, or the platform (`linux/amd64`) */
  label: string;
  /** layers of `sha256-<hex>.sig`, null when there is no such tag */
  signatures: SignatureLayer[] | null;
  /** layers of `sha256-<hex>.att`, null when there is no such tag */
  attestations: SignatureLayer[] | null;
  /** sigstore bundles among the digest's referrers */
  bundles: Uint8Array[];
}

export interface VerifiedAttestation {
  digest: string;
  predicateType: string;
  /** `att` (cosign's `.att` tag) or `bundle` (an OCI 1.1 referrer) */
  format: 'att' | 'bundle';
}

export interface SignatureReport {
  /** some signature (by any key, in either format) is attached to the image's top digest */
  present: boolean;
  ok: boolean;
  problems: string[];
  /** per digest, the formats whose signature verified */
  signed: { digest: string; label: string; formats: ('sig' | 'bundle')[] }[];
  attestations: VerifiedAttestation[];
}

/** A bundle that claims to sign an image (cosign 3's stand-in for `.sig`), verified or not. */
function isSignatureBundle(bytes: Uint8Array): boolean {
  return bundlePredicateType(bytes) === COSIGN_SIGN_PREDICATE;
}

function short(digest: string): string {
  return digest.slice(0, 19);
}

/** Why none of the `.sig` layers counts, in the words a user can act on. */
function whyNot(key: KeyObject, layers: SignatureLayer[], digest: string, reference: string | null): string {
  for (const l of layers) {
    if (l.mediaType !== SIMPLE_SIGNING_MEDIA_TYPE) continue;
    if (!verifyBytes(key, l.bytes, l.annotations[SIGNATURE_ANNOTATION] ?? '')) continue;
    const claims = parseSimpleSigning(l.bytes);
    const named = claims?.critical.image['docker-manifest-digest'];
    if (named !== digest) return `its signature by this key names ${named ? short(named) : 'no digest'}`;
    const repo = claims?.critical.identity['docker-reference'] ?? '';
    if (reference !== null && !sameRepository(repo, reference))
      return `its signature by this key names ${repo}, not ${reference}`;
  }
  return `${layers.length} signature${layers.length === 1 ? '' : 's'}, none by this key`;
}

export function checkSignatures(
  key: KeyObject,
  /** the repository `.sig` payloads must name; null: any (an OCI layout has no repository) */
  reference: string | null,
  evidence: SignatureEvidence[],
): SignatureReport {
  const problems: string[] = [];
  const signed: SignatureReport['signed'] = [];
  const attestations: VerifiedAttestation[] = [];
  for (const e of evidence) {
    const formats: ('sig' | 'bundle')[] = [];
    if (e.signatures?.some((l) => isValidSignature(key, l, e.digest, reference))) formats.push('sig');
    // Attestation layers by predicate type: does any of each type verify and name this digest?
    const seen = new Map<string, boolean>();
    const note = (predicateType: string, ok: boolean, format: 'att' | 'bundle') => {
      seen.set(predicateType, (seen.get(predicateType) ?? false) || ok);
      if (
        ok &&
        !attestations.some(
          (a) => a.digest === e.digest && a.predicateType === predicateType && a.format === format,
        )
      )
        attestations.push({ digest: e.digest, predicateType, format });
    };
    for (const b of e.bundles) {
      const statement = openBundle(key, b);
      const info = statement ? statementInfo(statement) : null;
      const names = info?.subjects.includes(e.digest) ?? false;
      if (info?.predicateType === COSIGN_SIGN_PREDICATE) {
        if (names && !formats.includes('bundle')) formats.push('bundle');
      } else if (info) note(info.predicateType, names, 'bundle');
    }
    for (const l of e.attestations ?? []) {
      if (l.mediaType !== DSSE_MEDIA_TYPE) continue;
      const statement = openAttestation(key, l);
      const info = statement ? statementInfo(statement) : null;
      const predicateType = info?.predicateType ?? l.annotations[PREDICATE_TYPE_ANNOTATION] ?? 'unknown';
      note(predicateType, info?.subjects.includes(e.digest) ?? false, 'att');
    }
    for (const [predicateType, ok] of seen)
      if (!ok)
        problems.push(
          `the ${predicateType} attestation of ${e.label} (${short(e.digest)}) does not verify with the key`,
        );
    signed.push({ digest: e.digest, label: e.label, formats });
    if (formats.length > 0) continue;
    const layers = e.signatures ?? [];
    if (layers.length === 0 && !e.bundles.some(isSignatureBundle))
      problems.push(`${e.label} (${short(e.digest)}) is not signed`);
    else if (layers.length > 0)
      problems.push(
        `${e.label} (${short(e.digest)}) has no signature by this key: ${whyNot(key, layers, e.digest, reference)}`,
      );
    else problems.push(`${e.label} (${short(e.digest)}) has no signature by this key`);
  }
  const top = evidence[0];
  const present =
    top !== undefined &&
    ((top.signatures?.length ?? 0) > 0 ||
      top.bundles.some((b) => bundlePredicateType(b) === COSIGN_SIGN_PREDICATE));
  return { present, ok: evidence.length > 0 && problems.length === 0, problems, signed, attestations };
}
