// Which Go builds a release, and how it is had: installed Gos found where they live, the official
// archives from a download site of ours (packed from the installed Debian Gos: download, verify,
// cache, reuse; a wrong checksum or a broken transfer leaves nothing), the fallback, and the go
// command's toolchain switch against the real Go module proxy.
import { chmod, mkdir, mkdtemp, readdir, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type GoChooserOptions,
  type GoWant,
  goChooser,
  parseGoRequest,
} from '../../src/compile/go-choice.js';
import { findInstalledGos } from '../../src/compile/go-installed.js';
import {
  listArchives,
  listToolchainVersions,
  toolchainModuleVersion,
} from '../../src/compile/go-listings.js';
import { compareGoVersions } from '../../src/compile/go-version.js';
import { inUse } from '../../src/util/lock.js';
import { rejection } from '../support/errors.js';
import {
  type GoDownloadServer,
  packInstalledGo,
  startGoDownloadServer,
} from '../support/go-download-server.js';
import { type RealProxy, realModuleProxy } from '../support/go-proxy.js';
import { writeToolchainProxy } from '../support/go-toolchain-proxy.js';

const GO_121 = '/usr/lib/go-1.21';
const GO_119 = '/usr/lib/go-1.19';
const GO_123 = '/usr/lib/go-1.23';

let base: string;
let server: GoDownloadServer;
let v121: string;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'vc-coredns-go-choice-'));
  const packed = await packInstalledGo(GO_121);
  v121 = packed.version;
  server = await startGoDownloadServer([packed]);
});
afterAll(async () => {
  await server?.stop();
  // The go command leaves module cache folders read-only.
  await execa('chmod', ['-R', 'u+w', base]).catch(() => {});
  await rm(base, { recursive: true, force: true });
});

let n = 0;
/** A fresh cache and a search that finds no installed Go (nothing on PATH, no system folders). */
async function isolated(
  extra: Partial<GoChooserOptions> = {},
): Promise<GoChooserOptions & { cacheDir: string }> {
  const dir = join(base, `run-${n++}`);
  const cacheDir = join(dir, 'cache');
  await mkdir(cacheDir, { recursive: true });
  const env = { PATH: '', HOME: dir, GOMODCACHE: join(dir, 'modcache') };
  return {
    request: { kind: 'auto' },
    fallback: false,
    search: { env, cacheDir, system: [], home: dir },
    env,
    downloadUrl: server.url,
    cacheDir,
    ...extra,
  };
}

const want = (upstream: GoWant['upstream'], minimum: string | null = '1.13', coredns = 'v1.9.3'): GoWant => ({
  coredns,
  upstream,
  minimum,
});

async function debianGoVersion(minor: string): Promise<string> {
  const { stdout } = await execa(`/usr/lib/go-${minor}/bin/go`, ['env', 'GOVERSION'], {
    env: { GOTOOLCHAIN: 'local' },
  });
  return stdout.trim().replace(/^go/, '');
}

async function goVersionOf(path: string): Promise<string> {
  const { stdout } = await execa(path, ['env', 'GOVERSION'], { env: { GOTOOLCHAIN: 'local', GOENV: 'off' } });
  return stdout.trim();
}

