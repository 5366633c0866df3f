// Which certificate authorities the registry client trusts. Node's own store (Mozilla's roots, plus
// NODE_EXTRA_CA_CERTS, which Node reads itself at start) unless SSL_CERT_FILE names a bundle, which
// replaces the roots as it does for OpenSSL, Go and docker; `--ca-file` adds CAs on top of either.
// `--insecure-skip-tls-verify` still speaks TLS but checks no certificate (plain http is --insecure).
import { readFile } from 'node:fs/promises';
import { getCACertificates } from 'node:tls';
import { badInput } from '../errors.js';

export interface TlsSettings {
  /** PEM certificates to trust instead of Node's store; undefined: Node's store as it is. */
  ca?: string[];
  /** false with --insecure-skip-tls-verify */
  rejectUnauthorized: boolean;
}

export interface TrustOptions {
  /** SSL_CERT_FILE, as the CLI read it */
  sslCertFile?: string;
  /** --ca-file, any number */
  caFiles: string[];
  skipVerify: boolean;
}

const PEM = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** The PEM certificates in a text (a bundle holds many; anything between them is ignored). */
export function pemCertificates(text: string): string[] {
  return text.match(PEM) ?? [];
}

async function certificatesIn(file: string, what: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw badInput(
      `${what} ${file} cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
      'BAD_CA_FILE',
      'name a PEM file with the CA certificates to trust',
    );
  }
  const certs = pemCertificates(text);
  if (certs.length === 0)
    throw badInput(
      `${what} ${file} holds no PEM certificate`,
      'BAD_CA_FILE',
      'it should contain -----BEGIN CERTIFICATE----- blocks (convert DER with `openssl x509 -inform der`)',
    );
  return certs;
}

/** Reads the CA files once, before any work starts; bad files are bad input (exit 2). */
export async function loadTrust(opts: TrustOptions): Promise<TlsSettings> {
  const rejectUnauthorized = !opts.skipVerify;
  if (!opts.sslCertFile && opts.caFiles.length === 0) return { rejectUnauthorized };
  const roots = opts.sslCertFile
    ? [...(await certificatesIn(opts.sslCertFile, 'SSL_CERT_FILE')), ...getCACertificates('extra')]
    : getCACertificates('default');
  const added: string[] = [];
  for (const f of opts.caFiles) added.push(...(await certificatesIn(f, '--ca-file')));
  return { ca: [...new Set([...roots, ...added])], rejectUnauthorized };
}
