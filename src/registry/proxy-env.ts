// Proxy settings from the environment, read as curl reads them (git uses curl; Go and docker agree on
// the names): `https_proxy`/`HTTPS_PROXY` for https registries, `http_proxy`/`HTTP_PROXY` for plain
// http ones (--insecure), `all_proxy`/`ALL_PROXY` for either when its own is unset; lower case first,
// an empty value is unset, a value without a scheme is an http:// proxy. `no_proxy`/`NO_PROXY` lists
// the hosts reached directly. Pure: the CLI hands in the environment it read once.
import { badInput } from '../errors.js';

export interface ProxyServer {
  /** Normalised: `http://[user:password@]host:port`. Print only through redact(). */
  url: string;
  /** The variable it came from, for messages: `https_proxy`, `ALL_PROXY`... */
  from: string;
}

export interface ProxySettings {
  /** The proxy for http:// registries (--insecure). */
  http?: ProxyServer;
  /** The proxy for https:// registries. */
  https?: ProxyServer;
  /** The NO_PROXY list as given: `*`, host names, `.domain` suffixes, host:port, IPs and CIDR ranges. */
  noProxy: string;
}

const SCHEMES = new Set(['http:', 'https:', 'socks5:', 'socks:']);

function first(env: NodeJS.ProcessEnv, names: string[]): { name: string; value: string } | undefined {
  for (const name of names) {
    const value = env[name]?.trim();
    if (value) return { name, value };
  }
  return undefined;
}

/** `proxy:3128` -> `http://proxy:3128`; bad input (exit 2) for what is no proxy URL. */
function proxyOf(found: { name: string; value: string }): ProxyServer {
  const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(found.value) ? found.value : `http://${found.value}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    url = new URL('invalid:');
  }
  if (!SCHEMES.has(url.protocol) || !url.hostname) {
    throw badInput(
      `${found.name} is not a proxy URL`,
      'BAD_PROXY',
      `write it as http://host:port, with user:password@ before the host if the proxy asks (https:// and socks5:// proxies work too)`,
    );
  }
  return { url: url.href.replace(/\/$/, ''), from: found.name };
}

export function proxySettingsFromEnv(env: NodeJS.ProcessEnv): ProxySettings {
  const all = first(env, ['all_proxy', 'ALL_PROXY']);
  const https = first(env, ['https_proxy', 'HTTPS_PROXY']) ?? all;
  const http = first(env, ['http_proxy', 'HTTP_PROXY']) ?? all;
  const noProxy = env.no_proxy ?? env.NO_PROXY ?? '';
  return {
    ...(http ? { http: proxyOf(http) } : {}),
    ...(https ? { https: proxyOf(https) } : {}),
    noProxy,
  };
}

/** Every form a proxy's credentials could take in text (for scrubbing errors and logs). */
export function proxySecrets(settings: ProxySettings | undefined): string[] {
  const out = new Set<string>();
  for (const p of [settings?.http, settings?.https]) {
    if (!p) continue;
    const url = new URL(p.url);
    const user = decodeURIComponent(url.username);
    const pass = decodeURIComponent(url.password);
    if (!pass && !user) continue;
    for (const s of [pass, url.password, `${user}:${pass}`]) {
      if (s.length >= 3) out.add(s);
    }
    out.add(Buffer.from(`${user}:${pass}`).toString('base64'));
  }
  return [...out];
}
