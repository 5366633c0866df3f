// `build --go auto` end to end: each fixture tag is built with the Go its files ask for (the binary's
// embedded build info names it; Go 1.20, installed nowhere here, from the real module proxy's
// golang.org/toolchain module), and the caller's environment (LDFLAGS, GOTAGS, GOFLAGS, CGO_ENABLED,
// GOAMD64, GOTOOLCHAIN, a parent make's MAKEFLAGS...) no longer changes the image: same digest as a
// clean environment. Only `--build-env` changes it, and then the build key too.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABEL } from '../../src/image/index.js';
import { readOciLayoutTag } from '../../src/publish/index.js';
import { buildEnv, CLI, json, vc } from '../support/cli.js';
import { createFixtureRepo, type FixtureRepo } from '../support/fixture.js';
import { resolve, sharedModCache } from '../support/go-harness.js';
import { type RealProxy, realModuleProxy } from '../support/go-proxy.js';

let work: string;
let repo: FixtureRepo;
let env: Record<string, string>;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vc-go-e2e-'));
  repo = await createFixtureRepo(join(work, 'repo'), { oldGo: true });
  // An empty module cache of its own: toolchains another run left in the machine's (e.g. go1.19.13
  // from the module proxy) would be installed Gos too and change which patch "newest installed" is.
  env = { ...buildEnv(work), GOMODCACHE: join(work, 'gomodcache') };
});
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

interface Summary {
  builds: {
    version: string;
    digest: string | null;
    refs: string[];
    go: { version: string; path: string; source: string };
  }[];
  failed: unknown[];
}

/** `build --repo <fixture> --version V --platforms linux/amd64 --output OUT ...more --json` in runEnv */
const amd64In = (runEnv: Record<string, string>, version: string, output: string, ...more: string[]) =>
  vc(
    [
      'build',
      '--repo',
      repo.url,
      '--version',
      version,
      '--platforms',
      'linux/amd64',
      '--output',
      output,
      ...more,
      '--json',
    ],
    { env: runEnv },
  );

/** The same in the tests' environment. */
const amd64 = (version: string, output: string, ...more: string[]) => amd64In(env, version, output, ...more);

async function debianGo(minor: string): Promise<string> {
  const text = await readFile(`/usr/lib/go-${minor}/VERSION`, 'utf8');
  return (text.split('\n')[0] ?? '').trim().replace(/^go/, '');
}

/** The Go that built a binary, from its embedded build info. */
async function builtWith(binary: string): Promise<string> {
  const { stdout } = await execa('/usr/lib/go-1.23/bin/go', ['version', binary], {
    env: { GOTOOLCHAIN: 'local' },
  });
  return stdout.trim().replace(`${binary}: `, '');
}

