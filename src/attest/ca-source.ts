// assets/ca-certificates.json, written by scripts/refresh-ca-bundle.sh beside the CA bundle: where the
// bundle came from. Trusted only while its sha256 matches the bundle's bytes. Pure.
import { createHash } from 'node:crypto';
import type { CaBundleSource } from './sbom.js';

/** The recorded source of the CA bundle, or null when the record is missing, malformed or stale. */
export function parseCaBundleSource(text: string | null, bundle: Uint8Array): CaBundleSource | null {
  if (text === null) return null;
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch {
    return null;
  }
  const r = o as Partial<CaBundleSource> | null;
  const s = r?.source;
  const strings = [
    r?.file,
    r?.sha256,
    r?.date,
    s?.distribution,
    s?.distributionVersion,
    s?.package,
    s?.version,
    s?.architecture,
  ];
  if (
    !r ||
    !s ||
    !strings.every((x) => typeof x === 'string' && x !== '') ||
    !Number.isSafeInteger(r.certificates)
  ) {
    return null;
  }
  if (createHash('sha256').update(bundle).digest('hex') !== r.sha256) return null;
  return r as CaBundleSource;
}
