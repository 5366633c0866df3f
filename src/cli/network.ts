// The flags and environment of commands that talk to registries: plain http (--insecure), trusted CAs
// (--ca-file, SSL_CERT_FILE; NODE_EXTRA_CA_CERTS is Node's own), unchecked TLS
// (--insecure-skip-tls-verify) and proxies (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY).
import { type Command, Option } from 'commander';
import type { NetworkSettings } from '../registry/http.js';
import type { Io } from './io.js';

export interface NetworkCliOptions {
  insecure?: boolean;
  caFile?: string[];
  insecureSkipTlsVerify?: boolean;
}

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

/** Adds the registry connection flags, shown under their own heading in --help. */
export function addNetworkOptions(cmd: Command): Command {
  const group = 'Registry connection (proxies: HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY):';
  return cmd
    .addOption(
      new Option(
        '--insecure',
        'plain http to every registry (loopback ones fall back to http by themselves)',
      ).helpGroup(group),
    )
    .addOption(
      new Option('--ca-file <file>', 'also trust the CA certificates (PEM) in this file; may be repeated')
        .argParser(collect)
        .helpGroup(group),
    )
    .addOption(
      new Option(
        '--insecure-skip-tls-verify',
        'speak TLS to registries but do not check their certificates',
      ).helpGroup(group),
    );
}

/** Reads the proxy variables and CA files once, before any work; bad values are bad input (exit 2). */
export async function networkFromCli(opts: NetworkCliOptions, io: Io): Promise<NetworkSettings> {
  const [{ proxySettingsFromEnv }, { loadTrust }] = await Promise.all([
    import('../registry/proxy-env.js'),
    import('../registry/trust.js'),
  ]);
  const proxy = proxySettingsFromEnv(io.env);
  const tls = await loadTrust({
    ...(io.env.SSL_CERT_FILE ? { sslCertFile: io.env.SSL_CERT_FILE } : {}),
    caFiles: opts.caFile ?? [],
    skipVerify: Boolean(opts.insecureSkipTlsVerify),
  });
  if (opts.insecureSkipTlsVerify)
    io.err('warning: --insecure-skip-tls-verify: registry certificates are not checked\n');
  return { proxy, tls };
}
