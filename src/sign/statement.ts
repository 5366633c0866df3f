// in-toto statements, as far as signing and verifying need them: the predicate type and the subject
// digests. The statements themselves come from the SBOM and provenance stage (or from a user's file).
import { VcError } from '../errors.js';

export const CYCLONEDX_PREDICATE = 'https://cyclonedx.org/bom';
export const SLSA_PROVENANCE_PREDICATE = 'https://slsa.dev/provenance/v1';
/** What cosign v3 signs in a sigstore bundle in place of a simple-signing payload. */
export const COSIGN_SIGN_PREDICATE = 'https://sigstore.dev/cosign/sign/v1';

export interface StatementInfo {
  predicateType: string;
  /** `sha256:<hex>` of every subject that has a sha256 digest */
  subjects: string[];
}

/** Predicate type and subjects of a statement, or null when the bytes are not an in-toto statement. */
export function statementInfo(bytes: Uint8Array): StatementInfo | null {
  try {
    const v = JSON.parse(Buffer.from(bytes).toString('utf8')) as {
      _type?: unknown;
      predicateType?: unknown;
      subject?: unknown;
    };
    if (typeof v._type !== 'string' || !v._type.startsWith('https://in-toto.io/Statement/')) return null;
    if (typeof v.predicateType !== 'string' || !Array.isArray(v.subject)) return null;
    const subjects = v.subject
      .map((s: { digest?: { sha256?: unknown } } | null) => s?.digest?.sha256)
      .filter((h): h is string => typeof h === 'string' && /^[a-f0-9]{64}$/.test(h))
      .map((h) => `sha256:${h}`);
    return { predicateType: v.predicateType, subjects };
  } catch {
    return null;
  }
}

/** Like statementInfo, for statements we are asked to sign: anything else is a bug upstream. */
export function requireStatement(bytes: Uint8Array, what: string): StatementInfo {
  const info = statementInfo(bytes);
  if (!info || info.subjects.length === 0)
    throw new VcError(`${what} is not an in-toto statement with sha256 subjects`, { code: 'BAD_STATEMENT' });
  return info;
}