describe('installed Gos', () => {
  it('finds Debian, /usr/local and PATH Gos with their versions, and GOROOTs under --go-search', async () => {
    const home = join(base, 'home');
    const search = join(base, 'search');
    await mkdir(join(home, 'sdk'), { recursive: true });
    await mkdir(search, { recursive: true });
    await symlink(GO_119, join(home, 'sdk', 'go1.19.8'));
    await symlink(GO_121, join(search, 'go-a'));
    const cacheDir = join(base, 'cache-installed');
    const onlySearch = await findInstalledGos({
      env: { PATH: '' },
      cacheDir,
      system: [],
      home: base,
      dirs: [search],
    });
    expect(onlySearch.map((g) => [g.version, g.root, g.where])).toEqual([[v121, GO_121, '--go-search']]);
    const sdk = await findInstalledGos({ env: { PATH: '' }, cacheDir, system: [], home });
    expect(sdk.map((g) => [g.root, g.where])).toEqual([[GO_119, '~/sdk']]);
    const all = await findInstalledGos({ env: { PATH: `${GO_119}/bin:/usr/bin` }, cacheDir, home });
    const byRoot = Object.fromEntries(all.map((g) => [g.root, g.where]));
    expect(byRoot[GO_119]).toBe('PATH');
    for (const minor of ['1.21', '1.22', '1.23'])
      expect(byRoot[`/usr/lib/go-${minor}`]).toBe('/usr/lib/go-*');
    // Newest first, each version read from its VERSION file.
    const versions = all.map((g) => g.version);
    expect(versions).toContain('1.19.8');
    expect([...versions].sort(compareGoVersions).reverse()).toEqual(versions);
  });
});

describe('--go', () => {
  it('reads auto, latest-patch, local, versions and paths; a path that does not exist is exit 2', async () => {
    expect(await parseGoRequest(undefined, base)).toEqual({ kind: 'auto' });
    expect(await parseGoRequest('latest-patch', base)).toEqual({ kind: 'latest-patch' });
    expect(await parseGoRequest('local', base)).toEqual({ kind: 'local' });
    expect(await parseGoRequest('go1.21.8', base)).toEqual({ kind: 'version', version: '1.21.8' });
    expect(await parseGoRequest('1.20', base)).toEqual({ kind: 'version', version: '1.20' });
    expect(await parseGoRequest(GO_121, base)).toEqual({ kind: 'path', path: GO_121 });
    const e = await rejection(parseGoRequest('./no-such-go', base));
    expect([e.exitCode, e.code, e.message]).toEqual([
      2,
      'BAD_GO',
      '--go ./no-such-go: no such file or directory',
    ]);
  });
});

