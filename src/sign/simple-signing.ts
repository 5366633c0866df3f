// The payload a cosign image signature signs ("simple signing"): which manifest digest, under which
// repository. Compact JSON in the field order cosign writes, `optional: null` as cosign leaves it.
import { type KeyObject, sign, verify } from 'node:crypto';
import { DOCKER_HUB, type ImageRef } from '../registry/ref.js';

export const SIMPLE_SIGNING_TYPE = 'cosign container image signature';

export interface SimpleSigning {
  critical: {
    identity: { 'docker-reference': string };
    image: { 'docker-manifest-digest': string };
    type: string;
  };
  optional: Record<string, unknown> | null;
}

/** The repository without tag as cosign names it: Docker Hub as `index.docker.io/...`. */
export function dockerReference(ref: Pick<ImageRef, 'registry' | 'repository'>): string {
  return `${ref.registry === DOCKER_HUB ? 'index.docker.io' : ref.registry}/${ref.repository}`;
}

/** The same repository however it is spelt (`docker.io/x` and `index.docker.io/x`). */
export function sameRepository(a: string, b: string): boolean {
  const norm = (s: string) => s.replace(/^(?:docker\.io|registry-1\.docker\.io)\//, 'index.docker.io/');
  return norm(a) === norm(b);
}

export function simpleSigningPayload(reference: string, digest: string): Uint8Array {
  const payload: SimpleSigning = {
    critical: {
      identity: { 'docker-reference': reference },
      image: { 'docker-manifest-digest': digest },
      type: SIMPLE_SIGNING_TYPE,
    },
    optional: null,
  };
  return new TextEncoder().encode(JSON.stringify(payload));
}

/** The payload's claims, or null when it is not a simple-signing document. */
export function parseSimpleSigning(bytes: Uint8Array): SimpleSigning | null {
  try {
    const v = JSON.parse(Buffer.from(bytes).toString('utf8')) as SimpleSigning;
    const c = v?.critical;
    if (
      typeof c?.identity?.['docker-reference'] !== 'string' ||
      typeof c.image?.['docker-manifest-digest'] !== 'string' ||
      typeof c.type !== 'string'
    )
      return null;
    return v;
  } catch {
    return null;
  }
}

/** ECDSA over SHA-256, ASN.1 DER, base64: what cosign puts in its signature annotation. */
export function signBytes(key: KeyObject, bytes: Uint8Array): string {
  return sign('sha256', bytes, key).toString('base64');
}

export function verifyBytes(key: KeyObject, bytes: Uint8Array, signatureB64: string): boolean {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(signatureB64)) return false;
  try {
    return verify('sha256', bytes, key, Buffer.from(signatureB64, 'base64'));
  } catch {
    return false;
  }
}
