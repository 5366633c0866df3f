// compileBinaries with real git, make and Go on the fixture repository (offline).
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CompileProgress,
  compileBinaries,
  execaRunner,
  findGo,
  type GoInfo,
  type Runner,
} from '../../src/compile/index.js';
import { eraFor, formatPlatform, parsePlatforms } from '../../src/versions/index.js';
import { createFixtureRepo, type FixtureRepo, installedGoVersion } from '../support/fixture.js';
import { resolve } from '../support/go-harness.js';
import {
  AMD64,
  ARM_V7,
  ARM64,
  checkout,
  EM,
  elfMachine,
  filesUnder,
  liveInGroups,
  rejection,
  request,
  testEnv,
} from './helpers.js';

let base: string;
let repo: FixtureRepo;
let go: GoInfo;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'vc-coredns-build-'));
  repo = await createFixtureRepo(join(base, 'repo'), { broken: true });
  go = await findGo({ env: process.env });
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

async function work(name: string): Promise<string> {
  return mkdtemp(join(base, `${name}-`));
}

describe('compileBinaries: two eras, patch end to end', () => {
  it('v1.6.8 (single-stack): linux/amd64 and linux/arm64 through the per-arch rule', async () => {
    const w = await work('v1.6.8');
    const co = await checkout(repo, 'v1.6.8', join(w, 'coredns'));
    const events: CompileProgress[] = [];
    const req = await request(co, go, w, { onProgress: (e) => events.push(e) });
    const bins = await compileBinaries(req);

    expect(bins.map((b) => [formatPlatform(b.platform), b.path])).toEqual([
      ['linux/amd64', join(w, 'out/linux/amd64/coredns')],
      ['linux/arm64', join(w, 'out/linux/arm64/coredns')],
    ]);
    for (const b of bins) {
      expect(b.sha256).toBe(sha256(await readFile(b.path)));
      expect((await stat(b.path)).mode & 0o111).toBe(0o111);
    }
    // What the SBOM records of the build: the make command (no machine paths) and the -ldflags make
    // passed, which Go itself leaves out of the binary under -trimpath.
    const gitCommit = co.release.commit.slice(0, 7);
    expect(bins[1]?.make).toEqual({
      command: expect.stringMatching(
        /^env CGO_ENABLED=0 GOFLAGS="[^"]*-trimpath[^"]*" GOTOOLCHAIN=local (GOENV=off )?SOURCE_DATE_EPOCH=\d+ make coredns BINARY=build\/linux\/arm64\/coredns SYSTEM="GOOS=linux GOARCH=arm64" /,
      ),
      ldflags: `-s -w -X github.com/coredns/coredns/coremain.GitCommit=${gitCommit}`,
    });
    expect(bins[1]?.make?.command).not.toContain(w);
    expect(await elfMachine(join(w, 'out/linux/amd64/coredns'))).toBe(EM.amd64);
    expect(await elfMachine(join(w, 'out/linux/arm64/coredns'))).toBe(EM.arm64);
    expect(await filesUnder(req.outDir)).toEqual(['linux/amd64/coredns', 'linux/arm64/coredns']);

    // The patch at work: the annotation's IP wins, a Service without it keeps its own.
    const amd64 = join(w, 'out/linux/amd64/coredns');
    expect(await resolve(amd64, '10.0.0.9', ['10.96.0.10'])).toEqual(['10.0.0.9']);
    expect(await resolve(amd64, null, ['10.96.0.10'])).toEqual(['10.96.0.10']);
    const { stdout } = await execa(amd64, ['-version']);
    expect(stdout).toBe(`CoreDNS-1.6.8\nlinux/amd64, go${go.version}, ${co.release.commit.slice(0, 7)}`);

    // Progress: a start and a done per platform, done with its wall time.
    for (const p of ['linux/amd64', 'linux/arm64']) {
      const mine = events.filter((e) => formatPlatform(e.platform) === p);
      expect(mine.map((e) => e.stage)).toEqual(['start', 'done']);
      expect(mine[1]?.seconds).toBeGreaterThanOrEqual(0);
    }
    // One log per platform, starting with the command.
    expect((await filesUnder(req.logDir)).sort()).toEqual([
      'v1.6.8-linux-amd64.log',
      'v1.6.8-linux-arm64.log',
    ]);
    const log = await readFile(join(req.logDir, 'v1.6.8-linux-amd64.log'), 'utf8');
    // The caller's GOFLAGS does not reach the build; v1.6.8's go.mod (`go 1.13`) builds with -mod=mod, as
    // the go command of its time did.
    expect(log).toContain(`# cd ${co.dir} && env CGO_ENABLED=0 GOFLAGS="-mod=mod -trimpath -buildvcs=false"`);
    expect(log).toContain(
      `make coredns BINARY=build/linux/amd64/coredns SYSTEM="GOOS=linux GOARCH=amd64" CHECKS="" BUILDOPTS="" GITCOMMIT=${co.release.commit.slice(0, 7)} CGO_ENABLED=0 GOTOOLCHAIN=local`,
    );
  });

  it('v1.9.3 (dual-stack): linux/amd64, linux/arm64 and linux/arm/v7', async () => {
    const w = await work('v1.9.3');
    const co = await checkout(repo, 'v1.9.3', join(w, 'coredns'));
    const bins = await compileBinaries(await request(co, go, w, { platforms: [AMD64, ARM64, ARM_V7] }));
    expect(bins.map((b) => b.path)).toEqual([
      join(w, 'out/linux/amd64/coredns'),
      join(w, 'out/linux/arm64/coredns'),
      join(w, 'out/linux/arm/v7/coredns'),
    ]);
    expect(await Promise.all(bins.map((b) => elfMachine(b.path)))).toEqual([EM.amd64, EM.arm64, EM.arm]);

    const amd64 = bins[0]?.path as string;
    expect(await resolve(amd64, '10.0.0.9', ['10.96.0.10'])).toEqual(['10.0.0.9']);
    // Dual-stack Service: the annotation's IP is the only address.
    expect(await resolve(amd64, '10.0.0.9', ['10.96.0.10', 'fd00::10'])).toEqual(['10.0.0.9']);
    expect(await resolve(amd64, null, ['10.96.0.10', 'fd00::10'])).toEqual(['10.96.0.10', 'fd00::10']);
  });
});

