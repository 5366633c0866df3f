// A small OCI distribution registry of our own that has the referrers API (distribution spec 1.1),
// which Debian's docker-registry 2.8 lacks: blobs (monolithic uploads), manifests by tag and digest,
// `OCI-Subject` on a PUT of a manifest with a subject, and GET /v2/<name>/referrers/<digest> (with the
// artifactType filter). In memory, on 127.0.0.1, no auth. Enough for our client and skopeo.
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

interface StoredManifest {
  mediaType: string;
  bytes: Buffer;
}

export interface ReferrersRegistry {
  host: string;
  url: string;
  /** requests seen, `METHOD path` */
  requests: string[];
  stop(): Promise<void>;
}

const INDEX = 'application/vnd.oci.image.index.v1+json';

function sha256(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function error(res: ServerResponse, status: number, code: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ errors: [{ code, message: code.toLowerCase() }] }));
}

export async function startReferrersRegistry(): Promise<ReferrersRegistry> {
  const blobs = new Map<string, Buffer>();
  const manifests = new Map<string, StoredManifest>(); // `${repo}@${digest}`
  const tags = new Map<string, string>(); // `${repo}:${tag}` -> digest
  const uploads = new Set<string>();
  const requests: string[] = [];

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push(`${req.method} ${url.pathname}`);
    try {
      if (url.pathname === '/v2/' || url.pathname === '/v2') {
        res.writeHead(200, { 'docker-distribution-api-version': 'registry/2.0' }).end('{}');
        return;
      }
      const m = /^\/v2\/(.+)\/(blobs|manifests|referrers)\/(.*)$/.exec(url.pathname);
      if (!m) return error(res, 404, 'NOT_FOUND');
      const [, repo, kind, ref] = m as unknown as [string, string, string, string];
      if (kind === 'blobs') {
        if (ref === 'uploads/' && req.method === 'POST') {
          const id = randomUUID();
          uploads.add(id);
          res.writeHead(202, { location: `/v2/${repo}/blobs/uploads/${id}`, 'docker-upload-uuid': id }).end();
          return;
        }
        const up = /^uploads\/(.+)$/.exec(ref);
        if (up && req.method === 'PUT') {
          if (!uploads.delete(up[1] as string)) return error(res, 404, 'BLOB_UPLOAD_UNKNOWN');
          const bytes = await body(req);
          const digest = url.searchParams.get('digest');
          if (digest !== sha256(bytes)) return error(res, 400, 'DIGEST_INVALID');
          blobs.set(digest, bytes);
          res
            .writeHead(201, { 'docker-content-digest': digest, location: `/v2/${repo}/blobs/${digest}` })
            .end();
          return;
        }
        const b = blobs.get(ref);
        if (!b) return error(res, 404, 'BLOB_UNKNOWN');
        res.writeHead(200, { 'content-length': b.length, 'docker-content-digest': ref });
        res.end(req.method === 'HEAD' ? undefined : b);
        return;
      }
      if (kind === 'manifests') {
        if (req.method === 'PUT') {
          const bytes = await body(req);
          const digest = sha256(bytes);
          if (ref.startsWith('sha256:') && ref !== digest) return error(res, 400, 'DIGEST_INVALID');
          const doc = JSON.parse(bytes.toString('utf8')) as {
            mediaType?: string;
            subject?: { digest: string };
            config?: { digest: string };
            layers?: { digest: string }[];
          };
          for (const d of [doc.config, ...(doc.layers ?? [])]) {
            if (d && !blobs.has(d.digest)) return error(res, 400, 'MANIFEST_BLOB_UNKNOWN');
          }
          const mediaType = req.headers['content-type'] ?? doc.mediaType ?? '';
          manifests.set(`${repo}@${digest}`, { mediaType, bytes });
          if (!ref.startsWith('sha256:')) tags.set(`${repo}:${ref}`, digest);
          const headers: Record<string, string> = {
            'docker-content-digest': digest,
            location: `/v2/${repo}/manifests/${digest}`,
          };
          if (doc.subject) headers['oci-subject'] = doc.subject.digest;
          res.writeHead(201, headers).end();
          return;
        }
        const digest = ref.startsWith('sha256:') ? ref : tags.get(`${repo}:${ref}`);
        const found = digest ? manifests.get(`${repo}@${digest}`) : undefined;
        if (!found || !digest) return error(res, 404, 'MANIFEST_UNKNOWN');
        res.writeHead(200, {
          'content-type': found.mediaType,
          'content-length': found.bytes.length,
          'docker-content-digest': digest,
        });
        res.end(req.method === 'HEAD' ? undefined : found.bytes);
        return;
      }
      // referrers
      if (req.method !== 'GET') return error(res, 405, 'UNSUPPORTED');
      const filter = url.searchParams.get('artifactType');
      const list: Record<string, unknown>[] = [];
      for (const [key, stored] of manifests) {
        if (!key.startsWith(`${repo}@`)) continue;
        const doc = JSON.parse(stored.bytes.toString('utf8')) as {
          subject?: { digest: string };
          artifactType?: string;
          config?: { mediaType: string };
          annotations?: Record<string, string>;
        };
        if (doc.subject?.digest !== ref) continue;
        const artifactType = doc.artifactType ?? doc.config?.mediaType;
        if (filter && artifactType !== filter) continue;
        list.push({
          mediaType: stored.mediaType,
          digest: key.slice(repo.length + 1),
          size: stored.bytes.length,
          ...(artifactType ? { artifactType } : {}),
          ...(doc.annotations ? { annotations: doc.annotations } : {}),
        });
      }
      const headers: Record<string, string> = { 'content-type': INDEX };
      if (filter) headers['oci-filters-applied'] = 'artifactType';
      res
        .writeHead(200, headers)
        .end(JSON.stringify({ schemaVersion: 2, mediaType: INDEX, manifests: list }));
    } catch (e) {
      error(res, 500, `INTERNAL ${(e as Error).message}`);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    host: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}`,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