describe('choosing the Go of a release', () => {
  const installedOnly = (cacheDir: string): GoChooserOptions => ({
    request: { kind: 'auto' },
    fallback: false,
    search: { env: { PATH: '' }, cacheDir, home: base },
    // No module proxy and no archives: only the installed Gos.
    env: { ...process.env, GOPROXY: 'off' },
    downloadUrl: 'http://127.0.0.1:9/',
    cacheDir,
  });

  it('takes the installed Go of upstream minor (its newest patch) or exact version, with no listing', async () => {
    const chooser = goChooser(installedOnly(join(base, 'cache-choose')));
    const minor = await chooser.choose(want({ version: '1.19', exact: false, from: '.travis.yml' }));
    expect([minor.version, minor.source, minor.means.kind]).toEqual(['1.19.8', 'installed', 'installed']);
    expect(minor.reason).toBe(
      `Go 1.19.8 (installed at ${GO_119}): upstream's Go 1.19 (.travis.yml), its newest installed patch`,
    );
    const exact = await chooser.choose(want({ version: v121, exact: true, from: '.go-version' }));
    expect([exact.version, exact.source]).toEqual([v121, 'installed']);
    expect(await chooser.obtain(exact)).toEqual({
      version: v121,
      path: `${GO_121}/bin/go`,
      source: 'installed',
    });
    // No upstream file: go.mod's minor.
    const mod = await chooser.choose(want(null, '1.22.7'));
    expect(mod.version).toMatch(/^1\.22\.\d+$/);
  });

  it('forces --go local, a path or a version', async () => {
    const opts = installedOnly(join(base, 'cache-forced'));
    const upstream = want({ version: '1.19', exact: false, from: '.travis.yml' });
    const path = await goChooser({ ...opts, request: { kind: 'path', path: GO_121 } }).choose(upstream);
    expect([path.version, path.source, path.reason]).toEqual([
      v121,
      'forced',
      `Go ${v121} at ${GO_121}/bin/go (--go ${GO_121})`,
    ]);
    const local = await goChooser({
      ...opts,
      request: { kind: 'local' },
      env: { PATH: `${GO_119}/bin` },
    }).choose(upstream);
    expect([local.version, local.source]).toEqual(['1.19.8', 'forced']);
    const version = await goChooser({ ...opts, request: { kind: 'version', version: '1.22' } }).choose(
      upstream,
    );
    expect([version.source, version.means.kind, version.version]).toEqual([
      'forced',
      'installed',
      expect.stringMatching(/^1\.22\./),
    ]);
  });

  it('fails naming the version and the URL tried when a Go cannot be had', async () => {
    const opts = await isolated({ downloadUrl: 'http://127.0.0.1:9/dl/' });
    const chooser = goChooser(opts);
    const e = await rejection(chooser.choose(want({ version: '1.14', exact: false, from: 'workflows' })));
    expect([e.code, e.exitCode]).toEqual(['GO_UNAVAILABLE', 1]);
    expect(e.message).toMatch(
      /^Go 1\.14 cannot be had: not installed, and not found at http:\/\/127\.0\.0\.1:9\/dl\/: cannot read the listing of Go archives/,
    );
    expect(e.hint).toContain('--go-fallback installed');
    // An exact version is chosen without a listing; obtaining it is what fails.
    const exact = await chooser.choose(want({ version: '1.14.15', exact: true, from: '.go-version' }));
    expect([exact.source, exact.means.kind]).toEqual(['download', 'download']);
    const o = await rejection(chooser.obtain(exact));
    expect(o.message).toMatch(
      /^Go 1\.14\.15 cannot be had: not installed, and not found at http:\/\/127\.0\.0\.1:9\/dl\//,
    );
    expect(await readdir(opts.cacheDir)).toEqual([]);
  });

  it('with --go-fallback installed takes the OLDEST installed Go meeting go.mod and upstream minor, and warns', async () => {
    const cacheDir = join(base, 'cache-fallback');
    const chooser = goChooser({ ...installedOnly(cacheDir), fallback: true });
    const choice = await chooser.choose(
      want({ version: '1.14', exact: false, from: 'workflows' }, '1.13', 'v1.6.8'),
    );
    expect([choice.version, choice.source]).toEqual(['1.19.8', 'fallback']);
    expect(choice.warning).toMatch(
      /^upstream's Go 1\.14 \(workflows\) cannot be had \(Go 1\.14 cannot be had: .*\); building CoreDNS v1\.6\.8 with the installed Go 1\.19\.8 \(--go-fallback installed\)\. The image differs from upstream's by more than the patch; known hazards: CoreDNS v1\.6\.8 pins an old golang\.org\/x\/sys/,
    );
    // go.mod's minimum counts too: 1.20 rules out 1.19.
    const newer = await chooser.choose(want({ version: '1.14', exact: false, from: 'workflows' }, '1.20'));
    expect(newer.version).toMatch(/^1\.21\./);
    // An exact version that fails to download falls back when obtained.
    const exact = await chooser.choose(
      want({ version: '1.19.2', exact: true, from: '.go-version' }, '1.13', 'v1.9.3'),
    );
    const used = await chooser.obtain(exact);
    expect([used.version, used.source]).toEqual(['1.19.8', 'fallback']);
    expect(used.warning).toContain("upstream's Go 1.19.2 (.go-version) cannot be had");
  });
});

