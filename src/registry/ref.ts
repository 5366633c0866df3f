import { badInput } from '../errors.js';

/** A parsed image reference: `registry/repository[:tag][@digest]`, normalised like Docker does. */
export interface ImageRef {
  /** The registry as users name it: `docker.io`, `ghcr.io`, `127.0.0.1:5000`, `[::1]:5000`. */
  registry: string;
  /** `library/coredns`, `coredns/coredns`, `me/coredns` */
  repository: string;
  tag?: string;
  digest?: string;
}

export const DOCKER_HUB = 'docker.io';
/** Where Docker Hub's distribution API lives. */
export const DOCKER_HUB_API = 'registry-1.docker.io';
/** The key Docker's own config uses for Docker Hub credentials. */
export const DOCKER_HUB_AUTH_KEY = 'https://index.docker.io/v1/';

// The grammar of github.com/distribution/reference, written out.
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
/** A tag as registries (and OCI layouts' ref.name) accept it. */
export function isValidTag(tag: string): boolean {
  return TAG.test(tag);
}

const DIGEST = /^sha256:[a-f0-9]{64}$|^sha512:[a-f0-9]{128}$/;
const HOST_LABEL = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;
const IPV6 = /^\[[0-9a-fA-F:.]+\]$/;

function badRef(ref: string, why: string) {
  return badInput(
    `invalid image reference "${ref}": ${why}`,
    'BAD_REF',
    'write it as registry/repository[:tag], e.g. 127.0.0.1:5000/coredns or ghcr.io/me/coredns:v1.9.3',
  );
}

function validHost(host: string): boolean {
  let name = host;
  let port: string | undefined;
  const v6 = /^(\[[^\]]+\])(?::(\d+))?$/.exec(host);
  if (v6) {
    if (!IPV6.test(v6[1] ?? '')) return false;
    port = v6[2];
    name = '';
  } else {
    const i = host.lastIndexOf(':');
    if (i >= 0) {
      name = host.slice(0, i);
      port = host.slice(i + 1);
      if (!/^\d+$/.test(port)) return false;
    }
    if (!name.split('.').every((l) => HOST_LABEL.test(l))) return false;
  }
  return port === undefined || (Number(port) > 0 && Number(port) < 65536);
}

/**
 * Parses `registry/repo[:tag][@sha256:...]`. A first component with a `.` or `:`, or `localhost`, is
 * the registry; otherwise the registry is Docker Hub, where one-component names live under `library/`.
 * Throws a bad-input error (exit 2) for anything else.
 */
export function parseRef(input: string): ImageRef {
  const ref = input.trim();
  if (ref === '') throw badRef(input, 'it is empty');
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw badRef(input, `"${digest}" is not a digest (sha256:<64 hex>)`);
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const lastColon = rest.lastIndexOf(':');
  if (lastColon > lastSlash) {
    tag = rest.slice(lastColon + 1);
    rest = rest.slice(0, lastColon);
    if (!TAG.test(tag)) throw badRef(input, `"${tag}" is not a valid tag`);
  }
  const parts = rest.split('/');
  let registry = DOCKER_HUB;
  const first = parts[0] ?? '';
  if (parts.length === 1 && (first.includes('.') || first === 'localhost'))
    throw badRef(input, `"${first}" looks like a registry without a repository`);
  if (parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    registry = first;
    parts.shift();
    if (!validHost(registry)) throw badRef(input, `"${registry}" is not a registry host[:port]`);
  }
  if (parts.length === 0 || parts.some((p) => p === '')) throw badRef(input, 'the repository name is empty');
  for (const p of parts) {
    if (!COMPONENT.test(p))
      throw badRef(input, `"${p}" is not a valid repository component (lowercase letters, digits, . _ -)`);
  }
  if (registry === 'index.docker.io' || registry === DOCKER_HUB_API) registry = DOCKER_HUB;
  if (registry === DOCKER_HUB && parts.length === 1) parts.unshift('library');
  const repository = parts.join('/');
  if (repository.length > 255) throw badRef(input, 'the repository name is longer than 255 characters');
  const out: ImageRef = { registry, repository };
  if (tag !== undefined) out.tag = tag;
  if (digest !== undefined) out.digest = digest;
  return out;
}

/**
 * The tag a push to `ref` writes when a run asks for `tag`: the reference's own tag wins
 * (`--push registry/coredns:stable` always writes `stable`). The one place of that rule.
 */
export function refTag(ref: Pick<ImageRef, 'tag'>, tag: string): string {
  return ref.tag ?? tag;
}

/** `registry/repository` */
export function repoName(ref: Pick<ImageRef, 'registry' | 'repository'>): string {
  return `${ref.registry}/${ref.repository}`;
}

/** `registry/repository[:tag][@digest]` */
export function formatRef(ref: ImageRef): string {
  return `${repoName(ref)}${ref.tag === undefined ? '' : `:${ref.tag}`}${ref.digest === undefined ? '' : `@${ref.digest}`}`;
}

/** The host[:port] that serves the distribution API for a registry. */
export function apiHost(registry: string): string {
  return registry === DOCKER_HUB ? DOCKER_HUB_API : registry;
}

/** 127.0.0.0/8, localhost and ::1, with or without a port. */
export function isLoopback(registry: string): boolean {
  const host = registry.startsWith('[')
    ? registry.slice(0, registry.indexOf(']') + 1)
    : registry.split(':')[0];
  if (host === undefined) return false;
  const h = host.toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (h === '[::1]' || h === '::1') return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/**
 * The base URLs of the distribution API, in the order to try them: https; plain http only when asked
 * for (--insecure); loopback registries get https first and http when the server speaks no TLS, as
 * docker (which counts 127.0.0.0/8 as an insecure registry) and go-containerregistry do.
 */
export function registryBaseUrls(registry: string, insecure = false): string[] {
  const host = apiHost(registry);
  if (insecure) return [`http://${host}`];
  return isLoopback(registry) ? [`https://${host}`, `http://${host}`] : [`https://${host}`];
}
