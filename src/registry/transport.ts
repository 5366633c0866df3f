import { setTimeout as sleep } from 'node:timers/promises';
import { VcError } from '../errors.js';
import { type Challenge, pickChallenge } from './challenge.js';
import { type CredentialSource, type Credentials, secretForms } from './credentials.js';
import {
  authHint,
  httpError,
  isPlainHttpAnswer,
  type NetworkContext,
  networkError,
  registryErrorText,
  scrubError,
  scrubText,
  TransientError,
} from './errors.js';
import { type ProxySettings, proxySecrets } from './proxy-env.js';
import { isLoopback, registryBaseUrls } from './ref.js';

export interface RetryPolicy {
  /** attempts in all, the first included */
  attempts: number;
  /** the first wait; doubled each attempt */
  baseDelayMs: number;
  /** cap on a wait, Retry-After included */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 500, maxDelayMs: 30_000 };

/** What the client did; a re-push of an unchanged image shows blobBytesUploaded 0. */
export interface RegistryStats {
  /** HTTP requests sent, token requests included */
  requests: number;
  /** attempts repeated after a transient failure */
  retries: number;
  tokenRequests: number;
  blobsUploaded: number;
  /** bytes of blobs whose upload completed */
  blobBytesUploaded: number;
  /** blobs found in the repository already (HEAD) */
  blobsExisting: number;
  /** blobs mounted from another repository */
  blobsMounted: number;
  manifestsPut: number;
  /** request body bytes sent, failed attempts included */
  bytesSent: number;
}

export function emptyStats(): RegistryStats {
  return {
    requests: 0,
    retries: 0,
    tokenRequests: 0,
    blobsUploaded: 0,
    blobBytesUploaded: 0,
    blobsExisting: 0,
    blobsMounted: 0,
    manifestsPut: 0,
    bytesSent: 0,
  };
}

export interface TransportOptions {
  credentials: CredentialSource;
  insecure: boolean;
  /** The proxies requests go through (for hints, and so that their credentials are scrubbed). */
  proxy?: ProxySettings;
  retry: RetryPolicy;
  requestTimeoutMs: number;
  fetch: typeof fetch;
  userAgent: string;
  log: ((line: string) => void) | undefined;
  /** `--verbose`: told each request and its status; the URL without its query, never a header */
  trace?: ((line: string) => void) | undefined;
}

/**
 * A request as a verbose line: method, URL without user info and query (a query can carry a signed
 * download URL's credentials), and what came back.
 */
export function requestLine(method: string, url: string | URL, outcome: string): string {
  const u = new URL(url);
  const query = u.search ? '?…' : '';
  return `registry: ${method} ${u.protocol}//${u.host}${u.pathname}${query} -> ${outcome}`;
}

interface TokenEntry {
  value: Promise<string>;
  /** ms since the epoch after which a new token is fetched */
  refreshAt: number;
}

interface RegistryState {
  registry: string;
  /** `https://host[:port]` or `http://...`: the first of `bases` until the ping settles it */
  base: string;
  /** what to try, in order (loopback: https, then http as docker does) */
  bases: string[];
  /** undefined: not pinged yet; null: the registry asked for no auth */
  challenge: Challenge | null | undefined;
  ping: Promise<void> | undefined;
  creds: Promise<Credentials | undefined> | undefined;
  tokens: Map<string, TokenEntry>;
}

export interface SendRequest {
  method: string;
  url: string | URL;
  headers?: Record<string, string>;
  body?: Uint8Array | string;
  /** `manual` to see a redirect; `follow` by default */
  redirect?: 'follow' | 'manual' | 'error';
}

/** HTTP to registries: auth from challenges, token cache, retries, stats and secret scrubbing. */
export class Transport {
  readonly stats: RegistryStats = emptyStats();
  /** every form of every credential and token seen, so no error can carry one */
  readonly secrets = new Set<string>();
  private readonly states = new Map<string, RegistryState>();

  constructor(readonly opts: TransportOptions) {
    for (const f of proxySecrets(opts.proxy)) this.secrets.add(f);
  }

  state(registry: string): RegistryState {
    let s = this.states.get(registry);
    if (!s) {
      const bases = registryBaseUrls(registry, this.opts.insecure);
      s = {
        registry,
        base: bases[0] as string,
        bases,
        challenge: undefined,
        ping: undefined,
        creds: undefined,
        tokens: new Map(),
      };
      this.states.set(registry, s);
    }
    return s;
  }

  /** Throws the error with every secret form scrubbed from its text. */
  scrub(e: unknown): never {
    throw scrubError(e, this.secrets);
  }