describe('--go latest-patch', () => {
  it('takes the newest patch of upstream line from the listings, installed when it is the newest', async () => {
    server.listOnly.push('1.19.99');
    server.toolchains.push('1.21.0', '1.21.8', '1.21.99', '1.22.3');
    try {
      const cacheDir = join(base, 'cache-latest');
      const chooser = goChooser({
        request: { kind: 'latest-patch' },
        fallback: false,
        search: { env: { PATH: '' }, cacheDir, home: base },
        env: { GOPROXY: `${server.url.replace(/\/$/, '')},direct` },
        downloadUrl: server.url,
        cacheDir,
      });
      // A line the module proxy does not list: the archive listing.
      const old = await chooser.choose(want({ version: '1.19', exact: false, from: '.travis.yml' }));
      expect([old.version, old.source, old.reason]).toEqual([
        '1.19.99',
        'download',
        `Go 1.19.99 from the official archives (${server.url}): upstream's Go 1.19 (.travis.yml), --go latest-patch, the newest patch listed there`,
      ]);
      // From 1.21: the module proxy's toolchains, also for an exact .go-version.
      const exact = await chooser.choose(want({ version: '1.21.8', exact: true, from: '.go-version' }));
      expect([exact.version, exact.source, exact.means.kind]).toEqual(['1.21.99', 'toolchain', 'toolchain']);
      // An installed patch newer than any listed wins.
      const local = await chooser.choose(want({ version: '1.22', exact: false, from: 'workflows' }));
      expect([local.source, local.version]).toEqual(['installed', await debianGoVersion('1.22')]);
    } finally {
      server.listOnly.length = 0;
      server.toolchains.length = 0;
    }
  });
});

