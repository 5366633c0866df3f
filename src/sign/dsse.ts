// DSSE envelopes (the in-toto attestation wrapper): the signature covers the pre-authentication
// encoding of payload type and payload, never the JSON around them.
import type { KeyObject } from 'node:crypto';
import { signBytes, verifyBytes } from './simple-signing.js';

export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

export interface DsseEnvelope {
  payloadType: string;
  /** base64 */
  payload: string;
  signatures: { keyid: string; sig: string }[];
}

/** PAE(type, body) = "DSSEv1" SP len(type) SP type SP len(body) SP body, lengths in bytes. */
export function pae(payloadType: string, body: Uint8Array): Uint8Array {
  const type = Buffer.from(payloadType, 'utf8');
  const head = Buffer.from(`DSSEv1 ${type.byteLength} ${payloadType} ${body.byteLength} `, 'utf8');
  return new Uint8Array(Buffer.concat([head, body]));
}

/** One signature, key id left empty as cosign leaves it. */
export function signEnvelope(
  key: KeyObject,
  payload: Uint8Array,
  payloadType = IN_TOTO_PAYLOAD_TYPE,
): DsseEnvelope {
  return {
    payloadType,
    payload: Buffer.from(payload).toString('base64'),
    signatures: [{ keyid: '', sig: signBytes(key, pae(payloadType, payload)) }],
  };
}

export function parseEnvelope(bytes: Uint8Array | string): DsseEnvelope | null {
  try {
    const v = JSON.parse(
      typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('utf8'),
    ) as DsseEnvelope;
    if (typeof v?.payloadType !== 'string' || typeof v.payload !== 'string' || !Array.isArray(v.signatures))
      return null;
    return v;
  } catch {
    return null;
  }
}

/** The payload when one of the envelope's signatures verifies with the key, else null. */
export function openEnvelope(key: KeyObject, envelope: DsseEnvelope): Uint8Array | null {
  const payload = new Uint8Array(Buffer.from(envelope.payload, 'base64'));
  const signed = pae(envelope.payloadType, payload);
  return envelope.signatures.some((s) => typeof s?.sig === 'string' && verifyBytes(key, signed, s.sig))
    ? payload
    : null;
}
