import { badInput, VcError } from '../errors.js';
import { isIndex, isManifest, LAYER_TYPES, MANIFEST_ACCEPT, MEDIA_TYPE } from '../image/oci.js';
import { type ReadImage, type ReadPlatformImage, readImage, readLayers } from '../image/read-image.js';
import type { Blob, Descriptor, Platform, PlatformImage } from '../types.js';
import { digestOf } from '../util/digest.js';
import { ociPlatform, platformOf } from '../versions/platforms.js';
import { type CredentialSource, dockerCredentials } from './credentials.js';
import { httpError } from './errors.js';
import { dispatcherFetch, type NetworkSettings, registryDispatcher } from './http.js';
import { formatRef, type ImageRef, parseRef, repoName } from './ref.js';
import { registryBlobs } from './remote-image.js';
import { DEFAULT_RETRY, type RegistryStats, type RetryPolicy, readText, Transport } from './transport.js';

export const DEFAULT_CHUNK_THRESHOLD = 64 * 1024 * 1024;
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

export interface RegistryClientOptions {
  /** Default: Docker's config and the VC_COREDNS_REGISTRY_* environment (dockerCredentials()). */
  credentials?: CredentialSource;
  /** Plain http for every registry (the CLI's --insecure); loopback registries get http anyway. */
  insecure?: boolean;
  retry?: Partial<RetryPolicy>;
  /** Blobs larger than this go up in PATCH chunks (default 64 MiB). */
  chunkThreshold?: number;
  /** Size of one PATCH chunk (default: the threshold). */
  chunkSize?: number;
  /** Limit on one HTTP exchange, body included (default 10 minutes). */
  requestTimeoutMs?: number;
  /** Proxies and trusted CAs (the CLI reads them from the environment and flags); none by default. */
  network?: NetworkSettings;
  /** Instead of undici's fetch through the network settings' dispatcher (tests). */
  fetch?: typeof fetch;
  userAgent?: string;
  /** Retry notices and the like (stderr in the CLI). */
  log?: (line: string) => void;
  /** `--verbose`: each request (method, URL without query, status) */
  trace?: (line: string) => void;
}

export interface RepositoryAccess {
  /** Ask for push access (`repository:<name>:pull,push`); pull only otherwise. */
  push?: boolean;
  /** A repository of the same registry to mount blobs from (`repository:<from>:pull` is asked too). */
  mountFrom?: string;
}

/** A manifest or index as the registry holds it. */
export interface FetchedManifest {
  mediaType: string;
  digest: string;
  bytes: Uint8Array;
}

export type BlobPushResult = 'existed' | 'mounted' | 'uploaded';

/** One platform image read from a registry: its manifest, config and layers with their bytes. */
export interface PulledImage extends PlatformImage {
  /** `registry/repo@sha256:<manifest digest>` */
  ref: string;
  /** the digest of the index the manifest was picked from, or null when the ref named a manifest */
  indexDigest: string | null;
}

interface ManifestJson {
  schemaVersion?: number;
  mediaType?: string;
  config?: Descriptor;
  layers?: Descriptor[];
  manifests?: Descriptor[];
}

function short(digest: string): string {
  return digest.slice(0, 19);
}

/** Content type without parameters. */
function contentType(res: Response): string | undefined {
  return res.headers.get('content-type')?.split(';')[0]?.trim() || undefined;
}

/**
 * A small OCI distribution client: `repository()` hands out handles that push and read blobs and
 * manifests; `pullImage()` reads one platform of an image. Credentials never appear in its errors.
 */
export class RegistryClient {
  private readonly transport: Transport;
  readonly chunkThreshold: number;
  readonly chunkSize: number;

  constructor(opts: RegistryClientOptions = {}) {
    this.transport = new Transport({
      credentials: opts.credentials ?? dockerCredentials(),
      insecure: opts.insecure ?? false,
      ...(opts.network?.proxy ? { proxy: opts.network.proxy } : {}),
      retry: { ...DEFAULT_RETRY, ...opts.retry },
      requestTimeoutMs: opts.requestTimeoutMs ?? 10 * 60_000,
      fetch: opts.fetch ?? dispatcherFetch(registryDispatcher(opts.network)),
      userAgent: opts.userAgent ?? 'vc-coredns',
      log: opts.log,
      trace: opts.trace,
    });
    this.chunkThreshold = opts.chunkThreshold ?? DEFAULT_CHUNK_THRESHOLD;
    this.chunkSize = Math.max(1, opts.chunkSize ?? this.chunkThreshold);
  }

