import { STATUS_CODES } from 'node:http';
import { redact, VcError } from '../errors.js';
import { ENV_PASSWORD, ENV_USERNAME } from './credentials.js';
import type { ProxyServer } from './proxy-env.js';

/** A failure worth another attempt: a dropped connection, a timeout, 408/429/5xx. */
export class TransientError extends Error {
  constructor(
    message: string,
    readonly code: 'REGISTRY_UNREACHABLE' | 'REGISTRY_ERROR',
    readonly hint: string | undefined,
    /** from Retry-After */
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TransientError';
  }
}

/** Codes of connection failures that another attempt may fix. */
const RETRYABLE_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH',
  'UND_ERR_PRX_CONN',
]);

const TLS_CODE = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/;
/** What a TLS client sees when the server answers in plain http. */
const PLAIN_HTTP_CODE = /^ERR_SSL_(WRONG_VERSION_NUMBER|PACKET_LENGTH_TOO_LONG|HTTP_REQUEST)$/;

/** The TLS handshake failed because the server speaks plain http, not because of its certificate. */
export function isPlainHttpAnswer(e: unknown): boolean {
  return PLAIN_HTTP_CODE.test(errorCode(e) ?? '');
}

/** The first `code` on an error or its causes (undici puts the socket error in `cause`). */
export function errorCode(e: unknown): string | undefined {
  let cur: unknown = e;
  for (let depth = 0; cur && depth < 5; depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

function causeText(e: unknown): string {
  const parts: string[] = [];
  let cur: unknown = e;
  for (let depth = 0; cur && depth < 5; depth++) {
    const msg = (cur as { message?: unknown }).message;
    if (typeof msg === 'string' && msg && !parts.includes(msg)) parts.push(msg);
    cur = (cur as { cause?: unknown }).cause;
  }
  return parts.join(': ');
}

export const TRUST_HINT =
  'trust its CA with --ca-file <ca.pem> (or SSL_CERT_FILE / NODE_EXTRA_CA_CERTS), ' +
  'or pass --insecure-skip-tls-verify to not check certificates';

/** What a network failure happened under: the scheme used, and the proxy configured for it. */
export interface NetworkContext {
  /** the request went out as https to a registry that may speak plain http (not loopback, not --insecure) */
  plainHttpHint: boolean;
  /** the proxy configured for the request's scheme (NO_PROXY may still have sent it directly) */
  proxy?: ProxyServer;
}

function proxyHint(p: ProxyServer): string {
  return `requests go through the proxy ${redact(p.url)} (${p.from}) unless NO_PROXY names the registry: check that proxy, or add the registry to NO_PROXY`;
}

/** A proxy that refused the request: `Proxy response (407)` on CONNECT, 407 on a forwarded request. */
function proxyRefusal(e: unknown): number | undefined {
  const text = causeText(e);
  const m = /Proxy response \((\d{3})\)|Proxy Authentication Required \((407)\)/.exec(text);
  return m ? Number(m[1] ?? m[2]) : undefined;
}

/** Turns what fetch threw (not an abort by the caller) into a transient or final error. */
export function networkError(e: unknown, registry: string, what: string, ctx: NetworkContext): Error {
  const code = errorCode(e);
  const name = (e as { name?: unknown })?.name;
  const detail = code ?? (causeText(e) || String(e));
  const status = proxyRefusal(e);
  if (status !== undefined && ctx.proxy) {
    const proxy = redact(ctx.proxy.url);
    const message = `the proxy ${proxy} (${ctx.proxy.from}) answered ${status}${STATUS_CODES[status] ? ` ${STATUS_CODES[status]}` : ''} to the request for registry ${registry} while ${what}`;
    if (status >= 500)
      return new TransientError(message, 'REGISTRY_UNREACHABLE', proxyHint(ctx.proxy), undefined, {
        cause: e,
      });
    return new VcError(message, {
      code: 'REGISTRY_PROXY',
      hint:
        status === 407
          ? `the proxy asks for a user and password: check those in ${ctx.proxy.from} (user:password@ before its host)`
          : proxyHint(ctx.proxy),
      cause: e,
    });
  }
  if (name === 'TimeoutError') {
    return new TransientError(
      `registry ${registry} did not answer in time while ${what}`,
      'REGISTRY_UNREACHABLE',
      ctx.proxy ? proxyHint(ctx.proxy) : undefined,
      undefined,
      { cause: e },
    );
  }
  if (code && TLS_CODE.test(code)) {
    const plain = isPlainHttpAnswer(e);
    return new VcError(`TLS connection to registry ${registry} failed while ${what} (${code})`, {
      code: 'REGISTRY_TLS',
      hint: plain
        ? ctx.plainHttpHint
          ? 'the registry speaks plain http: pass --insecure if you trust this network'
          : 'the server does not speak TLS'
        : TRUST_HINT,
      cause: e,
    });
  }
  const reach = ctx.proxy ? proxyHint(ctx.proxy) : 'check that the registry is up and reachable from here';
  if (code === 'ENOTFOUND') {
    return new VcError(`cannot resolve registry host ${registry} while ${what} (ENOTFOUND)`, {
      code: 'REGISTRY_UNREACHABLE',
      hint: ctx.proxy ? reach : 'check the registry name in the image reference',
      cause: e,
    });
  }
  if (code === undefined || RETRYABLE_CODES.has(code)) {
    return new TransientError(
      `cannot reach registry ${registry} while ${what} (${detail})`,
      'REGISTRY_UNREACHABLE',
      reach,
      undefined,
      { cause: e },
    );
  }
  return new VcError(`cannot reach registry ${registry} while ${what} (${detail})`, {
    code: 'REGISTRY_UNREACHABLE',
    hint: reach,
    cause: e,
  });
}

/** `Retry-After`: seconds or an HTTP date. */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\s*\d+\s*$/.test(value)) return Number(value) * 1000;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}