describe('build --go auto', () => {
  it('builds each fixture tag with the Go its .travis.yml, workflow or .go-version asks for, and says so', async () => {
    const path = (minor: string) => `/usr/lib/go-${minor}/bin/go`;
    const cases: [string, string, string][] = [
      ['v1.6.2', '1.19', "upstream's Go 1.19 (.travis.yml), its newest installed patch"],
      ['v1.6.8', '1.21', "upstream's Go 1.21 (.travis.yml), its newest installed patch"],
      ['v1.7.1', '1.22', "upstream's Go 1.22 (workflows), its newest installed patch"],
      ['v1.9.3', '1.23', "upstream's Go 1.23 (workflows), its newest installed patch"],
    ];
    for (const [version, minor, why] of cases) {
      const out = join(work, `bin-${version}`);
      const r = await amd64(version, `binaries:${out}`);
      expect(r.exitCode, r.stderr).toBe(0);
      const go = await debianGo(minor);
      const [entry] = json<Summary>(r).builds;
      expect(entry?.go).toEqual({ version: go, path: path(minor), source: 'installed' });
      expect(r.stderr).toContain(`${version}: Go ${go} (installed at /usr/lib/go-${minor}): ${why}`);
      expect(await builtWith(join(out, 'linux', 'amd64', 'coredns'))).toBe(`go${go}`);
    }
  });

  it('takes the exact Go of .go-version, writes it in the io.vc-coredns.go label, and keys the build by it', async () => {
    const { stdout } = await execa('git', [
      '--git-dir',
      join(repo.dir, '.git'),
      'show',
      'v1.12.0:.go-version',
    ]);
    const exact = stdout.trim();
    const oci = join(work, 'oci-go');
    const r = await amd64('v1.12.0', `oci:${oci}`);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(json<Summary>(r).builds[0]?.go).toMatchObject({ version: exact, source: 'installed' });
    const tag = await readOciLayoutTag(oci, 'v1.12.0');
    expect(tag?.labels[LABEL.go]).toBe(`go${exact}`);
    // Current: skipped without building, the Go resolved all the same.
    const again = await amd64('v1.12.0', `oci:${oci}`);
    const skipped = json<{ builds: { skipped: boolean; go: { version: string } }[] }>(again).builds[0];
    expect([skipped?.skipped, skipped?.go.version]).toEqual([true, exact]);
    // Another Go is another build: not skipped, another key.
    const other = await amd64('v1.12.0', `oci:${oci}`, '--go', '/usr/lib/go-1.22');
    expect(other.exitCode, other.stderr).toBe(0);
    const forced = json<Summary>(other).builds[0];
    expect([(forced as unknown as { skipped: boolean }).skipped, forced?.go.source]).toEqual([
      false,
      'forced',
    ]);
    const relabeled = await readOciLayoutTag(oci, 'v1.12.0');
    expect(relabeled?.labels[LABEL.go]).toBe(`go${await debianGo('1.22')}`);
    expect(relabeled?.labels[LABEL.buildKey]).not.toBe(tag?.labels[LABEL.buildKey]);
  });

  it('refuses a --go PATH that does not exist before anything runs (exit 2)', async () => {
    const r = await vc(
      ['build', '--repo', repo.url, '--version', 'v1.9.3', '--go', join(work, 'no-go'), '--json'],
      { env },
    );
    expect(r.exitCode).toBe(2);
    expect(json<{ error: { code: string } }>(r).error.code).toBe('BAD_GO');
  });
});

describe("a Go older than 1.21 from the module proxy's golang.org/toolchain module", () => {
  let proxy: RealProxy;
  beforeAll(async () => {
    proxy = await realModuleProxy('the Go 1.20 toolchain module build');
  });

  it("builds v1.11.0 (upstream's Go 1.20, not installed) with the newest 1.20 the module proxy lists", async (t) => {
    if (proxy.toolchains === null) t.skip();
    const go = proxy.toolchains?.filter((v) => v.startsWith('1.20.')).at(-1) as string;
    expect(go).toMatch(/^1\.20\.\d+$/);
    // The machine's shared module cache: the ~100 MB module is downloaded once, then found there.
    const modcache = sharedModCache();
    const out = join(work, 'bin-v1.11.0');
    const r = await amd64In(
      { ...env, GOMODCACHE: modcache, GOPROXY: proxy.goproxy },
      'v1.11.0',
      `binaries:${out}`,
    );
    expect(r.exitCode, r.stderr).toBe(0);
    const root = join(modcache, 'golang.org', `toolchain@v0.0.1-go${go}.linux-amd64`);
    expect(json<Summary>(r).builds[0]?.go).toEqual({
      version: go,
      path: join(root, 'bin', 'go'),
      source: 'toolchain',
    });
    // Fetched now, or by an earlier run into the shared cache: either way the module's, and said so.
    const why = "upstream's Go 1.20 (workflows)";
    const fetched = `v1.11.0: Go ${go} from the module proxy (golang.org/toolchain@v0.0.1-go${go}.linux-amd64) through the go command's toolchain switch (GOTOOLCHAIN=go${go}, downloaded through GOPROXY unless in the module cache): ${why}, the newest patch the module proxy lists`;
    const atHand = `v1.11.0: Go ${go} (the module proxy's golang.org/toolchain module, in the module cache at ${root}): ${why}, its newest installed patch`;
    expect([fetched, atHand].filter((line) => r.stderr.includes(line))).toHaveLength(1);
    const binary = join(out, 'linux', 'amd64', 'coredns');
    expect(await builtWith(binary)).toBe(`go${go}`);
    // Built with that Go and patched: the annotation's IP wins.
    expect(await resolve(binary, '10.96.0.9', ['172.16.0.9'])).toEqual(['10.96.0.9']);
  });
});