  /** Counters since the client was made (see RegistryStats). */
  get stats(): RegistryStats {
    return this.transport.stats;
  }

  /** A handle on one repository; the access asked for decides the token scopes. */
  repository(ref: ImageRef | string, access: RepositoryAccess = {}): Repository {
    const parsed = typeof ref === 'string' ? parseRef(ref) : ref;
    return new Repository(this.transport, this, parsed, access);
  }

  /** Checks that the registry answers its API (and learns how it authenticates). */
  async ping(registry: string, signal?: AbortSignal): Promise<void> {
    try {
      await this.transport.ensurePing(this.transport.state(registry), `contacting ${registry}`, signal);
    } catch (e) {
      this.transport.scrub(e);
    }
  }

  /**
   * Reads one platform of an image (for `--base`) through the one image reader: from an index (OCI or
   * Docker list) the manifest for `platform`, or a single manifest whose config matches it; then its
   * config and layers, every digest checked against the bytes.
   */
  async pullImage(ref: ImageRef | string, platform: Platform, signal?: AbortSignal): Promise<PulledImage> {
    const parsed = typeof ref === 'string' ? parseRef(ref) : ref;
    const repo = this.repository(parsed);
    const name = formatRef(parsed);
    const top = await repo.getManifest(parsed.digest ?? parsed.tag ?? 'latest', signal);
    const fetchBlob = registryBlobs(repo, top);
    const descriptor = { mediaType: top.mediaType, digest: top.digest, size: top.bytes.byteLength };
    let read: ReadImage;
    try {
      read = await readImage(descriptor, fetchBlob, {
        name,
        platform,
        layers: false,
        ...(signal ? { signal } : {}),
      });
    } catch (e) {
      if (e instanceof VcError && (e.code === 'PLATFORM_NOT_FOUND' || e.code === 'UNSUPPORTED_MEDIA_TYPE')) {
        throw new VcError(e.message, { code: `REGISTRY_${e.code}`, hint: e.hint });
      }
      throw e;
    }
    const image = read.images[0] as ReadPlatformImage;
    for (const l of image.manifest.layers) {
      if (!LAYER_TYPES.includes(l.mediaType))
        throw new VcError(
          `${name}: layer ${l.digest} has media type ${l.mediaType}, which vc-coredns cannot use`,
          { code: 'REGISTRY_UNSUPPORTED_MEDIA_TYPE' },
        );
      if (l.mediaType === MEDIA_TYPE.dockerForeignLayerGzip)
        this.transport.opts.log?.(
          `${name}: layer ${short(l.digest)} is a foreign layer; fetching it from the registry`,
        );
    }
    const layers = await readLayers(image, fetchBlob, { name, ...(signal ? { signal } : {}) });
    const resolved = image.descriptor.platform ? platformOf(image.descriptor.platform) : image.platform;
    return {
      ref: `${repoName(parsed)}@${image.descriptor.digest}`,
      indexDigest: read.index ? read.digest : null,
      platform: resolved,
      manifest: {
        descriptor: {
          mediaType: image.descriptor.mediaType,
          digest: image.descriptor.digest,
          size: image.manifestBytes.byteLength,
          platform: ociPlatform(resolved),
        },
        bytes: image.manifestBytes,
      },
      config: {
        descriptor: {
          mediaType: image.manifest.config.mediaType,
          digest: image.manifest.config.digest,
          size: image.configBytes.byteLength,
        },
        bytes: image.configBytes,
      },
      layers: image.manifest.layers.map((l, i) => ({
        descriptor: { mediaType: l.mediaType, digest: l.digest, size: l.size },
        bytes: layers[i] as Uint8Array,
      })),
    };
  }
}

function parseJson(bytes: Uint8Array, name: string): unknown {
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw new VcError(`${name}: the registry served a manifest or config that is not JSON`, {
      code: 'REGISTRY_BAD_MANIFEST',
    });
  }
}

