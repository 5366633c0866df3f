// bench/push: pushing one two-platform image (linux/amd64 + linux/arm64) of the SAME built binaries to
// the same local registry, vc-coredns beside the docker CLI route, side by side in one run:
//   (a) vc-coredns in-process, exactly what `build` does after compiling: loadBuiltinBase +
//       assembleImage + registrySink(...).write(index, tag)
//   (b) the docker CLI route of the documented recipe (bench/baseline.sh): per arch a classic
//       `DOCKER_BUILDKIT=0 docker build` of a FROM scratch Dockerfile (CA bundle + binary) and a
//       `docker push`, then `docker manifest create --insecure`, `annotate --arch arm64`,
//       `push --insecure`, against a dockerd of the bench's own
//   (c) a re-push of the unchanged image by vc-coredns (same repository): no blob goes up again
//   (ref) the CLI `build --push` end to end with a warm Go cache and a cached checkout (make included)
// Bytes: the client's own count where there is one (RegistryClient.stats), what crossed the wire to the
// registry (a counting TCP proxy in front of it, headers included), and the blob bytes the registry
// linked into the route's repository. Each round gets a fresh registry and every route its own
// repository, so no route (and no round) benefits from another's blobs.
// Goals: (b)/(a) >= 3x; (c) uploads 0 blob bytes.
// Run: npm run build && npx tsx bench/push.ts   (BENCH_RUNS=N rounds, default 3; writes only in a temp
// dir and removes it, stops the registry and dockerd it started)
import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createConnection, createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { execa } from 'execa';
import { findGo } from '../src/compile/index.js';
import { assembleImage, buildKey, imageLabels } from '../src/image/index.js';
import { DEFAULT_ANNOTATION, patchId } from '../src/patch/index.js';
import { loadBuiltinBase } from '../src/pipeline/load.js';
import { registrySink } from '../src/publish/registry.js';
import { RegistryClient } from '../src/registry/client.js';
import type { Platform } from '../src/types.js';
import { eraFor } from '../src/versions/index.js';
import { json, vc } from '../test/support/cli.js';
import { DOCKER_CLI, type Dockerd, startDockerd } from '../test/support/dockerd.js';
import { createFixtureRepo } from '../test/support/fixture.js';
import { skopeo, startRegistry, type TestRegistry } from '../test/support/registry.js';
import { benchWorkspace } from './support.js';

const VERSION = 'v1.6.8';
const PLATFORMS: Platform[] = [
  { os: 'linux', arch: 'amd64' },
  { os: 'linux', arch: 'arm64' },
];
const PLATFORM_LIST = PLATFORMS.map((p) => `${p.os}/${p.arch}`).join(',');
const HOST_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

const median = (xs: number[]) => {
  const s = [...xs].sort((x, y) => x - y);
  const m = Math.floor(s.length / 2);
  return (s.length % 2 === 1 ? s[m] : ((s[m - 1] as number) + (s[m] as number)) / 2) as number;
};
const secs = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);
const kib = (b: number) => `${(b / 1024).toFixed(0)} KiB`;
const spread = (xs: number[], f: (x: number) => string) =>
  xs.length > 1 ? ` (${f(Math.min(...xs))}-${f(Math.max(...xs))})` : '';

/** A TCP proxy on 127.0.0.1 that counts the bytes each way (headers included). */
interface CountingProxy {
  host: string;
  /** bytes client -> registry since the last reset */
  readonly sent: number;
  /** bytes registry -> client since the last reset */
  readonly received: number;
  reset(): void;
  stop(): Promise<void>;
}