describe("the build's environment is the tool's", () => {
  // A --source tree whose Makefile reads LDFLAGS, GOTAGS and STRIP_FLAGS with `?=`, as CoreDNS's have
  // since v1.14.1, on top of the fixture's v1.12.0 (our own text).
  let tree: string;
  beforeAll(async () => {
    tree = join(work, 'v1.14-shaped');
    await execa('git', ['clone', '-q', '--branch', 'v1.12.0', repo.url, tree]);
    await writeFile(
      join(tree, 'Makefile'),
      `# A vc-coredns test Makefile shaped like CoreDNS v1.14's: flags come from the environment when set.
GITCOMMIT?=$(shell git describe --dirty --always)
BINARY:=coredns
SYSTEM:=
CHECKS:=check
BUILDOPTS?=-v
CGO_ENABLED?=0
GOLANG_VERSION ?= $(shell cat .go-version)
GOTAGS?=vcfixture
STRIP_FLAGS?=-s -w
LDFLAGS?=-ldflags="$(STRIP_FLAGS) -X github.com/coredns/coredns/coremain.GitCommit=$(GITCOMMIT)"

export GOTOOLCHAIN = go$(GOLANG_VERSION)

.PHONY: coredns
coredns: $(CHECKS)
	CGO_ENABLED=$(CGO_ENABLED) $(SYSTEM) go build $(BUILDOPTS) -tags="$(GOTAGS)" $(LDFLAGS) -o $(BINARY)

.PHONY: check
check:
	go vet ./...
`,
    );
  });

  const args = (out: string, ...more: string[]) => [
    'build',
    '--source',
    tree,
    '--version',
    'v1.12.0',
    '--platforms',
    'linux/amd64',
    '--output',
    `oci:${join(work, out)}`,
    ...more,
    '--json',
  ];
  const digest = (r: { stdout: string }) => json<Summary>(r as never).builds[0]?.digest;

  it('gives the same digest as a clean environment whatever the caller sets, also under a parent make', async () => {
    const clean = await vc(args('oci-clean'), { env });
    expect(clean.exitCode, clean.stderr).toBe(0);
    expect(digest(clean)).toMatch(/^sha256:/);

    const goenv = join(work, 'go-env');
    await writeFile(goenv, 'GOFLAGS=-tags=fromgoenv\nCGO_ENABLED=1\n');
    const polluted = await vc(args('oci-polluted'), {
      env: {
        ...env,
        LDFLAGS: '-Wl,-O1',
        GOTAGS: 'foo',
        STRIP_FLAGS: '',
        GOFLAGS: '-tags=evil',
        CGO_ENABLED: '1',
        GOAMD64: 'v3',
        GOTOOLCHAIN: 'go1.99.0',
        GOENV: goenv,
        MAKEFLAGS: 'CGO_ENABLED=1 GOTAGS=bar',
        MFLAGS: '-k',
        MAKELEVEL: '2',
        BUILDOPTS: '-race',
      },
    });
    expect(polluted.exitCode, polluted.stderr).toBe(0);
    expect(digest(polluted)).toBe(digest(clean));

    // vc-coredns run by a make called with CGO_ENABLED=1 on its command line (MAKEFLAGS carries it).
    const parent = join(work, 'parent');
    await mkdir(parent, { recursive: true });
    const out = join(parent, 'out.json');
    const line = [process.execPath, CLI, ...args('oci-parent')].map((a) => `'${a}'`).join(' ');
    await writeFile(join(parent, 'Makefile'), `all:\n\t${line} > '${out}'\n`);
    const make = await execa('make', ['-C', parent, 'CGO_ENABLED=1', 'LDFLAGS=-Wl,-O1', 'GOTAGS=foo'], {
      env: { ...process.env, ...env },
      reject: false,
    });
    expect(make.exitCode, make.stderr).toBe(0);
    expect(digest({ stdout: await readFile(out, 'utf8') })).toBe(digest(clean));
  });

  it('passes a --build-env variable, and keys the build by it', async () => {
    const clean = await readOciLayoutTag(join(work, 'oci-clean'), 'v1.12.0');
    const r = await vc(args('oci-build-env', '--build-env', 'GOAMD64=v3'), { env });
    expect(r.exitCode, r.stderr).toBe(0);
    const withEnv = await readOciLayoutTag(join(work, 'oci-build-env'), 'v1.12.0');
    expect(withEnv?.labels[LABEL.buildKey]).not.toBe(clean?.labels[LABEL.buildKey]);
    expect(digest(r)).not.toBe(clean?.digest);
    const bad = await vc(args('oci-bad', '--build-env', 'MAKEFLAGS=-j9'), { env });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('error: --build-env MAKEFLAGS is set by vc-coredns itself');
  });
});