/** A repository on a registry, with the access it was asked for. */
export class Repository {
  readonly ref: ImageRef;
  /** `registry/repository`, as errors name it */
  readonly name: string;
  private readonly scopes: string[];
  private readonly mountFrom: string | undefined;
  private readonly push: boolean;

  constructor(
    private readonly t: Transport,
    private readonly client: RegistryClient,
    ref: ImageRef,
    access: RepositoryAccess,
  ) {
    this.ref = ref;
    this.name = repoName(ref);
    this.push = access.push ?? false;
    this.mountFrom = access.mountFrom === undefined ? undefined : mountSource(access.mountFrom, ref);
    this.scopes = [`repository:${ref.repository}:${this.push ? 'pull,push' : 'pull'}`];
    if (this.mountFrom && this.mountFrom !== ref.repository)
      this.scopes.push(`repository:${this.mountFrom}:pull`);
    else this.mountFrom = undefined;
  }

  /** A URL of the repository's API; the registry is pinged first, which settles http or https. */
  private async url(path: string, what: string, signal: AbortSignal | undefined): Promise<URL> {
    const state = this.t.state(this.ref.registry);
    await this.t.ensurePing(state, what, signal);
    return new URL(`${state.base}/v2/${this.ref.repository}/${path}`);
  }

  private send(
    method: string,
    url: URL | string,
    what: string,
    signal: AbortSignal | undefined,
    extra: { headers?: Record<string, string>; body?: Uint8Array } = {},
  ): Promise<Response> {
    return this.t.send(this.ref.registry, this.scopes, { method, url, ...extra }, what, signal);
  }

  private async fail(res: Response, what: string): Promise<never> {
    const body = res.status === 401 || res.status >= 400 ? await readText(res) : '';
    throw httpError(res.status, res.statusText, body, {
      registry: this.ref.registry,
      what,
      push: this.push,
      retryAfter: res.headers.get('retry-after'),
    });
  }

  private async guard<T>(
    what: string,
    fn: (attempt: number) => Promise<T>,
    signal?: AbortSignal,
  ): Promise<T> {
    try {
      return await this.t.retrying(what, fn, signal);
    } catch (e) {
      return this.t.scrub(e);
    }
  }

  private async existsOnce(
    digest: string,
    signal?: AbortSignal,
    what = `checking blob ${short(digest)} in ${this.name}`,
  ): Promise<boolean> {
    const res = await this.send('HEAD', await this.url(`blobs/${digest}`, what, signal), what, signal);
    await res.body?.cancel();
    if (res.ok) return true;
    if (res.status === 404) return false;
    return this.fail(res, what);
  }

  /** HEAD of a blob. */
  blobExists(digest: string, signal?: AbortSignal): Promise<boolean> {
    return this.guard(`checking blob ${short(digest)}`, () => this.existsOnce(digest, signal), signal);
  }

  /**
   * Puts a blob unless the repository has it: a mount from `mountFrom` when given, else a monolithic
   * upload (POST, PUT ?digest=) or PATCH chunks above the client's threshold. A failed attempt starts
   * again from a fresh upload session.
   */
  pushBlob(blob: Blob, signal?: AbortSignal): Promise<BlobPushResult> {
    const { digest } = blob.descriptor;
    const bytes = blob.bytes;
    const what = `pushing blob ${short(digest)} to ${this.name}`;
    return this.guard(
      what,
      async () => {
        if (await this.existsOnce(digest, signal, what)) {
          this.t.stats.blobsExisting++;
          return 'existed';
        }
        const start = await this.url('blobs/uploads/', what, signal);
        if (this.mountFrom) {
          start.searchParams.set('mount', digest);
          start.searchParams.set('from', this.mountFrom);
        }
        let res = await this.send('POST', start, what, signal);
        if (res.status === 201 && this.mountFrom) {
          await res.body?.cancel();
          this.t.stats.blobsMounted++;
          return 'mounted';
        }
        if (res.status !== 202) return this.fail(res, what);
        let location = uploadLocation(res, start, this.ref.registry);
        await res.body?.cancel();
        const octet = { 'Content-Type': 'application/octet-stream' };
        if (bytes.byteLength > this.client.chunkThreshold) {
          for (let offset = 0; offset < bytes.byteLength; offset += this.client.chunkSize) {
            const chunk = bytes.subarray(offset, Math.min(bytes.byteLength, offset + this.client.chunkSize));
            res = await this.send('PATCH', location, what, signal, {
              headers: { ...octet, 'Content-Range': `${offset}-${offset + chunk.byteLength - 1}` },
              body: chunk,
            });
            if (res.status !== 202) return this.fail(res, what);
            location = uploadLocation(res, location, this.ref.registry);
            await res.body?.cancel();
          }
          location.searchParams.set('digest', digest);
          res = await this.send('PUT', location, what, signal);
        } else {
          location.searchParams.set('digest', digest);
          res = await this.send('PUT', location, what, signal, { headers: octet, body: bytes });
        }
        if (res.status !== 201 && res.status !== 204) return this.fail(res, what);
        await res.body?.cancel();
        const got = res.headers.get('docker-content-digest');
        if (got && got !== digest)
          throw new VcError(`${what}: registry ${this.ref.registry} stored it as ${got}`, {
            code: 'REGISTRY_DIGEST_MISMATCH',
          });
        this.t.stats.blobsUploaded++;
        this.t.stats.blobBytesUploaded += bytes.byteLength;
        return 'uploaded';
      },
      signal,
    );
  }