describe('compileBinaries: reproducible', () => {
  it('gives byte-identical binaries for the same tag in different directories', async () => {
    const a = await checkout(repo, 'v1.9.3', join(await work('repro-a'), 'coredns'));
    const deep = join(await work('repro-b'), 'a-much-longer', 'path to', 'coredns');
    await mkdir(join(deep, '..'), { recursive: true });
    const b = await checkout(repo, 'v1.9.3', deep);
    const binsA = await compileBinaries(await request(a, go, join(a.dir, '..')));
    const binsB = await compileBinaries(await request(b, go, join(b.dir, '..')));
    expect(binsB.map((x) => x.sha256)).toEqual(binsA.map((x) => x.sha256));
    for (const [i, x] of binsA.entries()) {
      const bytesA = await readFile(x.path);
      expect(Buffer.compare(bytesA, await readFile(binsB[i]?.path as string))).toBe(0);
      // Nothing of either path leaks into the binary.
      expect(bytesA.includes(a.dir)).toBe(false);
      expect(bytesA.includes(base)).toBe(false);
    }

    // Not the cache's doing: a third directory with an empty build cache gives the same bytes.
    const c = await checkout(repo, 'v1.9.3', join(await work('repro-c'), 'x', 'coredns'));
    await mkdir(join(c.dir, '..'), { recursive: true });
    const fresh = await mkdtemp(join(base, 'gocache-'));
    const [binC] = await compileBinaries(
      await request(c, go, join(c.dir, '..'), { platforms: [AMD64], env: testEnv({ GOCACHE: fresh }) }),
    );
    expect(binC?.sha256).toBe(binsA[0]?.sha256);
  });
});