describe("Gos of any age from the module proxy's golang.org/toolchain module", () => {
  it('names the modules and reads the list: a first release before 1.21 as x.y.0, no pre-releases, this platform only', async () => {
    expect(toolchainModuleVersion('1.14.15', 'amd64')).toBe('v0.0.1-go1.14.15.linux-amd64');
    expect(toolchainModuleVersion('1.20.0', 'amd64')).toBe('v0.0.1-go1.20.linux-amd64');
    expect(toolchainModuleVersion('1.21.0', 'amd64')).toBe('v0.0.1-go1.21.0.linux-amd64');
    expect(toolchainModuleVersion('1.12.17', 'armv6l')).toBe('v0.0.1-go1.12.17.linux-arm');
    const url = await writeToolchainProxy(
      join(base, 'list-proxy'),
      [],
      [
        'v0.0.1-go1.20.14.linux-amd64',
        'v0.0.1-go1.9.linux-amd64',
        'v0.0.1-go1.20.linux-amd64',
        'v0.0.1-go1.21rc2.linux-amd64',
        'v0.0.1-go1.21.linux-amd64',
        'v0.0.1-go1.21.0.linux-amd64',
        'v0.0.1-go1.14.15.linux-arm64',
        'v0.0.1-go1.14.15.darwin-amd64',
        'v0.0.1-go1.12.17.linux-arm',
        'v0.0.1-gotip.linux-amd64',
      ],
    );
    expect(await listToolchainVersions(url, { arch: 'amd64' })).toEqual([
      '1.9.0',
      '1.20.0',
      '1.20.14',
      '1.21.0',
    ]);
    expect(await listToolchainVersions(url, { arch: 'arm64' })).toEqual(['1.14.15']);
    expect(await listToolchainVersions(url, { arch: 'armv6l' })).toEqual(['1.12.17']);
  });

  it('chooses the newest patch the module proxy lists before the archives, and an exact version it lists', async () => {
    server.toolchains.push('1.14.2', '1.14.15', '1.20', '1.20.14');
    server.listOnly.push('1.14.99', '1.14.7');
    try {
      const cacheDir = join(base, 'cache-module-choice');
      // Only Debian's 1.23 is installed (it fetches the modules); the proxy lists, the archives too.
      const opts: GoChooserOptions = {
        request: { kind: 'auto' },
        fallback: false,
        search: { env: { PATH: '' }, cacheDir, system: [GO_123], home: base },
        env: { GOPROXY: `${server.url.replace(/\/$/, '')},direct` },
        downloadUrl: server.url,
        cacheDir,
      };
      const lists = () => server.requests.filter((r) => r === '/golang.org/toolchain/@v/list').length;
      const before = lists();
      const chooser = goChooser(opts);
      const minor = await chooser.choose(
        want({ version: '1.14', exact: false, from: '.travis.yml' }, '1.13', 'v1.6.8'),
      );
      expect([minor.version, minor.source, minor.means.kind, minor.reason]).toEqual([
        '1.14.15',
        'toolchain',
        'toolchain',
        "Go 1.14.15 from the module proxy (golang.org/toolchain@v0.0.1-go1.14.15.linux-amd64) through the go command's toolchain switch (GOTOOLCHAIN=go1.14.15, downloaded through GOPROXY unless in the module cache): upstream's Go 1.14 (.travis.yml), the newest patch the module proxy lists",
      ]);
      // An exact version the list lacks: the official archives. One list request for the run.
      const exact = await chooser.choose(want({ version: '1.14.7', exact: true, from: '.go-version' }));
      expect([exact.version, exact.source, exact.means.kind]).toEqual(['1.14.7', 'download', 'download']);
      expect(lists() - before).toBe(1);
      // The first release of a line, listed as go1.20, asked for exactly.
      const first = await goChooser({ ...opts, request: { kind: 'version', version: '1.20.0' } }).choose(
        want(null),
      );
      expect([first.version, first.source, first.means.kind]).toEqual(['1.20.0', 'forced', 'toolchain']);
      expect(first.reason).toContain('(golang.org/toolchain@v0.0.1-go1.20.linux-amd64) ');
      expect(first.reason).toContain('(GOTOOLCHAIN=go1.20, ');
      const latest = await goChooser({ ...opts, request: { kind: 'latest-patch' } }).choose(
        want({ version: '1.20', exact: false, from: 'workflows' }),
      );
      expect([latest.version, latest.source, latest.means.kind]).toEqual([
        '1.20.14',
        'toolchain',
        'toolchain',
      ]);
    } finally {
      server.listOnly.length = 0;
      server.toolchains.length = 0;
    }
  });

  it('switches to one older than 1.21 (the go command fetches, verifies and makes it executable) and checks its version', async () => {
    const go119 = await debianGoVersion('1.19');
    const mod = (v: string) => toolchainModuleVersion(v, 'amd64');
    const goproxy = await writeToolchainProxy(
      join(base, 'module-proxy'),
      [
        { version: mod(go119), goroot: GO_119, goVersion: `go${go119}` },
        // Named 1.19.1, but its go is another release.
        { version: mod('1.19.1'), goroot: GO_119, goVersion: 'go1.19.1' },
      ],
      // 1.19.5 is listed with nothing behind it.
      [mod(go119), mod('1.19.1'), mod('1.19.5')],
    );
    const modcache = join(base, 'module-modcache');
    const env = { PATH: '', HOME: base, GOMODCACHE: modcache, GOPROXY: goproxy, GOSUMDB: 'off' };
    const cacheDir = join(base, 'cache-module');
    const lines: string[] = [];
    const opts: GoChooserOptions = {
      request: { kind: 'auto' },
      fallback: false,
      search: { env, cacheDir, system: [GO_123], home: base },
      env,
      downloadUrl: 'http://127.0.0.1:9/',
      cacheDir,
      log: (l) => lines.push(l),
    };
    const upstream = want({ version: '1.19', exact: false, from: '.travis.yml' }, '1.12', 'v1.6.2');
    const chooser = goChooser(opts);
    const choice = await chooser.choose(upstream);
    expect([choice.version, choice.source, choice.means.kind]).toEqual([go119, 'toolchain', 'toolchain']);
    const used = await chooser.obtain(choice);
    const root = join(modcache, 'golang.org', `toolchain@${mod(go119)}`);
    expect(used).toEqual({ version: go119, path: join(root, 'bin', 'go'), source: 'toolchain' });
    expect(lines).toEqual([
      `Go ${go119}: the go command's toolchain switch fetches golang.org/toolchain@${mod(go119)} from the module proxy`,
    ]);
    expect(await goVersionOf(used.path)).toBe(`go${go119}`);
    // The zip carries no modes and go unpacks read-only: the switch made the commands executable.
    expect((await stat(used.path)).mode & 0o777).toBe(0o555);
    expect((await stat(join(root, 'pkg', 'tool', 'linux_amd64', 'README'))).mode & 0o777).toBe(0o555);

    // A later run finds it in the module cache: at hand, reported as the module's; lost bits come back.
    await chmod(used.path, 0o444);
    const later = goChooser(opts);
    const again = await later.choose(upstream);
    expect([again.source, again.means.kind, again.reason]).toEqual([
      'toolchain',
      'installed',
      `Go ${go119} (the module proxy's golang.org/toolchain module, in the module cache at ${root}): upstream's Go 1.19 (.travis.yml), its newest installed patch`,
    ]);
    expect((await later.obtain(again)).path).toBe(used.path);
    expect((await stat(used.path)).mode & 0o111).toBe(0o111);

    // A module whose go is another release is refused; one that cannot be downloaded says why.
    const liar = await rejection(
      later.obtain(await later.choose(want({ version: '1.19.1', exact: true, from: '.go-version' }))),
    );
    expect(liar.code).toBe('GO_UNAVAILABLE');
    expect(liar.message).toMatch(
      /^the go command could not switch to Go 1\.19\.1 \(GOTOOLCHAIN=go1\.19\.1\): /,
    );
    expect(liar.message.endsWith(`go${go119}`)).toBe(true);
    const missing = await later.choose(want({ version: '1.19.5', exact: true, from: '.go-version' }));
    expect([missing.source, missing.means.kind]).toEqual(['toolchain', 'toolchain']);
    const e = await rejection(later.obtain(missing));
    expect(e.code).toBe('GO_UNAVAILABLE');
    expect(e.message).toMatch(
      /^the go command could not switch to Go 1\.19\.5 \(GOTOOLCHAIN=go1\.19\.5\): .*toolchain not available$/,
    );
    expect(e.hint).toContain('--go-fallback installed');
    expect((await readdir(join(modcache, 'golang.org'))).sort()).toEqual(
      [`toolchain@${mod('1.19.1')}`, `toolchain@${mod(go119)}`].sort(),
    );
  });
});

