// in-toto Statement v1: the envelope-free form of an attestation. Signing (cosign-style DSSE envelopes,
// `sha256-<hex>.att`) wraps exactly these bytes. Pure.
import { canonicalJsonBytes } from '../image/canonical-json.js';
import { digestHex } from '../util/digest.js';

export const IN_TOTO_STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
/** The media type of a bare in-toto statement (the payload type of its DSSE envelope too). */
export const IN_TOTO_MEDIA_TYPE = 'application/vnd.in-toto+json';

export interface InTotoSubject {
  name: string;
  /** e.g. `{ sha256: "<hex>" }` */
  digest: Record<string, string>;
}

export interface InTotoStatement<P = unknown> {
  _type: typeof IN_TOTO_STATEMENT_TYPE;
  subject: InTotoSubject[];
  predicateType: string;
  predicate: P;
}

/** A subject for an OCI digest (`sha256:<hex>`). */
export function ociSubject(name: string, digest: string): InTotoSubject {
  return { name, digest: { sha256: digestHex(digest) } };
}

export function inTotoStatement<P>(
  subject: InTotoSubject[],
  predicateType: string,
  predicate: P,
): InTotoStatement<P> {
  if (subject.length === 0) throw new Error('an in-toto statement needs at least one subject');
  return { _type: IN_TOTO_STATEMENT_TYPE, subject, predicateType, predicate };
}

/** The statement's canonical bytes (keys sorted, no whitespace): what is stored, hashed and signed. */
export function statementBytes(statement: InTotoStatement): Uint8Array {
  return canonicalJsonBytes(statement as unknown as object);
}

/** The `sha256:<hex>` digests a statement names as its subjects. */
export function subjectDigests(statement: Pick<InTotoStatement, 'subject'>): string[] {
  return statement.subject.flatMap((s) => (s.digest.sha256 ? [`sha256:${s.digest.sha256}`] : []));
}
