// Go choice, tools, version rules, commands and failure hints: fast, with the real go and make.
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  binaryPath,
  buildEnv,
  type CommandContext,
  checkGoRequirement,
  checkMakeTools,
  compareGoVersions,
  failureHints,
  findGo,
  formatCommand,
  type GoInfo,
  goModFlags,
  goModMinimum,
  parseGoVersion,
  perArchCommand,
  releaseCommand,
  sameGoRelease,
  satisfiesGoMinimum,
} from '../../src/compile/index.js';
import { rejection } from '../support/errors.js';
import { installedGoVersion } from '../support/fixture.js';

let base: string;
let go: GoInfo;
let localGo: string;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'vc-coredns-build-go-'));
  localGo = await installedGoVersion();
  go = await findGo({ env: process.env });
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

describe('Go versions', () => {
  it('parses toolchain and go.mod spellings', () => {
    expect(parseGoVersion('go1.23.5')).toMatchObject({
      major: 1,
      minor: 23,
      patch: 5,
      pre: null,
      text: '1.23.5',
    });
    expect(parseGoVersion('1.21')).toMatchObject({ major: 1, minor: 21, patch: null, pre: null });
    expect(parseGoVersion('1.21rc2')).toMatchObject({ patch: null, pre: { kind: 'rc', n: 2 } });
    expect(parseGoVersion('devel go1.24-abc')).toBeNull();
    expect(parseGoVersion('1')).toBeNull();
  });

  it('orders them as the go command does', () => {
    const sorted = [
      '1.23.5',
      '1.9',
      '1.21.0',
      '1.21rc1',
      '1.22.7',
      '1.21',
      '1.21beta2',
      '1.10',
      '1.21.10',
    ].sort(compareGoVersions);
    expect(sorted).toEqual([
      '1.9',
      '1.10',
      '1.21',
      '1.21beta2',
      '1.21rc1',
      '1.21.0',
      '1.21.10',
      '1.22.7',
      '1.23.5',
    ]);
    expect(compareGoVersions('1.22.7', '1.23.5')).toBeLessThan(0);
    expect(compareGoVersions('go1.23.5', '1.23.5')).toBe(0);
  });

  it('checks the go.mod minimum', () => {
    expect(satisfiesGoMinimum('1.23.5', '1.22.7')).toBe(true);
    expect(satisfiesGoMinimum('1.22.7', '1.23.5')).toBe(false);
    expect(satisfiesGoMinimum('1.21.0', '1.21')).toBe(true);
    expect(satisfiesGoMinimum('1.21rc1', '1.21.0')).toBe(false);
    expect(satisfiesGoMinimum('1.20', '1.20')).toBe(true); // the old-style name of 1.20.0
    expect(satisfiesGoMinimum('1.20', '1.20.1')).toBe(false);
    expect(satisfiesGoMinimum('1.23.5', '1.99')).toBe(false);
  });

  it('matches .go-version exactly, or by line when it names only the line', () => {
    expect(sameGoRelease('1.23.5', '1.23.5')).toBe(true);
    expect(sameGoRelease('1.23.3', '1.23.5')).toBe(false);
    expect(sameGoRelease('1.23', '1.23.5')).toBe(true);
    expect(sameGoRelease('1.21.0', '1.21')).toBe(false);
  });

  it('reads the go directive', () => {
    expect(goModMinimum('module x\n\ngo 1.22.7\n\ntoolchain go1.23.0\n')).toBe('1.22.7');
    expect(goModMinimum('module x\ngo 1.13 // comment\n')).toBe('1.13');
    expect(goModMinimum('module x\n')).toBeNull();
  });
});