  /** PUT of a manifest or index by tag or digest; returns the digest of the bytes. */
  async putManifest(
    reference: string,
    mediaType: string,
    bytes: Uint8Array,
    signal?: AbortSignal,
  ): Promise<string> {
    return (await this.putManifestWithSubject(reference, mediaType, bytes, signal)).digest;
  }

  /**
   * PUT of a manifest, also returning the `OCI-Subject` header: a registry with the referrers API sets it
   * when it indexed the manifest's `subject` (null otherwise: the pusher then keeps the referrers tag).
   */
  putManifestWithSubject(
    reference: string,
    mediaType: string,
    bytes: Uint8Array,
    signal?: AbortSignal,
  ): Promise<{ digest: string; subject: string | null }> {
    const digest = digestOf(bytes, 'sha256');
    const what = `pushing manifest ${reference.startsWith('sha256:') ? short(reference) : reference} to ${this.name}`;
    return this.guard(
      what,
      async () => {
        const res = await this.send(
          'PUT',
          await this.url(`manifests/${reference}`, what, signal),
          what,
          signal,
          {
            headers: { 'Content-Type': mediaType },
            body: bytes,
          },
        );
        if (res.status !== 201 && res.status !== 200 && res.status !== 204) return this.fail(res, what);
        await res.body?.cancel();
        const got = res.headers.get('docker-content-digest');
        if (got && got !== digest)
          throw new VcError(`${what}: registry ${this.ref.registry} stored it as ${got}, not ${digest}`, {
            code: 'REGISTRY_DIGEST_MISMATCH',
          });
        this.t.stats.manifestsPut++;
        return { digest, subject: res.headers.get('oci-subject') };
      },
      signal,
    );
  }

  /**
   * GET of the referrers API (`/v2/<name>/referrers/<digest>`): the index of manifests whose subject is
   * `digest`, or null when the registry has no referrers API (404, as distribution 2.8 answers).
   */
  referrers(digest: string, signal?: AbortSignal): Promise<Uint8Array | null> {
    const what = `listing the referrers of ${short(digest)} in ${this.name}`;
    return this.guard(
      what,
      async () => {
        const res = await this.send(
          'GET',
          await this.url(`referrers/${digest}`, what, signal),
          what,
          signal,
          {
            headers: { Accept: MEDIA_TYPE.index },
          },
        );
        if (res.status === 404) {
          await res.body?.cancel();
          return null;
        }
        if (!res.ok) return this.fail(res, what);
        const ct = contentType(res);
        const bytes = await this.t.bodyBytes(res, this.ref.registry, what, signal);
        // A registry without the API may answer 200 with something else (an HTML page, an error).
        return ct === MEDIA_TYPE.index ? bytes : null;
      },
      signal,
    );
  }