/** `UNAUTHORIZED: authentication required; ...` from a distribution error body. */
export function registryErrorText(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { errors?: { code?: string; message?: string }[] };
    if (!Array.isArray(parsed.errors) || parsed.errors.length === 0) return undefined;
    return parsed.errors
      .slice(0, 3)
      .map((e) => [e.code, e.message].filter(Boolean).join(': ').replace(/\s+/g, ' ').slice(0, 200))
      .join('; ');
  } catch {
    return undefined;
  }
}

export function authHint(registry: string): string {
  return (
    `check the credentials for ${registry}: run \`docker login ${registry}\`, or set ` +
    `${ENV_USERNAME} and ${ENV_PASSWORD}`
  );
}

/** An HTTP answer nobody planned for, as an error naming the registry, repository and status. */
export function httpError(
  status: number,
  statusText: string,
  body: string,
  ctx: { registry: string; what: string; push: boolean; retryAfter?: string | null },
): Error {
  const regText = registryErrorText(body);
  const reason = statusText || STATUS_CODES[status];
  const answer = `${status}${reason ? ` ${reason}` : ''}${regText ? `: ${regText}` : ''}`;
  const plain = `registry ${ctx.registry} answered ${answer} while ${ctx.what}`;
  if (status === 408 || status === 429 || status >= 500) {
    return new TransientError(plain, 'REGISTRY_ERROR', undefined, retryAfterMs(ctx.retryAfter ?? null));
  }
  if (status === 401)
    return new VcError(`authentication to registry ${ctx.registry} failed while ${ctx.what} (${answer})`, {
      code: 'REGISTRY_AUTH',
      hint: authHint(ctx.registry),
    });
  if (status === 403)
    return new VcError(`registry ${ctx.registry} denied access while ${ctx.what} (${answer})`, {
      code: 'REGISTRY_AUTH',
      hint: ctx.push
        ? `the credentials for ${ctx.registry} are not allowed to push there: check the account's permissions`
        : `the credentials for ${ctx.registry} are not allowed to read there`,
    });
  if (status === 404) return new VcError(plain, { code: 'REGISTRY_NOT_FOUND' });
  return new VcError(plain, { code: 'REGISTRY_ERROR' });
}

/** Replaces every known secret form and URL/Authorization credentials in a text. */
export function scrubText(text: string, secrets: Iterable<string>): string {
  let out = redact(text);
  // Longest first so that a secret inside another is not left half-replaced.
  for (const s of [...secrets].sort((a, b) => b.length - a.length)) {
    if (s) out = out.split(s).join('***');
  }
  return out;
}

/** The same error with message and hint scrubbed; a cause that could carry secrets is dropped. */
export function scrubError(e: unknown, secrets: Iterable<string>): unknown {
  const list = [...secrets];
  if (e instanceof VcError) {
    const message = scrubText(e.message, list);
    const hint = e.hint === undefined ? undefined : scrubText(e.hint, list);
    if (message === e.message && hint === e.hint) return e;
    return new VcError(message, { code: e.code, hint, exitCode: e.exitCode });
  }
  return e;
}