describe('findGo / checkMakeTools', () => {
  it('finds the first go on PATH with its version', async () => {
    expect(go.version).toBe(localGo);
    expect(go.path).toMatch(/\/bin\/go$/);
  });

  it('takes --go as the executable, its bin dir or its GOROOT', async () => {
    const viaExe = await findGo({ goPath: go.path, env: {} });
    const viaBin = await findGo({ goPath: dirname(go.path), env: {} });
    const viaRoot = await findGo({ goPath: dirname(dirname(go.path)), env: {} });
    expect([viaExe, viaBin, viaRoot]).toEqual([go, go, go]);
  });

  it('resolves a go wrapper with another name to its GOROOT', async () => {
    const dir = join(base, 'wrapper');
    await mkdir(dir, { recursive: true });
    await symlink(go.path, join(dir, 'go1.23-custom'));
    expect(await findGo({ goPath: join(dir, 'go1.23-custom'), env: {} })).toEqual(go);
  });

  it('fails with exit 1 when --go points nowhere', async () => {
    const e = await rejection(findGo({ goPath: '/nonexistent/go', env: process.env }));
    expect({ code: e.code, exitCode: e.exitCode, message: e.message }).toEqual({
      code: 'MISSING_TOOL',
      exitCode: 1,
      message: '--go /nonexistent/go: no go executable there',
    });
  });

  it('fails with exit 1 when PATH has no go', async () => {
    const e = await rejection(findGo({ env: { PATH: '/nonexistent' } }));
    expect([e.code, e.exitCode, e.message]).toEqual(['MISSING_TOOL', 1, 'go is not on PATH']);
    expect(e.hint).toContain('--go PATH');
  });

  it('fails when the "go" is not a Go', async () => {
    const fake = join(base, 'fake-go');
    await writeFile(fake, '#!/bin/sh\necho broken >&2\nexit 3\n');
    await chmod(fake, 0o755);
    const e = await rejection(findGo({ goPath: fake, env: process.env }));
    expect([e.code, e.exitCode]).toEqual(['MISSING_TOOL', 1]);
    expect(e.message).toBe(`${fake} does not work as a Go toolchain: broken`);
  });

  it('checks make (and curl for Makefile.release) up front', async () => {
    const tools = await checkMakeTools({ env: process.env, releaseMakefile: true });
    expect(tools.make).toMatch(/\/make$/);

    const onlyGo = join(base, 'only-go');
    await mkdir(onlyGo, { recursive: true });
    await symlink(go.path, join(onlyGo, 'go'));
    const noMake = await rejection(checkMakeTools({ env: { PATH: onlyGo } }));
    expect([noMake.code, noMake.exitCode, noMake.message]).toEqual([
      'MISSING_TOOL',
      1,
      'make is needed to build CoreDNS but not found',
    ]);
    expect(noMake.hint).toContain('install make');

    const neither = await rejection(checkMakeTools({ env: { PATH: '/nonexistent' }, releaseMakefile: true }));
    expect(neither.message).toBe('make and curl are needed to build CoreDNS but not found');
  });
});

