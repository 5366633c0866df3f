// A small Go program of our own with every kind of module line `go version -m` prints: a dependency
// with a version and an `h1:` sum, a dependency replaced by a directory (`=> ./local (devel)`) and one
// replaced by another module version (`=> path version h1:`). The versioned modules come from a
// GOPROXY=file:// folder this helper writes (module zips made here), so no network is needed and go
// computes the sums itself. Built with any installed Go, for any GOOS/GOARCH.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { strToU8, zipSync } from 'fflate';
import { sharedGoCache, writeFiles } from './go-harness.js';

export const GO_119 = '/usr/lib/go-1.19/bin/go';
export const GO_123 = '/usr/lib/go-1.23/bin/go';

export const DEMO_MODULE = 'example.com/vcdemo';

interface ProxyModule {
  path: string;
  version: string;
  files: Record<string, string>;
}

const PROXY_MODULES: ProxyModule[] = [
  {
    path: 'example.com/vcdep',
    version: 'v1.2.0',
    files: {
      'go.mod': 'module example.com/vcdep\n\ngo 1.16\n',
      'dep.go':
        '// Package vcdep is a vc-coredns test module.\npackage vcdep\n\n// Name names it.\nfunc Name() string { return "vcdep" }\n',
    },
  },
  {
    path: 'example.com/vcfork',
    version: 'v1.1.0',
    files: {
      'go.mod': 'module example.com/vcfork\n\ngo 1.16\n',
      'fork.go':
        '// Package vcswap is the fork that replaces example.com/vcswap in a vc-coredns test.\npackage vcswap\n\n// Name names it.\nfunc Name() string { return "vcfork" }\n',
    },
  },
];

const DEMO_FILES: Record<string, string> = {
  'go.mod': `module ${DEMO_MODULE}

go 1.19

require (
	example.com/vcdep v1.2.0
	example.com/vclocal v0.0.0
	example.com/vcswap v1.0.0
)

replace example.com/vclocal => ./local

replace example.com/vcswap => example.com/vcfork v1.1.0
`,
  'main.go': `// Command vcdemo is a vc-coredns test program: it links three modules and prints their names.
package main

import (
	"fmt"

	"example.com/vcdep"
	"example.com/vclocal"
	"example.com/vcswap"
)

// commit is set with -ldflags -X, as CoreDNS sets coremain.GitCommit.
var commit = "none"

func main() {
	fmt.Println(vcdep.Name(), vclocal.Name(), vcswap.Name(), commit)
}
`,
  'local/go.mod': 'module example.com/vclocal\n\ngo 1.16\n',
  'local/local.go':
    '// Package vclocal is replaced by a directory in a vc-coredns test.\npackage vclocal\n\n// Name names it.\nfunc Name() string { return "vclocal" }\n',
};

export interface DemoWorkspace {
  dir: string;
  /** GOPROXY=file://... */
  proxy: string;
  modCache: string;
  dispose(): Promise<void>;
}

/** Writes the proxy folder and the demo module into a temp dir. */
export async function createDemoWorkspace(): Promise<DemoWorkspace> {
  const root = await mkdtemp(join(tmpdir(), 'vc-gomod-'));
  const proxyDir = join(root, 'proxy');
  for (const m of PROXY_MODULES) {
    const at = join(proxyDir, m.path, '@v');
    await mkdir(at, { recursive: true });
    const zip = zipSync(
      Object.fromEntries(
        Object.entries(m.files).map(([f, text]) => [`${m.path}@${m.version}/${f}`, strToU8(text)]),
      ),
      { mtime: new Date('2020-01-01T00:00:00Z') },
    );
    await writeFile(join(at, 'list'), `${m.version}\n`);
    await writeFile(
      join(at, `${m.version}.info`),
      JSON.stringify({ Version: m.version, Time: '2020-01-01T00:00:00Z' }),
    );
    await writeFile(join(at, `${m.version}.mod`), m.files['go.mod'] as string);
    await writeFile(join(at, `${m.version}.zip`), zip);
  }
  const dir = join(root, 'demo');
  await writeFiles(dir, DEMO_FILES);
  return {
    dir,
    proxy: pathToFileURL(proxyDir).href,
    modCache: join(root, 'modcache'),
    dispose: () => rm(root, { recursive: true, force: true }),
  };
}

export interface DemoBuild {
  go: string;
  goos: string;
  goarch: string;
  trimpath: boolean;
  ldflags: string;
  out: string;
}

function env(ws: DemoWorkspace, extra: Record<string, string>): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? tmpdir(),
    GOPROXY: ws.proxy,
    GOSUMDB: 'off',
    GOFLAGS: '-mod=mod -modcacherw',
    GOMODCACHE: ws.modCache,
    GOCACHE: sharedGoCache(),
    GOTOOLCHAIN: 'local',
    CGO_ENABLED: '0',
    ...extra,
  };
}

/** Builds the demo program with one Go for one target; returns the binary's path. */
export async function buildDemo(
  ws: DemoWorkspace,
  opts: { go: string; goos?: string; goarch?: string; trimpath?: boolean; ldflags?: string },
): Promise<DemoBuild> {
  const goos = opts.goos ?? 'linux';
  const goarch = opts.goarch ?? 'amd64';
  const trimpath = opts.trimpath ?? true;
  const ldflags = opts.ldflags ?? '-s -w -X main.commit=abc1234';
  const version = (
    await execa(opts.go, ['env', 'GOVERSION'], { env: env(ws, {}), extendEnv: false })
  ).stdout.trim();
  const out = join(ws.dir, 'out', `${version}-${goos}-${goarch}${trimpath ? '' : '-notrim'}`, 'vcdemo');
  await mkdir(dirname(out), { recursive: true });
  await execa(opts.go, ['build', ...(trimpath ? ['-trimpath'] : []), `-ldflags=${ldflags}`, '-o', out, '.'], {
    cwd: ws.dir,
    env: env(ws, { GOOS: goos, GOARCH: goarch }),
    extendEnv: false,
  });
  return { go: opts.go, goos, goarch, trimpath, ldflags, out };
}

/** What `go version -m FILE` prints, with the given Go. */
export async function goVersionM(go: string, file: string): Promise<string> {
  const { stdout } = await execa(go, ['version', '-m', file], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? tmpdir(),
      GOTOOLCHAIN: 'local',
    },
    extendEnv: false,
    stripFinalNewline: false,
  });
  return stdout;
}
