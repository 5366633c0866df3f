// A Go download site of our own on 127.0.0.1, shaped like the official one: `/?mode=json&include=all`
// lists the archives with their SHA-256, `/<filename>` serves them. It also answers a module proxy's
// `/golang.org/toolchain/@v/list` with the toolchain versions a test gives it (for GOPROXY=<url>). The archives are packed by the test
// from the Gos installed here (Debian's /usr/lib/go-<minor>): a `go/` folder with its bin/, pkg/,
// VERSION and go.env, and src/ (and api, misc, test) as absolute links to Debian's shared tree, so an
// archive is small, quick to pack, and unpacks into a Go that works anywhere on this machine.
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { c as tarCreate } from 'tar';

export interface PackedGo {
  /** `1.21.13` */
  version: string;
  filename: string;
  bytes: Buffer;
  sha256: string;
}

/** Packs the installed GOROOT `root` as `go<version>.linux-amd64.tar.gz`, the official archive's layout. */
export async function packInstalledGo(root: string): Promise<PackedGo> {
  const version =
    (await readFile(join(root, 'VERSION'), 'utf8')).split('\n')[0]?.trim().replace(/^go/, '') ?? '';
  if (!/^\d+\.\d+(\.\d+)?$/.test(version)) throw new Error(`${root}: no VERSION`);
  const stage = await mkdtemp(join(tmpdir(), 'vc-coredns-go-pack-'));
  try {
    const go = join(stage, 'go');
    await mkdir(go);
    for (const name of await readdir(root)) {
      const from = join(root, name);
      const link = await readlink(from).catch(() => null);
      if (link !== null) {
        // Debian links src, api, misc, test to ../../share/go-<minor>/...: keep them, absolute.
        await symlink(resolve(root, link), join(go, name));
      } else {
        await cp(from, join(go, name), { recursive: true, verbatimSymlinks: true });
      }
    }
    const file = join(stage, 'archive.tar.gz');
    await tarCreate({ file, cwd: stage, gzip: { level: 1 }, portable: true }, ['go']);
    const bytes = await readFile(file);
    return {
      version,
      filename: `go${version}.linux-amd64.tar.gz`,
      bytes,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    };
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}

export interface GoDownloadServer {
  /** the base URL: http://127.0.0.1:PORT/ */
  url: string;
  /** paths asked for, in order (`/?mode=json&include=all`, `/go1.21.13.linux-amd64.tar.gz`) */
  requests: string[];
  /** the listing publishes this SHA-256 for a file instead of its own (a tampered download) */
  lieAbout: Map<string, string>;
  /** serve only this many bytes of a file, then cut the connection (an interrupted download) */
  cutAfter: Map<string, number>;
  /** versions the listing names without an archive behind them (for choices that download nothing) */
  listOnly: string[];
  /** `1.21.8`...: the toolchains `/golang.org/toolchain/@v/list` names (linux-amd64 and linux-arm64) */
  toolchains: string[];
  stop(): Promise<void>;
}

export async function startGoDownloadServer(archives: PackedGo[]): Promise<GoDownloadServer> {
  const requests: string[] = [];
  const lieAbout = new Map<string, string>();
  const cutAfter = new Map<string, number>();
  const listOnly: string[] = [];
  const toolchains: string[] = [];
  const fake = (version: string): PackedGo => ({
    version,
    filename: `go${version}.linux-amd64.tar.gz`,
    bytes: Buffer.alloc(0),
    sha256: '0'.repeat(64),
  });
  const listing = () =>
    JSON.stringify(
      [...archives, ...listOnly.map(fake)].map((a) => ({
        version: `go${a.version}`,
        stable: true,
        files: [
          {
            filename: a.filename,
            os: 'linux',
            arch: 'amd64',
            version: `go${a.version}`,
            sha256: lieAbout.get(a.filename) ?? a.sha256,
            size: a.bytes.length,
            kind: 'archive',
          },
          // Files the client must pass over: another platform, the source.
          {
            filename: `go${a.version}.linux-arm64.tar.gz`,
            os: 'linux',
            arch: 'arm64',
            version: `go${a.version}`,
            sha256: '0'.repeat(64),
            size: 1,
            kind: 'archive',
          },
          {
            filename: `go${a.version}.src.tar.gz`,
            os: '',
            arch: '',
            version: `go${a.version}`,
            sha256: '0'.repeat(64),
            size: 1,
            kind: 'source',
          },
        ],
      })),
    );
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = req.url ?? '/';
    requests.push(path);
    const u = new URL(path, 'http://x');
    if (u.pathname === '/golang.org/toolchain/@v/list') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(
        toolchains.flatMap((v) => [`v0.0.1-go${v}.linux-amd64`, `v0.0.1-go${v}.linux-arm64`]).join('\n'),
      );
      return;
    }
    if (u.pathname === '/' && u.searchParams.get('mode') === 'json') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(listing());
      return;
    }
    const archive = archives.find((a) => `/${a.filename}` === u.pathname);
    if (!archive) {
      res.writeHead(404);
      res.end('not found');
      return;
    }
    const cut = cutAfter.get(archive.filename);
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': archive.bytes.length,
    });
    if (cut === undefined) {
      res.end(archive.bytes);
      return;
    }
    res.write(archive.bytes.subarray(0, cut), () => res.socket?.destroy());
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    lieAbout,
    cutAfter,
    listOnly,
    toolchains,
    stop: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