describe('checkGoRequirement', () => {
  async function tree(files: Record<string, string>): Promise<string> {
    const dir = await mkdtemp(join(base, 'tree-'));
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
    return dir;
  }

  it('passes a go.mod the local Go satisfies', async () => {
    const dir = await tree({ 'go.mod': 'module github.com/coredns/coredns\n\ngo 1.13\n' });
    expect(await checkGoRequirement(dir, go)).toEqual({ minimum: '1.13', preferred: null, warning: null });
  });

  it('refuses an older local Go with GO_TOO_OLD, naming both versions and the way out', async () => {
    const dir = await tree({ 'go.mod': 'module github.com/coredns/coredns\n\ngo 1.99\n' });
    const e = await rejection(checkGoRequirement(dir, go));
    expect({ code: e.code, exitCode: e.exitCode, message: e.message }).toEqual({
      code: 'GO_TOO_OLD',
      exitCode: 1,
      message: `this CoreDNS needs Go >= 1.99 (go.mod), the chosen Go is ${localGo}`,
    });
    expect(e.hint).toBe(
      "build with --go auto (upstream's Go, 1.99 or newer), or pass --go with a Go >= 1.99",
    );
  });

  it('compares 1.21 with 1.21.0 as Go does', async () => {
    const dir = await tree({ 'go.mod': 'module m\n\ngo 1.21\n' });
    expect((await checkGoRequirement(dir, { path: go.path, version: '1.21.0' })).warning).toBeNull();
    const patch = await tree({ 'go.mod': 'module m\n\ngo 1.22.7\n' });
    const e = await rejection(checkGoRequirement(patch, { path: go.path, version: '1.22.6' }));
    expect(e.message).toBe('this CoreDNS needs Go >= 1.22.7 (go.mod), the chosen Go is 1.22.6');
  });

  it('warns (does not fail) when .go-version names another Go', async () => {
    const dir = await tree({ 'go.mod': 'module m\n\ngo 1.22.7\n', '.go-version': '1.23.3\n' });
    expect(await checkGoRequirement(dir, go)).toEqual({
      minimum: '1.22.7',
      preferred: '1.23.3',
      warning: `upstream builds this CoreDNS with Go 1.23.3 (.go-version); building with Go ${localGo} (--go auto takes upstream's)`,
    });
    const same = await tree({ 'go.mod': 'module m\n\ngo 1.22.7\n', '.go-version': `${localGo}\n` });
    expect((await checkGoRequirement(same, go)).warning).toBeNull();
  });

  it('has nothing to check without go.mod', async () => {
    const dir = await tree({ Makefile: 'all:\n' });
    expect(await checkGoRequirement(dir, go)).toEqual({ minimum: null, preferred: null, warning: null });
  });
});

