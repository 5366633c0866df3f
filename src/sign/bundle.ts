// Sigstore bundles (v0.1-v0.3), the format cosign 3 attaches by default as OCI 1.1 referrers: a DSSE
// envelope plus verification material. With a key, only the envelope matters (no transparency log is
// consulted, like cosign's --insecure-ignore-tlog).
import type { KeyObject } from 'node:crypto';
import { type DsseEnvelope, openEnvelope, parseEnvelope } from './dsse.js';

export const BUNDLE_MEDIA_TYPE_PREFIX = 'application/vnd.dev.sigstore.bundle';
export const BUNDLE_V03_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';

export function isBundleMediaType(mediaType: string | undefined): boolean {
  return typeof mediaType === 'string' && mediaType.startsWith(BUNDLE_MEDIA_TYPE_PREFIX);
}

/** The DSSE envelope of a bundle, or null when it is not a bundle or carries a bare message signature. */
export function bundleEnvelope(bytes: Uint8Array): DsseEnvelope | null {
  try {
    const v = JSON.parse(Buffer.from(bytes).toString('utf8')) as {
      mediaType?: string;
      dsseEnvelope?: unknown;
    };
    if (!isBundleMediaType(v?.mediaType) || v.dsseEnvelope === undefined) return null;
    return parseEnvelope(JSON.stringify(v.dsseEnvelope));
  } catch {
    return null;
  }
}

/** The in-toto statement a bundle signs, when its envelope verifies with the key; else null. */
export function openBundle(key: KeyObject, bytes: Uint8Array): Uint8Array | null {
  const envelope = bundleEnvelope(bytes);
  return envelope ? openEnvelope(key, envelope) : null;
}

/** The predicate type a bundle claims (unverified: for telling signatures from attestations). */
export function bundlePredicateType(bytes: Uint8Array): string | null {
  const envelope = bundleEnvelope(bytes);
  if (!envelope) return null;
  try {
    const v = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as {
      predicateType?: unknown;
    };
    return typeof v.predicateType === 'string' ? v.predicateType : null;
  } catch {
    return null;
  }
}
