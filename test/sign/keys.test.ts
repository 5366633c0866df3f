// cosign's key files, read and written by src/sign/keys.ts; cosign itself reads them in cosign.test.ts.
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  COSIGN_PRIVATE_KEY,
  formatPem,
  generateKeyFiles,
  parsePem,
  readPrivateKey,
  readPublicKey,
  SCRYPT_PARAMS,
  SIGSTORE_PRIVATE_KEY,
  sealPrivateKey,
} from '../../src/sign/keys.js';
import { signBytes, verifyBytes } from '../../src/sign/simple-signing.js';
import { rejection, thrown } from '../support/errors.js';

describe('cosign key files', () => {
  it('keygen output: a sealed PKCS#8 P-256 key whose public half is cosign.pub', async () => {
    const { privatePem, publicPem } = await generateKeyFiles('correct horse');
    const [block] = parsePem(privatePem);
    expect(block?.type).toBe(SIGSTORE_PRIVATE_KEY);
    const sealed = JSON.parse(Buffer.from(block?.bytes ?? []).toString('utf8'));
    expect(sealed.kdf.name).toBe('scrypt');
    expect(sealed.kdf.params).toEqual(SCRYPT_PARAMS.standard);
    expect(Buffer.from(sealed.kdf.salt, 'base64')).toHaveLength(32);
    expect(sealed.cipher).toEqual({ name: 'nacl/secretbox', nonce: expect.any(String) });
    expect(Buffer.from(sealed.cipher.nonce, 'base64')).toHaveLength(24);
    expect(privatePem).not.toContain('correct horse');

    const key = await readPrivateKey(privatePem, 'correct horse', 'cosign.key');
    const pub = readPublicKey(publicPem, 'cosign.pub');
    const sig = signBytes(key.privateKey, new TextEncoder().encode('payload'));
    expect(verifyBytes(pub, new TextEncoder().encode('payload'), sig)).toBe(true);
    expect(verifyBytes(pub, new TextEncoder().encode('payloaD'), sig)).toBe(false);
  });

  it('a wrong password is bad input that names the file, never the password', async () => {
    const { privatePem } = await generateKeyFiles('right-one');
    const e = await rejection(readPrivateKey(privatePem, 'wrong-one', 'keys/cosign.key'));
    expect(e.exitCode).toBe(2);
    expect(e.message).toBe('wrong password for keys/cosign.key');
    expect(`${e.message} ${e.hint}`).not.toMatch(/right-one|wrong-one/);
  });

  it('reads the older ENCRYPTED COSIGN PRIVATE KEY block and every scrypt strength cosign writes', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const der = new Uint8Array(privateKey.export({ format: 'der', type: 'pkcs8' }));
    for (const params of Object.values(SCRYPT_PARAMS)) {
      const sigstore = await sealPrivateKey(der, 'pw', params);
      const cosignBlock = sigstore.replaceAll(SIGSTORE_PRIVATE_KEY, COSIGN_PRIVATE_KEY);
      const key = await readPrivateKey(cosignBlock, 'pw', 'old.key');
      expect(key.publicKey.export({ format: 'der', type: 'spki' })).toEqual(
        createPublicKey(privateKey).export({ format: 'der', type: 'spki' }),
      );
      expect(key.privateKey.export({ format: 'der', type: 'pkcs8' })).toEqual(Buffer.from(der));
    }
  });

  it('refuses scrypt parameters cosign would refuse, and damaged blocks', async () => {
    const { privatePem } = await generateKeyFiles('pw');
    const [block] = parsePem(privatePem);
    const sealed = JSON.parse(Buffer.from(block?.bytes ?? []).toString('utf8'));
    sealed.kdf.params.N = 1024;
    const weak = formatPem(SIGSTORE_PRIVATE_KEY, new TextEncoder().encode(JSON.stringify(sealed)));
    expect((await rejection(readPrivateKey(weak, 'pw', 'weak.key'))).message).toMatch(
      /^weak.key has scrypt parameters cosign does not use/,
    );
    const garbage = formatPem(SIGSTORE_PRIVATE_KEY, new TextEncoder().encode('not json'));
    expect((await rejection(readPrivateKey(garbage, 'pw', 'g.key'))).exitCode).toBe(2);
  });

  it('plain PKCS#8 and SEC1 PEM keys need no password', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    for (const type of ['pkcs8', 'sec1'] as const) {
      const pem = privateKey.export({ format: 'pem', type }).toString();
      const key = await readPrivateKey(pem, undefined, 'plain.pem');
      expect(key.privateKey.export({ format: 'der', type: 'pkcs8' })).toEqual(
        privateKey.export({ format: 'der', type: 'pkcs8' }),
      );
    }
  });

  it('other key types and files without a key are bad input', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
      format: 'pem',
      type: 'pkcs8',
    });
    const e = await rejection(readPrivateKey(rsa.toString(), undefined, 'rsa.pem'));
    expect(e.exitCode).toBe(2);
    expect(e.message).toBe('rsa.pem is a rsa key; vc-coredns signs with ECDSA P-256 keys');
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({
      format: 'pem',
      type: 'spki',
    });
    expect(thrown(() => readPublicKey(p384.toString(), 'p384.pub')).message).toBe(
      'p384.pub is not an ECDSA P-256 public key',
    );
    expect((await rejection(readPrivateKey('hello', 'pw', 'x.key'))).message).toMatch(
      /^x.key holds no private key/,
    );
    expect(thrown(() => readPublicKey('hello', 'x.pub')).message).toBe('x.pub holds no PUBLIC KEY block');
  });
});