describe('compileBinaries: Go choice', () => {
  it('refuses a go.mod asking for a newer Go (GO_TOO_OLD) before starting anything', async () => {
    const w = await work('too-old');
    const co = await checkout(repo, 'v1.9.3', join(w, 'coredns'));
    const goMod = join(co.dir, 'go.mod');
    await writeFile(goMod, (await readFile(goMod, 'utf8')).replace(/^go 1\.17$/m, 'go 1.99'));
    const req = await request(co, go, w);
    const e = await rejection(compileBinaries(req));
    expect({ code: e.code, exitCode: e.exitCode, message: e.message }).toEqual({
      code: 'GO_TOO_OLD',
      exitCode: 1,
      message: `this CoreDNS needs Go >= 1.99 (go.mod), the chosen Go is ${go.version}`,
    });
    expect(e.hint).toContain('--go auto');
    expect(await filesUnder(req.logDir)).toEqual([]);
  });

  it('builds with the given Go when .go-version names another (a warning), overriding the exported GOTOOLCHAIN', async () => {
    const w = await work('go-version');
    const co = await checkout(repo, 'v1.12.0', join(w, 'coredns'));
    const local = await installedGoVersion();
    const other = local === '1.23.2' ? '1.23.1' : '1.23.2';
    await writeFile(join(co.dir, '.go-version'), `${other}\n`);
    const warnings: string[] = [];
    const req = await request(co, go, w, { platforms: [AMD64], onWarning: (m) => warnings.push(m) });
    const [bin] = await compileBinaries(req);
    expect(warnings).toEqual([
      `upstream builds this CoreDNS with Go ${other} (.go-version); building with Go ${local} (--go auto takes upstream's)`,
    ]);
    // The Makefile's `export GOTOOLCHAIN = go<.go-version>` would make go fetch that toolchain: the
    // make command line's GOTOOLCHAIN=local wins, so it builds offline with the given Go.
    expect(await resolve(bin?.path as string, '10.0.0.9', ['10.96.0.10', 'fd00::10'])).toEqual(['10.0.0.9']);
  });
});

describe('compileBinaries: go.mod of the era', () => {
  // A go.mod without the requirement for a module the tree imports (here: the replaced stubs), as
  // CoreDNS v1.6.4's lacks github.com/DataDog/datadog-go: Go before 1.16 added it while building.
  async function withoutRequires(version: string, name: string) {
    const w = await work(name);
    const co = await checkout(repo, version, join(w, 'coredns'));
    const goMod = join(co.dir, 'go.mod');
    const text = await readFile(goMod, 'utf8');
    const stripped = text.replace(/^require \([^)]*\)\n/m, '');
    expect(stripped).not.toContain('require');
    await writeFile(goMod, stripped);
    return {
      w,
      co,
      req: await request(co, go, w, { jobs: 1, platforms: [AMD64] }),
    };
  }

  it('builds a pre-1.16 go.mod that lacks a requirement, as the Go of its time did (-mod=mod)', async () => {
    const { w, co, req } = await withoutRequires('v1.6.8', 'incomplete-go-mod');
    const [bin] = await compileBinaries(req);
    expect(bin?.path).toBe(join(w, 'out/linux/amd64/coredns'));
    expect(await resolve(join(w, 'out/linux/amd64/coredns'), '10.0.0.9', ['10.96.0.10'])).toEqual([
      '10.0.0.9',
    ]);
    const log = await readFile(join(req.logDir, 'v1.6.8-linux-amd64.log'), 'utf8');
    expect(log).toContain(`# cd ${co.dir} && env CGO_ENABLED=0 GOFLAGS="-mod=mod -trimpath -buildvcs=false"`);
  });

  it('keeps -mod=readonly for a go.mod of Go 1.16 and later, and says what is missing', async () => {
    const { w, req } = await withoutRequires('v1.9.3', 'incomplete-go-mod-117');
    const e = await rejection(compileBinaries(req));
    expect(e.code).toBe('BUILD_FAILED');
    expect(e.hint).toMatch(
      /module k8s\.io\/api provides package k8s\.io\/api\/core\/v1 and is replaced but not required/,
    );
    expect(e.hint).toContain(
      "this CoreDNS's go.mod or go.sum lacks an entry that the Go of its time added while building",
    );
    expect(e.hint).not.toContain('-mod=mod -trimpath');
    expect(await filesUnder(join(w, 'out'))).toEqual([]);
  });
});

