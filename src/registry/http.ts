// The fetch the registry client talks through: undici's, with one dispatcher that applies the proxy
// settings (proxy-env.ts) and the trusted CAs (trust.ts) to every connection, token services included.
// undici's EnvHttpProxyAgent matches NO_PROXY; one is made per scheme because curl sends https only
// to an https proxy (EnvHttpProxyAgent would fall back to http_proxy), and CIDR ranges in NO_PROXY
// (curl 7.86+) are matched here against IP-address hosts.
import { BlockList, isIP } from 'node:net';
import { Agent, Dispatcher, EnvHttpProxyAgent, fetch as undiciFetch } from 'undici';
import type { ProxySettings } from './proxy-env.js';
import type { TlsSettings } from './trust.js';

export interface NetworkSettings {
  proxy?: ProxySettings;
  tls?: TlsSettings;
}

/** NO_PROXY without its CIDR entries (EnvHttpProxyAgent takes those for host names), and the ranges. */
function splitNoProxy(noProxy: string): { names: string; ranges: BlockList } {
  const ranges = new BlockList();
  const names: string[] = [];
  for (const entry of noProxy.split(/[\s,]+/).filter(Boolean)) {
    const m = /^\[?([0-9a-f.:]+)\]?\/(\d{1,3})$/i.exec(entry);
    const family = m ? isIP(m[1] ?? '') : 0;
    if (m && family) ranges.addSubnet(m[1] as string, Number(m[2]), family === 6 ? 'ipv6' : 'ipv4');
    else names.push(entry);
  }
  return { names: names.join(','), ranges };
}

class RegistryDispatcher extends Dispatcher {
  constructor(
    private readonly httpAgent: Dispatcher,
    private readonly httpsAgent: Dispatcher,
    private readonly direct: Dispatcher,
    private readonly bypass: BlockList,
  ) {
    super();
  }

  override dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const url = new URL(String(opts.origin));
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const family = isIP(host);
    if (family && this.bypass.check(host, family === 6 ? 'ipv6' : 'ipv4'))
      return this.direct.dispatch(opts, handler);
    return (url.protocol === 'https:' ? this.httpsAgent : this.httpAgent).dispatch(opts, handler);
  }

  private all(): Dispatcher[] {
    return [...new Set([this.httpAgent, this.httpsAgent, this.direct])];
  }

  override close(): Promise<void>;
  override close(callback: () => void): void;
  override close(callback?: () => void): Promise<void> | undefined {
    const done = Promise.all(this.all().map((d) => d.close())).then(() => {});
    if (!callback) return done;
    void done.then(callback);
    return undefined;
  }

  override destroy(): Promise<void>;
  override destroy(err: Error | null): Promise<void>;
  override destroy(callback: () => void): void;
  override destroy(err: Error | null, callback: () => void): void;
  override destroy(a?: Error | null | (() => void), b?: () => void): Promise<void> | undefined {
    const err = typeof a === 'function' ? null : (a ?? null);
    const callback = typeof a === 'function' ? a : b;
    const done = Promise.all(this.all().map((d) => d.destroy(err))).then(() => {});
    if (!callback) return done;
    void done.then(callback);
    return undefined;
  }
}

/** The dispatcher for these settings: proxies per scheme, NO_PROXY, and the same TLS trust everywhere. */
export function registryDispatcher(settings: NetworkSettings = {}): Dispatcher {
  const tls = settings.tls
    ? {
        ...(settings.tls.ca ? { ca: settings.tls.ca } : {}),
        rejectUnauthorized: settings.tls.rejectUnauthorized,
      }
    : {};
  // Target TLS on a direct connection (connect) and through a CONNECT tunnel (requestTls); an https
  // proxy's own certificate is checked against the same CAs (proxyTls).
  const agentOpts = {
    connect: tls,
    requestTls: tls,
    proxyTls: settings.tls?.ca ? { ca: settings.tls.ca } : {},
  };
  const { names, ranges } = splitNoProxy(settings.proxy?.noProxy ?? '');
  const direct = new Agent({ connect: tls });
  // Explicit values (never undefined) so that undici does not read process.env itself.
  const via = (proxy: string | undefined) =>
    proxy
      ? new EnvHttpProxyAgent({ ...agentOpts, httpProxy: proxy, httpsProxy: proxy, noProxy: names })
      : direct;
  return new RegistryDispatcher(
    via(settings.proxy?.http?.url),
    via(settings.proxy?.https?.url),
    direct,
    ranges,
  );
}

/** A fetch (the global fetch's signature) that goes through this dispatcher. */
export function dispatcherFetch(dispatcher: Dispatcher): typeof fetch {
  return ((input: string | URL, init?: RequestInit) =>
    undiciFetch(input, { ...(init as object), dispatcher })) as unknown as typeof fetch;
}