describe('commands', () => {
  const ctx: CommandContext = {
    go: { path: '/opt/go/bin/go', version: '1.23.5' },
    gitCommit: 'abc1234',
    sourceDateEpoch: 1585062000,
    env: {
      PATH: '/usr/bin:/bin',
      GOFLAGS: '-mod=mod',
      GOROOT: '/elsewhere',
      GOCACHE: '/c',
      HOME: '/root',
      GOAMD64: 'v3',
      GOARCH: 'mips',
    },
  };

  it('runs the per-arch rule with a fixed GITCOMMIT, CGO_ENABLED=0 and GOTOOLCHAIN=local, in the tool environment', () => {
    const cmd = perArchCommand({ os: 'linux', arch: 'arm', variant: 'v7' }, ctx);
    expect(cmd.file).toBe('make');
    expect(cmd.args).toEqual([
      'coredns',
      'BINARY=build/linux/arm/v7/coredns',
      'SYSTEM=GOOS=linux GOARCH=arm GOARM=7',
      'CHECKS=',
      'BUILDOPTS=',
      'GITCOMMIT=abc1234',
      'CGO_ENABLED=0',
      'GOTOOLCHAIN=local',
    ]);
    // The caller's GOFLAGS, GOROOT and target variables do not reach the build.
    expect(cmd.env).toEqual({
      PATH: '/opt/go/bin:/usr/bin:/bin',
      GOFLAGS: '-trimpath -buildvcs=false',
      GOCACHE: '/c',
      HOME: '/root',
      CGO_ENABLED: '0',
      SOURCE_DATE_EPOCH: '1585062000',
      GOTOOLCHAIN: 'local',
      GOENV: 'off',
    });
    expect(formatCommand(cmd, '/tmp/co', ctx)).toBe(
      'cd /tmp/co && env CGO_ENABLED=0 GOFLAGS="-trimpath -buildvcs=false" GOTOOLCHAIN=local GOENV=off ' +
        'SOURCE_DATE_EPOCH=1585062000 PATH=/opt/go/bin:"$PATH" make coredns BINARY=build/linux/arm/v7/coredns ' +
        'SYSTEM="GOOS=linux GOARCH=arm GOARM=7" CHECKS="" BUILDOPTS="" GITCOMMIT=abc1234 CGO_ENABLED=0 GOTOOLCHAIN=local',
    );
  });

  it('passes --build-env variables (GOFLAGS before its own, not repeated) and never make or tool variables', () => {
    const extra = { ...ctx, extraEnv: { GOFLAGS: '-trimpath -mod=mod', GOEXPERIMENT: 'boringcrypto' } };
    const cmd = perArchCommand({ os: 'linux', arch: 'amd64' }, extra);
    expect(cmd.env.GOFLAGS).toBe('-trimpath -mod=mod -buildvcs=false');
    expect(cmd.env.GOEXPERIMENT).toBe('boringcrypto');
    // Go before 1.18 does not know -buildvcs.
    expect(buildEnv({ ...ctx, go: { path: '/g/bin/go', version: '1.17.13' } }).GOFLAGS).toBe('-trimpath');
    // Go 1.12 (upstream's for v1.5.0 - v1.6.3) does not know -trimpath either, has no default module
    // proxy and reads GOPROXY as one URL.
    const go112 = { ...ctx, go: { path: '/g/bin/go', version: '1.12.17' } };
    expect(buildEnv(go112).GOFLAGS).toBe('');
    expect(buildEnv(go112).GOPROXY).toBe('https://proxy.golang.org');
    expect(buildEnv({ ...go112, env: { GOPROXY: 'http://127.0.0.1:3000/x/,direct' } }).GOPROXY).toBe(
      'http://127.0.0.1:3000/x',
    );
    expect(buildEnv({ ...go112, env: { GOPROXY: 'off' } }).GOPROXY).toBe('off');
    expect(buildEnv(ctx).GOPROXY).toBeUndefined();
    const inherited = buildEnv({
      ...ctx,
      env: {
        ...ctx.env,
        MAKEFLAGS: 'CGO_ENABLED=1',
        MAKELEVEL: '1',
        LDFLAGS: '-s',
        GOTAGS: 'x',
        CGO_ENABLED: '1',
      },
    });
    for (const k of ['MAKEFLAGS', 'MAKELEVEL', 'LDFLAGS', 'GOTAGS']) expect(inherited[k]).toBeUndefined();
    expect(inherited.CGO_ENABLED).toBe('0');
  });

  it('builds a go.mod older than Go 1.16 with -mod=mod, as the go command of its time did', () => {
    const clean = { ...ctx, env: { PATH: '/usr/bin' } };
    expect(buildEnv({ ...clean, goModLine: '1.13' }).GOFLAGS).toBe('-mod=mod -trimpath -buildvcs=false');
    expect(buildEnv({ ...clean, goModLine: '1.16' }).GOFLAGS).toBe('-trimpath -buildvcs=false');
    expect(buildEnv({ ...clean, goModLine: null }).GOFLAGS).toBe('-trimpath -buildvcs=false');
    expect(buildEnv(clean).GOFLAGS).toBe('-trimpath -buildvcs=false');
    // --build-env's -mod wins (flags are not repeated); the caller's GOFLAGS are not read.
    expect(buildEnv({ ...clean, goModLine: '1.12', env: { GOFLAGS: '-mod=readonly' } }).GOFLAGS).toBe(
      '-mod=mod -trimpath -buildvcs=false',
    );
    expect(buildEnv({ ...clean, goModLine: '1.12', extraEnv: { GOFLAGS: '-mod=vendor' } }).GOFLAGS).toBe(
      '-mod=vendor -trimpath -buildvcs=false',
    );
    // Go 1.14 and 1.15 update go.mod by default; older ones do not know -mod=mod.
    expect(goModFlags('1.12', '1.19.8')).toEqual(['-mod=mod']);
    expect(goModFlags('1.15', '1.16')).toEqual(['-mod=mod']);
    expect(goModFlags('1.12', '1.15.15')).toEqual([]);
    expect(goModFlags('1.17', '1.23.5')).toEqual([]);
    expect(goModFlags('not a version', '1.23.5')).toEqual([]);
  });

  it('runs upstream Makefile.release build once for all arches', () => {
    const cmd = releaseCommand(
      [
        { os: 'linux', arch: 'amd64' },
        { os: 'linux', arch: 'arm', variant: 'v7' },
      ],
      ctx,
    );
    expect(cmd.args).toEqual([
      '-f',
      'Makefile.release',
      'build',
      'LINUX_ARCH=amd64 arm',
      'DOCKER=vc-coredns',
      'GITCOMMIT=abc1234',
      'CGO_ENABLED=0',
      'GOTOOLCHAIN=local',
    ]);
    expect(cmd.env.GOARM).toBe('7');
    for (const target of ['release', 'pre', 'docker', 'tar']) expect(cmd.args).not.toContain(target);
    expect(cmd.args.join(' ')).not.toContain('Makefile.docker');
  });

  it('lays out binaries as the Makefile.release does, with the variant', () => {
    expect(binaryPath({ os: 'linux', arch: 'arm64' })).toBe('build/linux/arm64/coredns');
    expect(binaryPath({ os: 'linux', arch: 'arm', variant: 'v7' })).toBe('build/linux/arm/v7/coredns');
  });
});