describe('compileBinaries: failures', () => {
  it('names the platform and version of a failing build, with the log tail and the command', async () => {
    const w = await work('broken');
    const co = await checkout(repo, 'v1.9.4', join(w, 'coredns'));
    const events: CompileProgress[] = [];
    const req = await request(co, go, w, { jobs: 1, onProgress: (e) => events.push(e) });
    const e = await rejection(compileBinaries(req));
    expect({ code: e.code, exitCode: e.exitCode, message: e.message }).toEqual({
      code: 'BUILD_FAILED',
      exitCode: 1,
      message: 'building CoreDNS v1.9.4 for linux/amd64 failed (make exited with code 2)',
    });
    const hint = (e.hint ?? '').split('\n');
    const logFile = join(req.logDir, 'v1.9.4-linux-amd64.log');
    expect(hint[0]).toBe(`last lines of ${logFile}:`);
    expect(hint.some((l) => /coremain\/run\.go:\d+:\d+: cannot use "not a number"/.test(l))).toBe(true);
    expect(hint.length).toBeLessThanOrEqual(1 + 20 + 1 + 2);
    expect(hint).toContain(
      `command: cd ${co.dir} && env CGO_ENABLED=0 GOFLAGS="-trimpath -buildvcs=false" GOTOOLCHAIN=local GOENV=off ` +
        `SOURCE_DATE_EPOCH=${req.sourceDateEpoch} PATH=${join(go.path, '..')}:"$PATH" make coredns ` +
        `BINARY=build/linux/amd64/coredns SYSTEM="GOOS=linux GOARCH=amd64" CHECKS="" BUILDOPTS="" ` +
        `GITCOMMIT=${co.release.commit.slice(0, 7)} CGO_ENABLED=0 GOTOOLCHAIN=local`,
    );
    // Fail fast: arm64 never started; nothing in outDir.
    expect(events.map((x) => `${formatPlatform(x.platform)} ${x.stage}`)).toEqual([
      'linux/amd64 start',
      'linux/amd64 failed',
    ]);
    expect(await filesUnder(req.outDir)).toEqual([]);
  });

  it('names the failing rule of Makefile.release', async () => {
    const w = await work('broken-release');
    const co = await checkout(repo, 'v1.9.4', join(w, 'coredns'));
    const req = await request(co, go, w, { releaseMakefile: true });
    const e = await rejection(compileBinaries(req));
    expect(e.message).toBe(
      'building CoreDNS v1.9.4 for linux/amd64, linux/arm64 with Makefile.release at darwin/amd64 failed (make exited with code 2)',
    );
    expect(e.hint).toContain(`last lines of ${join(req.logDir, 'v1.9.4-release.log')}:`);
    expect(e.hint).toContain('make -f Makefile.release build LINUX_ARCH="amd64 arm64" DOCKER=vc-coredns');
    expect(await filesUnder(req.outDir)).toEqual([]);
  });

  it('refuses GOPATH-era versions (exit 2) with a hint', async () => {
    for (const version of ['v1.2.3', 'v1.4.0']) {
      const co = {
        dir: base,
        release: { version, commit: 'a'.repeat(40), era: eraFor(version) },
        owned: true,
      };
      const e = await rejection(compileBinaries(await request({ ...co, dir: repo.dir }, go, base)));
      expect({ code: e.code, exitCode: e.exitCode, message: e.message }).toEqual({
        code: 'NOT_BUILDABLE',
        exitCode: 2,
        message: `vc-coredns cannot build CoreDNS ${version}: releases before v1.5.0 have no go.mod (GOPATH era)`,
      });
      expect(e.hint).toBe(
        `\`vc-coredns prepare --version ${version}\` patches it; its GOPATH build needs a Go of that time (v1.2.3 - v1.4.0) and a GOPATH with its dependencies`,
      );
    }
    const old = {
      dir: repo.dir,
      release: { version: 'v1.1.0', commit: 'a'.repeat(40), era: eraFor('v1.1.0') },
      owned: true,
    };
    const e = await rejection(compileBinaries(await request(old, go, base)));
    expect([e.code, e.exitCode, e.hint]).toEqual([
      'NOT_BUILDABLE',
      2,
      'the first release vc-coredns builds is v1.5.0',
    ]);
  });

  it('refuses a platform the era does not build (exit 2)', async () => {
    const era = eraFor('v1.9.3');
    const want = {
      code: 'UNKNOWN_PLATFORM',
      exitCode: 2,
      message: 'platform linux/riscv64 is not built by CoreDNS v1.9.3',
    };
    let parsed: unknown;
    try {
      parsePlatforms('linux/amd64,linux/riscv64', era, 'v1.9.3');
    } catch (e) {
      parsed = e;
    }
    expect(parsed).toMatchObject(want);
    const w = await work('riscv');
    const co = await checkout(repo, 'v1.9.3', join(w, 'coredns'), false);
    const req = await request(co, go, w, { platforms: [AMD64, { os: 'linux', arch: 'riscv64' }] });
    expect(await rejection(compileBinaries(req))).toMatchObject(want);
    expect(await filesUnder(req.logDir)).toEqual([]);
  });

  it('says so when make cannot be started', async () => {
    const w = await work('no-make');
    const co = await checkout(repo, 'v1.6.8', join(w, 'coredns'), false);
    const req = await request(co, go, w, { env: testEnv({ PATH: '/nonexistent' }), platforms: [AMD64] });
    const e = await rejection(compileBinaries(req));
    expect([e.code, e.exitCode]).toEqual(['MISSING_TOOL', 1]);
    expect(e.message).toMatch(/^could not start make to build CoreDNS v1\.6\.8: /);
  });
});