async function startCountingProxy(targetPort: number): Promise<CountingProxy> {
  let sent = 0;
  let received = 0;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = createConnection({ host: '127.0.0.1', port: targetPort });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    }
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close);
    upstream.on('error', close);
    client.on('close', close);
    upstream.on('close', close);
    client.on('data', (d: Buffer) => {
      sent += d.length;
    });
    upstream.on('data', (d: Buffer) => {
      received += d.length;
    });
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    host: `127.0.0.1:${port}`,
    get sent() {
      return sent;
    },
    get received() {
      return received;
    },
    reset() {
      sent = 0;
      received = 0;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Blobs (layers and configs) the registry linked into one repository, and their bytes. */
async function storedBlobs(registry: TestRegistry, repo: string): Promise<{ count: number; bytes: number }> {
  const v2 = join(registry.dir, 'storage/docker/registry/v2');
  const links = join(v2, 'repositories', repo, '_layers/sha256');
  let count = 0;
  let bytes = 0;
  for (const hex of await readdir(links).catch(() => [] as string[])) {
    const data = join(v2, 'blobs/sha256', hex.slice(0, 2), hex, 'data');
    bytes += (await stat(data)).size;
    count++;
  }
  return { count, bytes };
}

/** Checks with skopeo that ref is a two-platform index or manifest list; returns its media type. */
async function expectTwoPlatformIndex(ref: string): Promise<string> {
  const r = await skopeo(['inspect', '--raw', `docker://${ref}`]);
  if (r.exitCode !== 0) throw new Error(`skopeo inspect ${ref}: ${r.stderr.trim()}`);
  const doc = JSON.parse(r.stdout) as {
    mediaType?: string;
    manifests?: { platform?: { architecture?: string } }[];
  };
  const arches = (doc.manifests ?? []).map((m) => m.platform?.architecture).sort();
  if (arches.join(',') !== 'amd64,arm64')
    throw new Error(`${ref} is not a two-platform image (${doc.mediaType}, arches ${arches.join(',')})`);
  return doc.mediaType ?? '?';
}

interface Row {
  ms: number;
  /** the client's blob bytes (vc-coredns routes only) */
  blobBytes?: number;
  /** the client's request body bytes (vc-coredns routes only) */
  bodyBytes?: number;
  wireSent: number;
  stored: number;
  storedCount: number;
}

type Route = 'vc' | 'docker' | 'repush' | 'cli';

async function main(): Promise<void> {
  const rounds = Number(process.env.BENCH_RUNS ?? 3);
  const ws = await benchWorkspace('vc-bench-push-');
  const work = ws.dir;
  try {
    // ---- prepare, outside every timing: fixture, binaries (once), dockerd, Go version, epoch.
    const dockerd: Dockerd = await startDockerd();
    ws.defer(() => dockerd.stop());
    const fixture = await createFixtureRepo(join(work, 'repo'));
    const tag = fixture.tags.find((t) => t.version === VERSION);
    if (!tag) throw new Error(`fixture has no ${VERSION}`);
    const dockerConfig = join(work, 'docker-config');
    await mkdir(dockerConfig);
    const cliEnv = {
      GOFLAGS: '-mod=mod',
      GOPROXY: 'off',
      GOSUMDB: 'off',
      VC_COREDNS_CACHE: join(work, 'vc-cache'),
      GOCACHE: join(work, 'gocache'),
      DOCKER_CONFIG: dockerConfig,
    };
    const binDir = join(work, 'bin');
    const built = await vc(
      [
        'build',
        '--repo',
        fixture.url,
        '--version',
        VERSION,
        '--platforms',
        PLATFORM_LIST,
        '--output',
        `binaries:${binDir}`,
        '--json',
      ],
      { env: cliEnv },
    );
    if (built.exitCode !== 0) throw new Error(`vc-coredns build --output binaries failed:\n${built.stderr}`);
    const binaries = await Promise.all(
      PLATFORMS.map(async (p) => {
        const path = join(binDir, p.os, p.arch, 'coredns');
        return { platform: p, path, size: (await stat(path)).size };
      }),
    );
    const go = await findGo({ env: process.env });
    const epoch = Number(
      execFileSync('git', ['log', '-1', '--format=%ct', tag.commit], { cwd: fixture.dir }).toString().trim(),
    );
    const dockerVersion = (await dockerd.cli(['version', '--format', '{{.Server.Version}}'])).stdout.trim();

    console.log(
      `bench/push: ${VERSION} fixture, ${PLATFORMS.length} platforms (binaries ${binaries
        .map((b) => `${b.platform.arch} ${kib(b.size)}`)
        .join(', ')}), Debian docker-registry, dockerd ${dockerVersion} (vfs), ${rounds} rounds`,
    );

    const era = eraFor(VERSION);
    /** (a) and (c): what `build` does once the binaries exist. */
    const vcPush = async (ref: string) => {
      const t0 = performance.now();
      const base = await loadBuiltinBase(PLATFORMS);
      const index = assembleImage({
        binaries: await Promise.all(
          binaries.map(async (b) => ({
            platform: b.platform,
            bytes: new Uint8Array(await readFile(b.path)),
          })),
        ),
        base,
        era,
        labels: imageLabels({
          release: { version: VERSION, commit: tag.commit },
          annotationKey: DEFAULT_ANNOTATION,
          repoUrl: fixture.url,
          goVersion: `go${go.version}`,
          patch: patchId(DEFAULT_ANNOTATION),
          buildKey: buildKey({
            commit: tag.commit,
            patch: patchId(DEFAULT_ANNOTATION),
            platforms: PLATFORMS,
            baseDigest: base.digest,
            goVersion: `go${go.version}`,
          }),
          sourceDateEpoch: epoch,
        }),
        sourceDateEpoch: epoch,
      });
      const assembledMs = performance.now() - t0;
      const client = new RegistryClient();
      const published = await registrySink(ref, client).write(index, VERSION);
      return {
        ms: performance.now() - t0,
        assembledMs,
        digest: published.digest,
        stats: { ...client.stats },
      };
    };

    const times: Record<Route, Row[]> = { vc: [], docker: [], repush: [], cli: [] };
    const assembleMs: number[] = [];
    const repushAssembleMs: number[] = [];
    const digestNotes = new Set<string>();
    for (let round = 0; round < rounds; round++) {
      // A fresh registry per round: no blob of an earlier round can be skipped or mounted.
      const registry = await startRegistry({ auth: 'none' });
      const proxy = await startCountingProxy(registry.port);
      const stopProxy = ws.defer(() => proxy.stop());
      const stopRegistry = ws.defer(() => registry.stop());
      const clientConfig = join(work, `docker-client-${round}`);
      await mkdir(clientConfig);
      const dockerEnv = { DOCKER_HOST: dockerd.host, DOCKER_CONFIG: clientConfig, DOCKER_BUILDKIT: '0' };
      const docker = (args: string[]) => execa(DOCKER_CLI, args, { env: dockerEnv });
      const dockerImage = `${proxy.host}/docker`;
      let vcDigest = '';

      const measure: Record<'vc' | 'docker' | 'cli', () => Promise<void>> = {
        vc: async () => {
          proxy.reset();
          const a = await vcPush(`${proxy.host}/vc`);
          const aWire = proxy.sent;
          vcDigest = a.digest ?? '';
          assembleMs.push(a.assembledMs);
          times.vc.push({
            ms: a.ms,
            blobBytes: a.stats.blobBytesUploaded,
            bodyBytes: a.stats.bytesSent,
            wireSent: aWire,
            ...(await storedBlobs(registry, 'vc').then((s) => ({ stored: s.bytes, storedCount: s.count }))),
          });
          await expectTwoPlatformIndex(`${registry.host}/vc:${VERSION}`);
          // (c) right after: the unchanged image again, to the same repository.
          proxy.reset();
          const c = await vcPush(`${proxy.host}/vc`);
          if (c.digest !== a.digest) throw new Error(`re-push digest ${c.digest} != ${a.digest}`);
          repushAssembleMs.push(c.assembledMs);
          times.repush.push({
            ms: c.ms,
            blobBytes: c.stats.blobBytesUploaded,
            bodyBytes: c.stats.bytesSent,
            wireSent: proxy.sent,
            stored: 0,
            storedCount: c.stats.blobsUploaded,
          });
        },
        docker: async () => {
          proxy.reset();
          const t0 = performance.now();
          for (const b of binaries) {
            const ctx = join(work, `ctx-${round}-${b.platform.arch}`);
            await mkdir(ctx);
            await copyFile(b.path, join(ctx, 'coredns'));
            await copyFile(HOST_CA_BUNDLE, join(ctx, 'ca-certificates.crt'));
            await writeFile(
              join(ctx, 'Dockerfile'),
              'FROM scratch\nCOPY ca-certificates.crt /etc/ssl/certs/\nCOPY coredns /coredns\n' +
                'EXPOSE 53 53/udp\nENTRYPOINT ["/coredns"]\n',
            );
            const image = `${dockerImage}:${VERSION}-${b.platform.arch}`;
            await docker(['build', '-q', '-t', image, ctx]);
            await docker(['push', '-q', image]);
          }
          const list = `${dockerImage}:${VERSION}`;
          await docker([
            'manifest',
            'create',
            '--insecure',
            list,
            `${list}-${PLATFORMS[0]?.arch}`,
            `${list}-${PLATFORMS[1]?.arch}`,
          ]);
          await docker([
            'manifest',
            'annotate',
            list,
            `${list}-${PLATFORMS[1]?.arch}`,
            '--os',
            'linux',
            '--arch',
            'arm64',
          ]);
          await docker(['manifest', 'push', '--insecure', '--purge', list]);
          const ms = performance.now() - t0;
          const s = await storedBlobs(registry, 'docker');
          times.docker.push({ ms, wireSent: proxy.sent, stored: s.bytes, storedCount: s.count });
          await expectTwoPlatformIndex(`${registry.host}/docker:${VERSION}`);
          // The daemon forgets the images (and with them the build cache) before the next round.
          await docker(['rmi', ...binaries.map((b) => `${dockerImage}:${VERSION}-${b.platform.arch}`)]);
        },
        cli: async () => {
          proxy.reset();
          const t0 = performance.now();
          const r = await vc(
            [
              'build',
              '--repo',
              fixture.url,
              '--version',
              VERSION,
              '--platforms',
              PLATFORM_LIST,
              '--push',
              `${proxy.host}/cli`,
              '--json',
            ],
            { env: cliEnv },
          );
          const ms = performance.now() - t0;
          if (r.exitCode !== 0) throw new Error(`vc-coredns build --push failed:\n${r.stderr}`);
          const out = json<{ builds: { digest: string; skipped: boolean }[]; failed: unknown[] }>(r);
          const b = out.builds[0];
          if (!b || b.skipped || out.failed.length > 0)
            throw new Error(`vc-coredns build --push did not build: ${r.stdout}`);
          const s = await storedBlobs(registry, 'cli');
          times.cli.push({ ms, wireSent: proxy.sent, stored: s.bytes, storedCount: s.count });
          await expectTwoPlatformIndex(`${registry.host}/cli:${VERSION}`);
          digestNotes.add(b.digest);
        },
      };
      // Rotated, so no route always goes first.
      const order: ('vc' | 'docker' | 'cli')[] = ['vc', 'docker', 'cli'];
      const rotated = [...order.slice(round % 3), ...order.slice(0, round % 3)];
      for (const k of rotated) await measure[k]();
      digestNotes.add(vcDigest);

      const last = (k: Route) => times[k][round] as Row;
      console.log(
        `  round ${round + 1} (${rotated.join(', ')}): vc ${secs(last('vc').ms)}  docker ${secs(last('docker').ms)}` +
          `  re-push ${secs(last('repush').ms)} (${last('repush').blobBytes} blob bytes)` +
          `  cli ${secs(last('cli').ms)}   docker/vc ${(last('docker').ms / last('vc').ms).toFixed(1)}x`,
      );
      await stopRegistry();
      await stopProxy();
    }

    const med = (k: Route, f: (r: Row) => number | undefined) => {
      const xs = times[k].map(f).filter((x): x is number => x !== undefined);
      return xs.length > 0 ? median(xs) : undefined;
    };
    const show = (x: number | undefined, f: (n: number) => string) => (x === undefined ? '-' : f(x));
    console.log(
      `\n  median of ${rounds} rounds (range)                  wall time               client blob/body bytes   wire ->registry   stored in repo`,
    );
    const rows: [Route, string][] = [
      ['vc', '(a) vc-coredns assemble + push, in-process'],
      ['docker', '(b) docker build/push x2 + manifest       '],
      ['repush', '(c) vc-coredns re-push, unchanged image   '],
      ['cli', '(ref) vc-coredns build --push, warm caches'],
    ];
    for (const [k, label] of rows) {
      const ms = times[k].map((r) => r.ms);
      const client =
        med(k, (r) => r.blobBytes) === undefined
          ? '-'
          : `${show(
              med(k, (r) => r.blobBytes),
              kib,
            )} / ${show(
              med(k, (r) => r.bodyBytes),
              kib,
            )}`;
      const stored =
        k === 'repush'
          ? `${show(
              med(k, (r) => r.storedCount),
              String,
            )} blobs uploaded`
          : `${show(
              med(k, (r) => r.stored),
              kib,
            )} (${show(
              med(k, (r) => r.storedCount),
              String,
            )} blobs)`;
      console.log(
        `  ${label}  ${`${secs(median(ms))}${spread(ms, secs)}`.padEnd(24)}${client.padEnd(25)}` +
          `${show(
            med(k, (r) => r.wireSent),
            kib,
          ).padEnd(18)}${stored}`,
      );
    }
    const pushOnly = (k: Route, asm: number[]) => times[k].map((r, i) => r.ms - (asm[i] as number));
    console.log(
      `  ((a) = assembling ${secs(median(assembleMs))}${spread(assembleMs, secs)} + pushing ` +
        `${secs(median(pushOnly('vc', assembleMs)))}${spread(pushOnly('vc', assembleMs), secs)}; ` +
        `(c) = assembling ${secs(median(repushAssembleMs))} + pushing ` +
        `${secs(median(pushOnly('repush', repushAssembleMs)))}${spread(pushOnly('repush', repushAssembleMs), secs)})`,
    );
    const ratios = times.docker.map((d, i) => d.ms / (times.vc[i] as Row).ms);
    const wire = times.docker.map((d, i) => d.wireSent / (times.vc[i] as Row).wireSent);
    const re = times.repush.map((r) => r.blobBytes ?? -1);
    console.log(
      `\n  (b)/(a) wall time: ${median(ratios).toFixed(1)}x${spread(ratios, (x) => `${x.toFixed(1)}x`)}   goal >= 3x: ${median(ratios) >= 3 ? 'met' : 'MISSED'}`,
    );
    console.log(
      `  (b)/(a) bytes on the wire: ${median(wire).toFixed(2)}x${spread(wire, (x) => `${x.toFixed(2)}x`)}`,
    );
    console.log(
      `  (c) re-push blob bytes uploaded: ${re.join(', ')}   goal 0: ${re.every((x) => x === 0) ? 'met' : 'MISSED'}`,
    );
    const cliVsVc = times.cli.map((c, i) => c.ms / (times.vc[i] as Row).ms);
    console.log(
      `  (ref)/(a): ${median(cliVsVc).toFixed(1)}x (node start, checkout reuse, warm make and go build)`,
    );
    console.log(
      digestNotes.size === 1
        ? `  the in-process image and the CLI's are the same: ${[...digestNotes][0]}`
        : `  NOTE: the in-process image differs from the CLI's: ${[...digestNotes].join(' vs ')}`,
    );
  } finally {
    await ws.close();
  }
}

await main();