  /** GET of a manifest or index by tag or digest; a digest reference is checked against the bytes. */
  getManifest(reference: string, signal?: AbortSignal): Promise<FetchedManifest> {
    const what = `reading ${this.name}${reference.includes(':') ? '@' : ':'}${reference}`;
    return this.guard(
      what,
      async () => {
        const res = await this.send(
          'GET',
          await this.url(`manifests/${reference}`, what, signal),
          what,
          signal,
          {
            headers: { Accept: MANIFEST_ACCEPT },
          },
        );
        if (!res.ok) return this.fail(res, what);
        const declared = Number(res.headers.get('content-length') ?? '0');
        if (declared > MAX_MANIFEST_BYTES)
          throw new VcError(`${what}: the manifest is ${declared} bytes, more than any manifest should be`, {
            code: 'REGISTRY_BAD_MANIFEST',
          });
        const bytes = await this.t.bodyBytes(res, this.ref.registry, what, signal);
        const algorithm = reference.includes(':') ? (reference.split(':')[0] ?? 'sha256') : 'sha256';
        const digest = digestOf(bytes, algorithm);
        if (reference.includes(':') && digest !== reference)
          throw new VcError(`${what}: the registry served bytes whose digest is ${digest}`, {
            code: 'REGISTRY_DIGEST_MISMATCH',
          });
        const ct = contentType(res);
        let mediaType: string;
        if (ct && (isIndex(ct) || isManifest(ct))) mediaType = ct;
        else {
          const m = parseJson(bytes, this.name) as ManifestJson;
          mediaType = m.mediaType ?? (m.manifests ? MEDIA_TYPE.index : MEDIA_TYPE.manifest);
        }
        return { mediaType, digest, bytes };
      },
      signal,
    );
  }

  /** HEAD of a manifest: its digest, media type and size, or null when there is none. */
  headManifest(
    reference: string,
    signal?: AbortSignal,
  ): Promise<{ digest: string; mediaType: string; size: number } | null> {
    const what = `checking ${this.name}${reference.includes(':') ? '@' : ':'}${reference}`;
    return this.guard(
      what,
      async () => {
        const res = await this.send(
          'HEAD',
          await this.url(`manifests/${reference}`, what, signal),
          what,
          signal,
          {
            headers: { Accept: MANIFEST_ACCEPT },
          },
        );
        await res.body?.cancel();
        if (res.status === 404) return null;
        if (!res.ok) return this.fail(res, what);
        const digest = res.headers.get('docker-content-digest');
        if (!digest) {
          // Some registries omit the header on HEAD: read it.
          const m = await this.getManifest(reference, signal);
          return { digest: m.digest, mediaType: m.mediaType, size: m.bytes.byteLength };
        }
        return {
          digest,
          mediaType: contentType(res) ?? 'application/octet-stream',
          size: Number(res.headers.get('content-length') ?? '0'),
        };
      },
      signal,
    );
  }

  /** GET of a blob (redirects followed), checked against its digest and, when given, its size. */
  getBlob(digest: string, signal?: AbortSignal, size?: number): Promise<Uint8Array> {
    const what = `reading blob ${short(digest)} from ${this.name}`;
    return this.guard(
      what,
      async () => {
        const res = await this.send('GET', await this.url(`blobs/${digest}`, what, signal), what, signal);
        if (!res.ok) return this.fail(res, what);
        const bytes = await this.t.bodyBytes(res, this.ref.registry, what, signal);
        const got = digestOf(bytes, digest.split(':')[0] ?? 'sha256');
        if (got !== digest || (size !== undefined && size !== bytes.byteLength))
          throw new VcError(`${what}: the registry served ${bytes.byteLength} bytes whose digest is ${got}`, {
            code: 'REGISTRY_DIGEST_MISMATCH',
          });
        return bytes;
      },
      signal,
    );
  }
}

/** `coredns-a`, `team/coredns` or a full reference on the same registry -> the repository path. */
function mountSource(from: string, target: ImageRef): string {
  const first = from.split('/')[0] ?? '';
  if (from.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    const p = parseRef(from);
    if (p.registry !== target.registry)
      throw badInput(
        `cannot mount blobs from ${repoName(p)} into ${repoName(target)}: mounts work within one registry`,
        'BAD_REF',
      );
    return p.repository;
  }
  if (!/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/.test(from))
    throw badInput(`"${from}" is not a repository name to mount blobs from`, 'BAD_REF');
  return from;
}

function uploadLocation(res: Response, base: URL, registry: string): URL {
  const loc = res.headers.get('location');
  if (!loc)
    throw new VcError(`registry ${registry} started an upload without a Location header`, {
      code: 'REGISTRY_ERROR',
    });
  return new URL(loc, base);
}