describe('failureHints', () => {
  const ctx = {
    version: 'v1.9.3',
    goVersion: '1.23.5',
    releaseMakefile: false,
    env: { GOPROXY: 'off' },
  };

  it.each([
    [
      'go: go.mod requires go >= 1.99 (running go 1.23.5; GOTOOLCHAIN=local)',
      'this CoreDNS needs Go >= 1.99 (the chosen Go is 1.23.5): build with --go auto, or pass --go with a newer Go',
    ],
    [
      'go: downloading go1.23.2 (linux/amd64)',
      'Go tried to switch toolchains although vc-coredns passes GOTOOLCHAIN=local',
    ],
    [
      'go: github.com/miekg/dns@v1.1.50: module lookup disabled by GOPROXY=off',
      'the modules this CoreDNS needs must be downloadable (upstream tags need module downloads): set GOPROXY to a reachable proxy (now GOPROXY=off), or pre-fill GOMODCACHE and build with GOPROXY=off --build-env GOFLAGS=-mod=mod',
    ],
    ['cannot find module providing package github.com/x/y', 'must be downloadable'],
    [
      'tracer.go:18:2: no required module provides package github.com/DataDog/datadog-go/statsd; to add it:',
      "this CoreDNS's go.mod or go.sum lacks an entry that the Go of its time added while building: --build-env GOFLAGS=-mod=mod lets Go add it",
    ],
    ['dial tcp 142.250.1.1:443: connect: network is unreachable', 'must be downloadable'],
    ['link: golang.org/x/sys/unix: invalid reference to syscall.X (go:linkname)', 'go:linkname'],
    ['panic: assume-no-moving-gc: something', 'ASSUME_NO_MOVING_GC_UNSAFE_RISK_IT_WITH=go1.23'],
  ])('%s', (log, want) => {
    expect(failureHints(log, ctx).join('\n')).toContain(want);
  });

  it('takes a GOROOT in the module cache (a Go from the module proxy) for no toolchain switch', () => {
    const log =
      'service.go:12:2: package net/netip is not in GOROOT (/root/go/pkg/mod/golang.org/toolchain@v0.0.1-go1.14.15.linux-amd64/src/net/netip)';
    expect(failureHints(log, { ...ctx, goVersion: '1.14.15' }).join('\n')).not.toContain('switch toolchains');
  });

  it('adds the known hazards of the version', () => {
    expect(failureHints('', { ...ctx, version: 'v1.10.1' })).toEqual([
      expect.stringContaining('assume-no-moving-gc'),
    ]);
    // The x/sys hazard is about darwin: per-arch Linux builds do not hit it unless the log says so.
    expect(failureHints('some error', { ...ctx, version: 'v1.6.8' })).toEqual([]);
    expect(failureHints('some error', { ...ctx, version: 'v1.6.8', releaseMakefile: true })).toEqual([
      expect.stringContaining('golang.org/x/sys'),
    ]);
    expect(failureHints('x: go:linkname y', { ...ctx, version: 'v1.6.8' })).toEqual([
      expect.stringContaining('CoreDNS v1.6.8 pins an old golang.org/x/sys'),
    ]);
  });
});
