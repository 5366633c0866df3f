// cosign's key files: ECDSA P-256, the private key as PKCS#8 DER sealed with scrypt + NaCl secretbox
// inside a PEM block (`ENCRYPTED SIGSTORE PRIVATE KEY`, older `ENCRYPTED COSIGN PRIVATE KEY`), the
// public key as a PEM `PUBLIC KEY` (PKIX). Plain PKCS#8 (`PRIVATE KEY`) and SEC1 (`EC PRIVATE KEY`)
// keys are read too. Secretbox comes from @noble/ciphers (audited); scrypt from Node.
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  scrypt,
} from 'node:crypto';
import { secretbox } from '@noble/ciphers/salsa.js';
import { VcError } from '../errors.js';

export const SIGSTORE_PRIVATE_KEY = 'ENCRYPTED SIGSTORE PRIVATE KEY';
export const COSIGN_PRIVATE_KEY = 'ENCRYPTED COSIGN PRIVATE KEY';

/** The scrypt parameter sets cosign's encryption library accepts (its "standard" one is the default). */
export const SCRYPT_PARAMS = {
  legacy: { N: 32768, r: 8, p: 1 },
  standard: { N: 65536, r: 8, p: 1 },
  owasp: { N: 131072, r: 8, p: 1 },
} as const;
export type ScryptParams = { N: number; r: number; p: number };

/** A private key that can sign, with its public half. */
export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** The sealed form inside the PEM block (Go's JSON of []byte is standard base64). */
interface SealedKey {
  kdf: { name: string; params: ScryptParams; salt: string };
  cipher: { name: string; nonce: string };
  ciphertext: string;
}

function badKey(message: string, hint?: string): VcError {
  return new VcError(message, { code: 'BAD_KEY', exitCode: 2, ...(hint ? { hint } : {}) });
}

function scryptKey(password: string, salt: Uint8Array, params: ScryptParams): Promise<Uint8Array> {
  return new Promise((resolve, reject) =>
    scrypt(
      Buffer.from(password, 'utf8'),
      salt,
      32,
      // 128 * N * r bytes, plus room: Node's default limit (32 MiB) is below cosign's default N.
      { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r + 1024 * 1024 },
      (err, key) => (err ? reject(err) : resolve(new Uint8Array(key))),
    ),
  );
}

/** One PEM block: its type and DER bytes. */
export interface PemBlock {
  type: string;
  bytes: Uint8Array;
}

export function parsePem(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  const re = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const body = (m[2] ?? '').replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body)) continue;
    blocks.push({ type: m[1] ?? '', bytes: new Uint8Array(Buffer.from(body, 'base64')) });
  }
  return blocks;
}