describe('official archives from a download site', () => {
  it('lists the archives of this platform with their checksums', async () => {
    const list = await listArchives(server.url, { arch: 'amd64' });
    expect(list.map((a) => [a.version, a.filename, a.url])).toEqual([
      [v121, `go${v121}.linux-amd64.tar.gz`, `${server.url}go${v121}.linux-amd64.tar.gz`],
    ]);
    expect(list[0]?.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('downloads, verifies and unpacks upstream Go into the cache, then reuses it', async () => {
    const opts = await isolated();
    const upstream = want({ version: '1.21', exact: false, from: 'workflows' });
    const before = server.requests.length;
    const choice = await goChooser(opts).choose(upstream);
    expect([choice.version, choice.source, choice.means.kind]).toEqual([v121, 'download', 'download']);
    expect(choice.reason).toBe(
      `Go ${v121} from the official archives (${server.url}): upstream's Go 1.21 (workflows), the newest patch listed there`,
    );
    const used = await goChooser(opts).obtain(choice);
    expect(used).toEqual({
      version: v121,
      path: join(opts.cacheDir, 'go', v121, 'bin', 'go'),
      source: 'download',
    });
    expect(await goVersionOf(used.path)).toBe(`go${v121}`);
    // The GOROOT, and this run's in-use mark on it (cache prune leaves it alone while the run lives).
    const entries = (await readdir(join(opts.cacheDir, 'go'))).sort();
    expect(entries).toEqual([
      v121,
      expect.stringMatching(new RegExp(`^${v121.replaceAll('.', '\\.')}\\.use-[0-9a-f]+\\.lock$`)),
    ]);
    expect(await inUse(join(opts.cacheDir, 'go', v121))).toBe(true);
    expect(server.requests.slice(before).filter((r) => r.endsWith('.tar.gz'))).toEqual([
      `/go${v121}.linux-amd64.tar.gz`,
    ]);
    // A later run finds it in the cache: at hand, nothing downloaded, still reported as an archive's.
    const again = await goChooser(opts).choose(upstream);
    expect([again.source, again.means.kind]).toEqual(['download', 'installed']);
    expect(again.reason).toBe(
      `Go ${v121} (an official archive, in vc-coredns's cache at ${join(opts.cacheDir, 'go', v121)}): upstream's Go 1.21 (workflows), its newest installed patch`,
    );
    expect(server.requests.slice(before).filter((r) => r.endsWith('.tar.gz'))).toHaveLength(1);
  });

  it('refuses a download whose checksum is not the listed one and keeps nothing', async () => {
    const opts = await isolated();
    server.lieAbout.set(`go${v121}.linux-amd64.tar.gz`, 'f'.repeat(64));
    try {
      const chooser = goChooser(opts);
      const e = await rejection(
        chooser.obtain(await chooser.choose(want({ version: v121, exact: true, from: '.go-version' }))),
      );
      expect(e.code).toBe('GO_CHECKSUM_MISMATCH');
      expect(e.message).toMatch(
        new RegExp(
          `^the download of Go ${v121} from ${server.url}go${v121}\\.linux-amd64\\.tar\\.gz has SHA-256 [0-9a-f]{64}, the listing says f{64}$`,
        ),
      );
      expect(await readdir(join(opts.cacheDir, 'go'))).toEqual([]);
    } finally {
      server.lieAbout.clear();
    }
  });

  it('leaves nothing when the transfer is cut or interrupted', async () => {
    const opts = await isolated();
    const filename = `go${v121}.linux-amd64.tar.gz`;
    server.cutAfter.set(filename, 1 << 20);
    try {
      const chooser = goChooser(opts);
      const choice = await chooser.choose(want({ version: v121, exact: true, from: '.go-version' }));
      const e = await rejection(chooser.obtain(choice));
      expect(e.code).toBe('GO_DOWNLOAD_FAILED');
      expect(e.message).toMatch(new RegExp(`^cannot download Go ${v121} from ${server.url}${filename}: `));
      expect(await readdir(join(opts.cacheDir, 'go'))).toEqual([]);
    } finally {
      server.cutAfter.clear();
    }
    const stop = new AbortController();
    const chooser = goChooser({ ...opts, signal: stop.signal, log: () => stop.abort() });
    const choice = await chooser.choose(want({ version: v121, exact: true, from: '.go-version' }));
    const e = await rejection(chooser.obtain(choice));
    expect(e.code).toBe('ABORTED');
    expect(await readdir(join(opts.cacheDir, 'go'))).toEqual([]);
  });
});

describe('the toolchain switch against the real Go module proxy', () => {
  let proxy: RealProxy;
  beforeAll(async () => {
    proxy = await realModuleProxy('toolchain switch tests');
  });

  it('lists toolchain versions, picks the newest patch of a minor and switches to it through GOTOOLCHAIN', async (t) => {
    if (proxy.toolchains === null) t.skip();
    const opts = await isolated();
    // Only the Debian 1.23 is installed for this run: 1.24 must come through the switch.
    const search = { ...opts.search, system: [GO_123] };
    const env = { ...process.env, GOMODCACHE: join(base, 'toolchain-modcache'), GOFLAGS: '-modcacherw' };
    const chooser = goChooser({ ...opts, search, env, downloadUrl: 'http://127.0.0.1:9/' });
    const listed = (proxy.toolchains ?? []).filter((v) => v.startsWith('1.24.'));
    const choice = await chooser.choose(want({ version: '1.24', exact: false, from: 'workflows' }));
    expect([choice.version, choice.source, choice.means.kind]).toEqual([
      listed.at(-1),
      'toolchain',
      'toolchain',
    ]);
    expect(choice.reason).toContain(
      `through the go command's toolchain switch (GOTOOLCHAIN=go${choice.version}`,
    );
    const used = await chooser.obtain(choice);
    expect(used.source).toBe('toolchain');
    expect(used.path).toBe(
      join(env.GOMODCACHE, 'golang.org', `toolchain@v0.0.1-go${choice.version}.linux-amd64`, 'bin', 'go'),
    );
    expect(await goVersionOf(used.path)).toBe(`go${choice.version}`);
  });
});