  private addSecret(s: string | undefined): void {
    for (const f of secretForms({ registryToken: s })) this.secrets.add(f);
  }

  /** Runs an attempt again after transient failures, with exponential backoff and Retry-After. */
  async retrying<T>(what: string, fn: (attempt: number) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const { attempts, baseDelayMs, maxDelayMs } = this.opts.retry;
    for (let attempt = 1; ; attempt++) {
      signal?.throwIfAborted();
      try {
        return await fn(attempt);
      } catch (e) {
        if (signal?.aborted) throw signal.reason;
        if (!(e instanceof TransientError)) throw e;
        if (attempt >= attempts) {
          throw new VcError(`${e.message}; gave up after ${attempts} attempts`, {
            code: e.code,
            ...(e.hint ? { hint: e.hint } : {}),
            cause: e.cause,
          });
        }
        const backoff = baseDelayMs * 2 ** (attempt - 1) * (0.75 + Math.random() * 0.5);
        const wait = Math.min(maxDelayMs, e.retryAfterMs ?? backoff);
        this.stats.retries++;
        this.opts.log?.(
          scrubText(
            `${e.message}; retrying ${what} in ${Math.round(wait)} ms (attempt ${attempt + 1} of ${attempts})`,
            this.secrets,
          ),
        );
        try {
          await sleep(wait, undefined, signal ? { signal } : undefined);
        } catch (err) {
          if (signal?.aborted) throw signal.reason;
          throw err;
        }
      }
    }
  }