export function formatPem(type: string, bytes: Uint8Array): string {
  const b64 = Buffer.from(bytes).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${type}-----\n${lines.join('\n')}\n-----END ${type}-----\n`;
}

/** Seals PKCS#8 DER bytes as cosign does (fresh salt and nonce). */
export async function sealPrivateKey(
  pkcs8: Uint8Array,
  password: string,
  params: ScryptParams = SCRYPT_PARAMS.standard,
): Promise<string> {
  const salt = randomBytes(32);
  const nonce = randomBytes(24);
  const key = await scryptKey(password, salt, params);
  const sealed: SealedKey = {
    kdf: { name: 'scrypt', params: { N: params.N, r: params.r, p: params.p }, salt: salt.toString('base64') },
    cipher: { name: 'nacl/secretbox', nonce: nonce.toString('base64') },
    ciphertext: Buffer.from(secretbox(key, nonce).seal(pkcs8)).toString('base64'),
  };
  return formatPem(SIGSTORE_PRIVATE_KEY, new TextEncoder().encode(JSON.stringify(sealed)));
}

function isParams(p: unknown): p is ScryptParams {
  return Object.values(SCRYPT_PARAMS).some(
    (known) =>
      typeof p === 'object' &&
      p !== null &&
      (p as ScryptParams).N === known.N &&
      (p as ScryptParams).r === known.r &&
      (p as ScryptParams).p === known.p,
  );
}

/** Opens a sealed key; a wrong password is bad input (exit 2), as is a sealed form cosign would refuse. */
export async function openPrivateKey(
  sealedJson: Uint8Array,
  password: string,
  what: string,
): Promise<Uint8Array> {
  let sealed: SealedKey;
  try {
    sealed = JSON.parse(Buffer.from(sealedJson).toString('utf8')) as SealedKey;
  } catch {
    throw badKey(`${what} is not a cosign key: its encrypted block is not JSON`);
  }
  if (sealed?.kdf?.name !== 'scrypt' || sealed.cipher?.name !== 'nacl/secretbox')
    throw badKey(
      `${what} uses ${sealed?.kdf?.name ?? '?'} + ${sealed?.cipher?.name ?? '?'}, not scrypt + nacl/secretbox`,
    );
  if (!isParams(sealed.kdf.params))
    throw badKey(`${what} has scrypt parameters cosign does not use (${JSON.stringify(sealed.kdf.params)})`);
  const salt = Buffer.from(sealed.kdf.salt ?? '', 'base64');
  const nonce = Buffer.from(sealed.cipher.nonce ?? '', 'base64');
  const box = Buffer.from(sealed.ciphertext ?? '', 'base64');
  if (nonce.byteLength !== 24 || box.byteLength < 16)
    throw badKey(`${what} is damaged (nonce or ciphertext)`);
  const key = await scryptKey(password, salt, sealed.kdf.params);
  let opened: Uint8Array | undefined;
  try {
    opened = secretbox(key, nonce).open(box);
  } catch {
    opened = undefined; // the authenticator does not match: another password
  }
  if (!opened)
    throw badKey(
      `wrong password for ${what}`,
      'give the password the key was made with in COSIGN_PASSWORD, or type it at the prompt',
    );
  return opened;
}

function checkP256(privateKey: KeyObject, what: string): void {
  const details = privateKey.asymmetricKeyDetails;
  if (privateKey.asymmetricKeyType !== 'ec' || details?.namedCurve !== 'prime256v1')
    throw badKey(
      `${what} is a ${privateKey.asymmetricKeyType}${details?.namedCurve ? ` ${details.namedCurve}` : ''} key; vc-coredns signs with ECDSA P-256 keys`,
      'make one with `vc-coredns keygen` or `cosign generate-key-pair`',
    );
}

/** True when the PEM text holds a sealed cosign key (the password is needed to read it). */
export function isEncryptedKey(text: string): boolean {
  return parsePem(text).some((b) => b.type === SIGSTORE_PRIVATE_KEY || b.type === COSIGN_PRIVATE_KEY);
}

/**
 * Reads a private key file: cosign's sealed format (with the password), PKCS#8 or SEC1 PEM. `what` names
 * the file in errors; neither the key nor the password ever appears in one.
 */
export async function readPrivateKey(
  text: string,
  password: string | undefined,
  what: string,
): Promise<SigningKey> {
  const block = parsePem(text).find((b) =>
    [SIGSTORE_PRIVATE_KEY, COSIGN_PRIVATE_KEY, 'PRIVATE KEY', 'EC PRIVATE KEY'].includes(b.type),
  );
  if (!block)
    throw badKey(
      `${what} holds no private key (no ${SIGSTORE_PRIVATE_KEY}, PRIVATE KEY or EC PRIVATE KEY block)`,
      'make one with `vc-coredns keygen`',
    );
  let privateKey: KeyObject;
  try {
    if (block.type === SIGSTORE_PRIVATE_KEY || block.type === COSIGN_PRIVATE_KEY) {
      if (password === undefined) throw badKey(`${what} is encrypted and no password was given`);
      const der = await openPrivateKey(block.bytes, password, what);
      privateKey = createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' });
    } else {
      privateKey = createPrivateKey({
        key: Buffer.from(block.bytes),
        format: 'der',
        type: block.type === 'PRIVATE KEY' ? 'pkcs8' : 'sec1',
      });
    }
  } catch (e) {
    if (e instanceof VcError) throw e;
    throw badKey(`${what} holds a ${block.type} block that is not a valid key`);
  }
  checkP256(privateKey, what);
  return { privateKey, publicKey: createPublicKey(privateKey) };
}

/** Reads a `PUBLIC KEY` PEM (cosign.pub): ECDSA P-256. */
export function readPublicKey(text: string, what: string): KeyObject {
  const block = parsePem(text).find((b) => b.type === 'PUBLIC KEY');
  if (!block)
    throw badKey(`${what} holds no PUBLIC KEY block`, 'pass the cosign.pub that goes with the signing key');
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(block.bytes), format: 'der', type: 'spki' });
  } catch {
    throw badKey(`${what} holds a PUBLIC KEY block that is not a valid key`);
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1')
    throw badKey(`${what} is not an ECDSA P-256 public key`);
  return key;
}

export function publicKeyPem(key: KeyObject): string {
  return key.export({ format: 'pem', type: 'spki' }).toString();
}

/** A fresh key pair in cosign's files: the sealed private key and the public key, both PEM. */
export async function generateKeyFiles(
  password: string,
  params: ScryptParams = SCRYPT_PARAMS.standard,
): Promise<{ privatePem: string; publicPem: string }> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const der = new Uint8Array(privateKey.export({ format: 'der', type: 'pkcs8' }));
  const privatePem = await sealPrivateKey(der, password, params);
  der.fill(0);
  return { privatePem, publicPem: publicKeyPem(publicKey) };
}