describe('compileBinaries: Makefile.release', () => {
  it('builds the same bytes as the per-arch rule, picked from build/linux', async () => {
    const w = await work('release');
    const co = await checkout(repo, 'v1.6.8', join(w, 'coredns'));
    const perArch = await compileBinaries(await request(co, go, w));
    const req = await request(co, go, w, { releaseMakefile: true, outDir: join(w, 'out-release') });
    const viaRelease = await compileBinaries(req);
    expect(viaRelease.map((b) => b.sha256)).toEqual(perArch.map((b) => b.sha256));
    expect(await filesUnder(req.outDir)).toEqual(['linux/amd64/coredns', 'linux/arm64/coredns']);
    // Upstream's target also built darwin and windows, left in the checkout's build/.
    expect((await filesUnder(join(co.dir, 'build'))).sort()).toEqual([
      'darwin/amd64/coredns',
      'linux/amd64/coredns',
      'linux/arm64/coredns',
      'windows/amd64/coredns.exe',
    ]);
  });
});

describe('compileBinaries: abort', () => {
  it('stops every process it started and leaves no binary', async () => {
    const w = await work('abort');
    const co = await checkout(repo, 'v1.6.8', join(w, 'coredns'));
    const pgids: number[] = [];
    const recording: Runner = (file, args, opts) =>
      execaRunner(file, args, { ...opts, onSpawn: (pid) => pgids.push(pid) });
    // An empty build cache: the compile takes seconds, long enough to be interrupted.
    const gotmp = await mkdtemp(join(base, 'tmp-'));
    const env = testEnv({ GOCACHE: await mkdtemp(join(base, 'gocache-')), TMPDIR: gotmp });
    const req = await request(co, go, w, { env });
    const ac = new AbortController();
    const building = compileBinaries(req, recording, ac.signal);
    building.catch(() => {});

    // Wait until make has started go and go its compilers.
    const deadline = Date.now() + 60_000;
    let seen: string[] = [];
    while (Date.now() < deadline) {
      seen = await liveInGroups(pgids);
      if (seen.some((p) => / (compile|link|go)$/.test(p))) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(seen.some((p) => / (compile|link|go)$/.test(p))).toBe(true);
    ac.abort();

    const e = await rejection(building);
    expect([e.code, e.exitCode, e.message]).toEqual([
      'ABORTED',
      1,
      'the build of CoreDNS v1.6.8 was aborted',
    ]);
    expect(pgids).toHaveLength(2);
    // Nothing is left running once the build has rejected.
    expect(await liveInGroups(pgids)).toEqual([]);
    expect(await filesUnder(req.outDir)).toEqual([]);
    expect(await filesUnder(join(co.dir, 'build'))).toEqual([]);
    // Nor any go work dir (an interrupted go leaves them: vc-coredns gives go its own GOTMPDIR).
    expect(await readdir(gotmp)).toEqual([]);
  });

  it('starts nothing when already aborted', async () => {
    const w = await work('abort-early');
    const co = await checkout(repo, 'v1.6.8', join(w, 'coredns'), false);
    let started = 0;
    const counting: Runner = (file, args, opts) => {
      started++;
      return execaRunner(file, args, opts);
    };
    const e = await rejection(compileBinaries(await request(co, go, w), counting, AbortSignal.abort()));
    expect(e.code).toBe('ABORTED');
    expect(started).toBe(0);
  });
});