  /** One HTTP exchange, no auth, no retry; connection failures become (transient) errors. */
  async fetchOnce(
    registry: string,
    url: string | URL,
    init: {
      method: string;
      headers: Record<string, string>;
      body?: Uint8Array | string;
      redirect?: 'follow' | 'manual' | 'error';
    },
    what: string,
    signal?: AbortSignal,
  ): Promise<Response> {
    signal?.throwIfAborted();
    const timeout = AbortSignal.timeout(this.opts.requestTimeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    this.stats.requests++;
    if (init.body !== undefined)
      this.stats.bytesSent +=
        typeof init.body === 'string' ? Buffer.byteLength(init.body) : init.body.byteLength;
    try {
      const res = await this.opts.fetch(url, {
        method: init.method,
        headers: { 'User-Agent': this.opts.userAgent, ...init.headers },
        ...(init.body === undefined ? {} : { body: init.body }),
        redirect: init.redirect ?? 'follow',
        signal: combined,
      });
      this.opts.trace?.(requestLine(init.method, url, String(res.status)));
      return res;
    } catch (e) {
      this.opts.trace?.(requestLine(init.method, url, signal?.aborted ? 'aborted' : 'no answer'));
      if (signal?.aborted) throw signal.reason;
      throw networkError(e, registry, what, this.networkContext(registry, url));
    }
  }

  private networkContext(registry: string, url: string | URL): NetworkContext {
    const https = new URL(url).protocol === 'https:';
    const proxy = https ? this.opts.proxy?.https : this.opts.proxy?.http;
    return { plainHttpHint: https && !isLoopback(registry), ...(proxy ? { proxy } : {}) };
  }

  /** A response body as bytes; a connection lost or timed out halfway is a transient error too. */
  async bodyBytes(res: Response, registry: string, what: string, signal?: AbortSignal): Promise<Uint8Array> {
    try {
      return new Uint8Array(await res.arrayBuffer());
    } catch (e) {
      if (signal?.aborted) throw signal.reason;
      throw networkError(e, registry, what, { plainHttpHint: false });
    }
  }

  /** Learns how the registry wants to be authenticated (GET /v2/), once per registry. */
  ensurePing(state: RegistryState, what: string, signal?: AbortSignal): Promise<void> {
    if (!state.ping) {
      const p = this.retrying(what, () => this.pingOnce(state, what, signal), signal);
      state.ping = p;
      p.catch(() => {
        if (state.ping === p) state.ping = undefined;
      });
    }
    return state.ping;
  }

  private async pingOnce(state: RegistryState, what: string, signal?: AbortSignal): Promise<void> {
    let res: Response | undefined;
    for (const [i, base] of state.bases.entries()) {
      try {
        res = await this.fetchOnce(
          state.registry,
          `${base}/v2/`,
          { method: 'GET', headers: {} },
          what,
          signal,
        );
        state.base = base;
        break;
      } catch (e) {
        // A TLS handshake answered in plain http: the next scheme (loopback registries speak either).
        const plain = e instanceof VcError && e.code === 'REGISTRY_TLS' && isPlainHttpAnswer(e.cause);
        if (!plain || i === state.bases.length - 1) throw e;
      }
    }
    if (!res) throw new Error('unreachable: a registry without a URL to try');
    const body = await readText(res);
    if (res.ok) {
      if (state.challenge === undefined) state.challenge = null;
      return;
    }
    if (res.status === 401) {
      const ch = pickChallenge(res.headers.get('www-authenticate'));
      if (!ch)
        throw new VcError(
          `registry ${state.registry} answered 401 to /v2/ without a usable WWW-Authenticate challenge`,
          {
            code: 'REGISTRY_AUTH',
            hint: 'only Basic and Bearer token authentication are supported',
          },
        );
      state.challenge = ch;
      return;
    }
    if (res.status === 404)
      throw new VcError(
        `${state.base}/v2/ answered 404: ${state.registry} does not look like an OCI registry`,
        {
          code: 'REGISTRY_ERROR',
          hint: 'check the registry host and port in the image reference',
        },
      );
    throw httpError(res.status, res.statusText, body, {
      registry: state.registry,
      what,
      push: false,
      retryAfter: res.headers.get('retry-after'),
    });
  }

  private credsFor(state: RegistryState, signal?: AbortSignal): Promise<Credentials | undefined> {
    if (!state.creds) {
      const p = this.opts.credentials(state.registry, signal).then((c) => {
        for (const f of secretForms(c)) this.secrets.add(f);
        return c;
      });
      state.creds = p;
      p.catch(() => {
        if (state.creds === p) state.creds = undefined;
      });
    }
    return state.creds;
  }

  /** The Authorization header for these scopes, or undefined for anonymous access. */
  private async authorization(
    state: RegistryState,
    scopes: string[],
    /** the Authorization that was just refused: a token equal to it is not reused */
    refused: string | undefined,
    what: string,
    signal?: AbortSignal,
  ): Promise<string | undefined> {
    await this.ensurePing(state, what, signal);
    const ch = state.challenge;
    if (!ch) return undefined;
    const creds = await this.credsFor(state, signal);
    if (ch.scheme === 'basic') {
      if (!creds || (!creds.username && !creds.password)) return undefined;
      return `Basic ${Buffer.from(`${creds.username ?? ''}:${creds.password ?? ''}`).toString('base64')}`;
    }
    if (creds?.registryToken) return `Bearer ${creds.registryToken}`;
    const key = scopes.join(' ');
    const cached = state.tokens.get(key);
    if (cached && Date.now() < cached.refreshAt) {
      // shared with concurrent requests; after a 401 one refresh serves them all
      const header = `Bearer ${await cached.value}`;
      if (header !== refused) return header;
    }
    const entry: TokenEntry = { value: Promise.resolve(''), refreshAt: Number.POSITIVE_INFINITY };
    entry.value = this.fetchToken(state, ch, scopes, creds, signal).then(({ token, ttlMs }) => {
      entry.refreshAt = Date.now() + ttlMs * 0.8;
      return token;
    });
    state.tokens.set(key, entry);
    entry.value.catch(() => {
      if (state.tokens.get(key) === entry) state.tokens.delete(key);
    });
    return `Bearer ${await entry.value}`;
  }

  private async fetchToken(
    state: RegistryState,
    ch: Challenge,
    scopes: string[],
    creds: Credentials | undefined,
    signal?: AbortSignal,
  ): Promise<{ token: string; ttlMs: number }> {
    const registry = state.registry;
    const realm = ch.params.realm;
    let url: URL;
    try {
      url = new URL(realm ?? '');
    } catch {
      throw new VcError(`registry ${registry} asked for a bearer token without a valid realm`, {
        code: 'REGISTRY_AUTH',
      });
    }
    if (
      url.protocol !== 'https:' &&
      !(url.protocol === 'http:' && (isLoopback(url.host) || this.opts.insecure))
    )
      throw new VcError(
        `registry ${registry} sends clients for tokens to ${url.origin}, which is not https`,
        {
          code: 'REGISTRY_AUTH',
          hint: 'refusing to send credentials in the clear; pass --insecure only if you trust this network',
        },
      );
    const what = `getting a token for ${registry} from ${url.origin}`;
    const service = ch.params.service;
    const headers: Record<string, string> = {};
    let method = 'GET';
    let body: string | undefined;
    if (creds?.identityToken) {
      // OAuth2 refresh token flow, as docker does with an identity token
      method = 'POST';
      const form = new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: creds.identityToken,
        client_id: 'vc-coredns',
      });
      if (service) form.set('service', service);
      if (scopes.length) form.set('scope', scopes.join(' '));
      body = form.toString();
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
    } else {
      if (service) url.searchParams.set('service', service);
      for (const s of scopes) url.searchParams.append('scope', s);
      if (creds && (creds.username || creds.password)) {
        if (creds.username) url.searchParams.set('account', creds.username);
        headers.Authorization = `Basic ${Buffer.from(`${creds.username ?? ''}:${creds.password ?? ''}`).toString('base64')}`;
      }
    }
    this.stats.tokenRequests++;
    const res = await this.fetchOnce(
      registry,
      url,
      { method, headers, ...(body === undefined ? {} : { body }) },
      what,
      signal,
    );
    const text = await readText(res);
    if (res.status === 401 || res.status === 403) {
      const reg = registryErrorText(text);
      throw new VcError(
        `authentication to registry ${registry} failed: its token service ${url.origin} answered ${res.status}${reg ? ` (${reg})` : ''}`,
        { code: 'REGISTRY_AUTH', hint: authHint(registry) },
      );
    }
    if (!res.ok)
      throw httpError(res.status, res.statusText, text, {
        registry,
        what,
        push: false,
        retryAfter: res.headers.get('retry-after'),
      });
    let parsed: { token?: unknown; access_token?: unknown; expires_in?: unknown };
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch {
      throw new VcError(
        `the token service ${url.origin} of registry ${registry} answered something that is not JSON`,
        {
          code: 'REGISTRY_AUTH',
        },
      );
    }
    const token = typeof parsed.token === 'string' && parsed.token ? parsed.token : parsed.access_token;
    if (typeof token !== 'string' || !token)
      throw new VcError(`the token service ${url.origin} of registry ${registry} answered without a token`, {
        code: 'REGISTRY_AUTH',
      });
    this.addSecret(token);
    const ttl = typeof parsed.expires_in === 'number' && parsed.expires_in > 0 ? parsed.expires_in : 60;
    return { token, ttlMs: ttl * 1000 };
  }

  /**
   * One authenticated exchange (no retry). A 401 carrying a challenge is answered once more with fresh
   * auth (a new token for the challenge's scope, or a scheme learnt late).
   */
  async send(
    registry: string,
    scopes: string[],
    req: SendRequest,
    what: string,
    signal?: AbortSignal,
  ): Promise<Response> {
    const state = this.state(registry);
    let wanted = mergeScopes(scopes);
    let refused: string | undefined;
    for (let round = 0; ; round++) {
      const auth = await this.authorization(state, wanted, refused, what, signal);
      const headers = { ...req.headers, ...(auth ? { Authorization: auth } : {}) };
      const init = {
        method: req.method,
        headers,
        ...(req.body === undefined ? {} : { body: req.body }),
        ...(req.redirect ? { redirect: req.redirect } : {}),
      };
      const res = await this.fetchOnce(registry, req.url, init, what, signal);
      if (res.status !== 401 || round > 0) return res;
      const ch = pickChallenge(res.headers.get('www-authenticate'));
      if (!ch) return res;
      const creds = await this.credsFor(state, signal);
      // Basic with nothing to send, or the same basic credentials again: no point asking twice.
      if (ch.scheme === 'basic' && (auth !== undefined || !creds)) return res;
      state.challenge = ch;
      const asked = ch.params.scope;
      if (asked) wanted = mergeScopes([...wanted, ...asked.split(' ')]);
      refused = auth;
      await res.body?.cancel();
    }
  }
}

/**
 * Scopes with the actions of each resource united, sorted: `repository:a:pull,push`, `repository:a:pull`
 * and `repository:b:pull` -> `repository:a:pull,push repository:b:pull` (one token, one cache key).
 */
export function mergeScopes(scopes: string[]): string[] {
  const byResource = new Map<string, Set<string>>();
  const other = new Set<string>();
  for (const scope of scopes) {
    const i = scope.lastIndexOf(':');
    if (i <= 0 || scope.indexOf(':') === i) {
      other.add(scope);
      continue;
    }
    const resource = scope.slice(0, i);
    const actions = byResource.get(resource) ?? new Set<string>();
    byResource.set(resource, actions);
    for (const a of scope.slice(i + 1).split(',')) if (a) actions.add(a);
  }
  const out = [...byResource].map(([r, a]) => `${r}:${[...a].sort().join(',')}`);
  return [...out, ...other];
}

/** The body as text, at most `limit` characters (error bodies only). */
export async function readText(res: Response, limit = 64 * 1024): Promise<string> {
  try {
    const t = await res.text();
    return t.length > limit ? t.slice(0, limit) : t;
  } catch {
    return '';
  }
}
