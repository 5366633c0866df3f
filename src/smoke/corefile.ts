// The Corefile and the probes' output the smoke runner reads (pure).
import { ZONE } from './cases.js';

export interface CorefileOptions {
  apiUrl: string;
  /** plugin names the binary has (from `-plugins`), e.g. `errors`, `log`, `bind` */
  plugins: ReadonlySet<string>;
}

/** The server block: the port comes from `-dns.port`; `bind`, `errors` and `log` when the binary has them. */
export function corefile({ apiUrl, plugins }: CorefileOptions): string {
  const optional = ['bind 127.0.0.1', 'errors', 'log'].filter((line) =>
    plugins.has(line.split(' ')[0] ?? ''),
  );
  return `. {
${optional.map((l) => `    ${l}\n`).join('')}    kubernetes ${ZONE} in-addr.arpa ip6.arpa {
        endpoint ${apiUrl}
    }
}
`;
}

/**
 * The plugins `coredns -plugins` lists: `  dns.kubernetes` under "Other plugins:" (caddy-era layout)
 * or one bare name a line (newer releases). Section headers end in ":" and never match.
 */
export function parsePlugins(output: string): Set<string> {
  const names = new Set<string>();
  for (const line of output.split('\n')) {
    const m = /^\s*(?:dns\.)?([a-z0-9_]+)\s*$/.exec(line);
    if (m?.[1]) names.add(m[1]);
  }
  return names;
}

/** The CoreDNS version `-version` printed (`CoreDNS-1.9.3` -> `v1.9.3`), or null. */
export function parseVersionLine(output: string): string | null {
  const m = /CoreDNS-(\d+\.\d+\.\d+)\b/.exec(output);
  return m ? `v${m[1]}` : null;
}
