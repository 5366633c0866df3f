// The fixture repository: a git repo that looks enough like CoreDNS, one commit per release tag, for
// the tool to list, clone, patch and build offline. Our own text throughout; the Go side comes from
// go-harness.ts, the service.go of each era from test/fixtures/patch/. Commits are made with fixed
// identities and dates and without the user's git config, so their hashes are the same on every run
// and every machine (v1.12.0 carries `.go-version` = the installed Go, so its hash follows that Go).
// Each tag names upstream's Go the way its era did (`.travis.yml`, a setup-go workflow, `.go-version`),
// always a Go that scripts/setup.sh installs (1.19, 1.21, 1.22, 1.23), so `build --go auto` needs no
// download and no fallback (but the optional v1.11.0: Go 1.20); the go.mod lines stay those of the era.
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve as resolvePath } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { harnessFiles, type Signature, versionGo, writeFiles } from './go-harness.js';

export interface FixtureTag {
  version: string;
  /** The tag's commit (peeled: for the annotated v1.7.1 this is the commit, not the tag object). */
  commit: string;
}

export interface FixtureRepo {
  dir: string;
  /** `file://` URL of dir: plain paths make git ignore `--depth`. */
  url: string;
  /** In version order. */
  tags: FixtureTag[];
}

export interface FixtureOptions {
  /** Adds v1.9.4, a dual-stack tag whose coremain does not compile (on a side branch off v1.9.3). */
  broken?: boolean;
  /**
   * Adds v1.11.0, a dual-stack tag whose workflow asks Go 1.20, as upstream's did: not installed here,
   * so `--go auto` takes it from the module proxy's golang.org/toolchain module (on a side branch off
   * v1.9.3, like the broken tag, so the mainline hashes stay).
   */
  oldGo?: boolean;
}

type PatchFixture = 'single-stack-v1.2' | 'single-stack-v1.6.5' | 'single-stack-v1.7' | 'dual-stack';

interface TagSpec {
  version: string;
  /** Commit, author and tagger date. */
  date: string;
  /** Which test/fixtures/patch/<name>/input.go is the tag's service.go; null: none (pre-v1.2.3). */
  service: PatchFixture | null;
  signature: Signature | null;
  goLine: string | null;
  goVersionFile: boolean;
  /** `.travis.yml`'s `go:` list (v1.5-v1.8 era); upstream's Go is its newest entry unless a workflow names one */
  travisGo: string[];
  /** the `go-version:` of a setup-go workflow (v1.7+ era) */
  workflowGo: string | null;
  annotated: boolean;
  broken: boolean;
  /** only with FixtureOptions.oldGo */
  oldGo: boolean;
}

// Upstream's Go of each tag (what `build --go auto` takes): v1.6.2 1.19 (.travis.yml), v1.6.8 1.21 (the
// newest of .travis.yml's list), v1.7.1 1.22 (its workflow wins over .travis.yml's 1.21), v1.9.3 and
// v1.9.4 1.23 (workflow), v1.11.0 1.20 (workflow; the module proxy's toolchain), v1.12.0 exactly the
// installed Go (.go-version).
const TAGS: TagSpec[] = [
  spec('v1.1.0', '2018-03-13T14:00:00Z', null, null, null),
  { ...spec('v1.6.2', '2019-08-14T08:00:00Z', 'single-stack-v1.2', 'v1.2', '1.12'), travisGo: ['1.19.x'] },
  {
    ...spec('v1.6.8', '2020-03-24T15:00:00Z', 'single-stack-v1.6.5', 'v1.6.5', '1.13'),
    travisGo: ['1.19.x', '1.21.x'],
  },
  {
    ...spec('v1.7.1', '2020-09-21T12:00:00Z', 'single-stack-v1.7', 'v1.7', '1.13'),
    annotated: true,
    travisGo: ['1.21.x'],
    workflowGo: "'^1.22.0'",
  },
  { ...spec('v1.9.3', '2022-05-27T15:00:00Z', 'dual-stack', 'dual-stack', '1.17'), workflowGo: "'1.23.0'" },
  {
    ...spec('v1.9.4', '2023-02-02T18:00:00Z', 'dual-stack', 'dual-stack', '1.17'),
    broken: true,
    workflowGo: "'1.23.0'",
  },
  {
    ...spec('v1.11.0', '2023-07-25T16:00:00Z', 'dual-stack', 'dual-stack', '1.20'),
    oldGo: true,
    workflowGo: "'~1.20.0'",
  },
  { ...spec('v1.12.0', '2024-11-21T19:00:00Z', 'dual-stack', 'dual-stack', '1.22.7'), goVersionFile: true },
];

/** The tags of these options, in version order. */
function tagSpecs(opts: FixtureOptions): TagSpec[] {
  return TAGS.filter((t) => (opts.broken || !t.broken) && (opts.oldGo || !t.oldGo));
}

function spec(
  version: string,
  date: string,
  service: PatchFixture | null,
  signature: Signature | null,
  goLine: string | null,
): TagSpec {
  return {
    version,
    date,
    service,
    signature,
    goLine,
    goVersionFile: false,
    travisGo: [],
    workflowGo: null,
    annotated: false,
    broken: false,
    oldGo: false,
  };
}

/** The tags createFixtureRepo makes, in version order. */
export function fixtureVersions(opts: FixtureOptions = {}): string[] {
  return tagSpecs(opts).map((t) => t.version);
}

const AUTHOR = { name: 'vc-coredns fixture', email: 'fixture@vc-coredns.invalid' };

const PATCH_FIXTURES = fileURLToPath(new URL('../fixtures/patch/', import.meta.url));

type Version = [number, number, number];

function ver(tag: string): Version {
  const [a, b, c] = tag.replace(/^v/, '').split('.').map(Number);
  return [a ?? 0, b ?? 0, c ?? 0];
}

/** tag >= v<min>. */
function atLeast(tag: string, min: string): boolean {
  const a = ver(tag);
  const b = ver(min);
  return (a[0] - b[0] || a[1] - b[1] || a[2] - b[2]) >= 0;
}

/** The installed Go's version without the `go` prefix, e.g. `1.23.5`. */
export async function installedGoVersion(): Promise<string> {
  const { stdout } = await execa('go', ['env', 'GOVERSION'], { env: { GOTOOLCHAIN: 'local' } });
  const v = stdout.trim().replace(/^go/, '');
  if (!/^\d+\.\d+(\.\d+)?$/.test(v)) throw new Error(`unexpected go env GOVERSION: ${stdout}`);
  return v;
}

// ---- text of the files (what each era's tree holds besides Go) ----

function makefile(t: TagSpec): string {
  const v = t.version;
  if (!atLeast(v, 'v1.2.0')) {
    return `# Makefile of a vc-coredns test fixture, shaped like CoreDNS ${v}'s (GOPATH era).
GITCOMMIT:=$(shell git describe --dirty --always)
BINARY:=coredns
SYSTEM:=
CHECKS:=check godeps
VERBOSE:=-v
CGO_ENABLED?=0

all: coredns

.PHONY: coredns
coredns: $(CHECKS)
	CGO_ENABLED=$(CGO_ENABLED) $(SYSTEM) go build $(VERBOSE) -ldflags="-s -w -X github.com/coredns/coredns/coremain.GitCommit=$(GITCOMMIT)" -o $(BINARY)

.PHONY: check
check:
	go vet ./...

# This era moved its dependencies to the versions it wanted inside GOPATH, over the network.
.PHONY: godeps
godeps:
	@echo "godeps: this fixture does not fetch GOPATH dependencies" >&2
	@exit 1

.PHONY: clean
clean:
	rm -f coredns
`;
  }
  const toolchain = t.goVersionFile;
  const modulePrefix = atLeast(v, 'v1.7.0') ? '' : 'GO111MODULE=on ';
  let head = `# Makefile of a vc-coredns test fixture, shaped like CoreDNS ${v}'s.
GITCOMMIT${toolchain ? '?=' : ':='}$(shell git describe --dirty --always)
BINARY:=coredns
SYSTEM:=
CHECKS:=check
BUILDOPTS${toolchain ? '?=' : ':='}-v
CGO_ENABLED?=0
`;
  if (toolchain) {
    head += `GOLANG_VERSION ?= $(shell cat .go-version)

export GOTOOLCHAIN = go$(GOLANG_VERSION)
`;
  }
  return `${head}
.PHONY: all
all: coredns

.PHONY: coredns
coredns: $(CHECKS)
	${modulePrefix}CGO_ENABLED=$(CGO_ENABLED) $(SYSTEM) go build $(BUILDOPTS) -ldflags="-s -w -X github.com/coredns/coredns/coremain.GitCommit=$(GITCOMMIT)" -o $(BINARY)

# Upstream regenerates the plugin lists here; the fixture has none, so it only vets the code.
.PHONY: check
check:
	${modulePrefix}go vet ./...

.PHONY: clean
clean:
	go clean
	rm -f coredns
`;
}

function linuxArch(v: string): string {
  const arch = ['amd64', 'arm', 'arm64'];
  if (atLeast(v, 'v1.8.5')) arch.push('mips64le');
  arch.push('ppc64le', 's390x');
  if (atLeast(v, 'v1.8.5')) arch.push('mips');
  if (atLeast(v, 'v1.11.0')) arch.push('riscv64');
  return arch.join(' ');
}

function makefileRelease(t: TagSpec): string {
  const v = t.version;
  const version = `VERSION:=$(shell sed -n 's/^[[:space:]]*CoreVersion[[:space:]]*=[[:space:]]*"\\(.*\\)"/\\1/p' coremain/version.go)`;
  if (!atLeast(v, 'v1.2.0')) {
    return `# Makefile.release of a vc-coredns test fixture, shaped like CoreDNS ${v}'s.
# In this era \`release\` committed, pushed and uploaded to GitHub: the fixture keeps the
# shape (and the tools it insists on) but those steps only fail.

ifeq (, $(shell which gh-release))
    $(error gh-release is not on PATH)
endif

ifeq (, $(shell which manifest-tool))
    $(error manifest-tool is not on PATH)
endif

NAME:=coredns
${version}
LINUX_ARCH:=${linuxArch(v)}

all:
	@echo Use the release target.

release: pre commit push build tar upload

.PHONY: pre commit push upload
pre commit push upload:
	@echo "$@: not imitated by the fixture" >&2
	@exit 1

.PHONY: build
build:
	@rm -rf build && mkdir build
	mkdir -p build/darwin/amd64 && $(MAKE) coredns BINARY=build/darwin/amd64/$(NAME) SYSTEM="GOOS=darwin GOARCH=amd64" CHECKS="godeps"
	mkdir -p build/windows/amd64 && $(MAKE) coredns BINARY=build/windows/amd64/$(NAME).exe SYSTEM="GOOS=windows GOARCH=amd64" CHECKS="godeps"
	for arch in $(LINUX_ARCH); do \\
	    mkdir -p build/linux/$$arch && $(MAKE) coredns BINARY=build/linux/$$arch/$(NAME) SYSTEM="GOOS=linux GOARCH=$$arch" CHECKS="godeps" ;\\
	done

.PHONY: tar
tar:
	@rm -rf release && mkdir release
	tar -zcf release/$(NAME)_$(VERSION)_darwin_amd64.tgz -C build/darwin/amd64 $(NAME)
	tar -zcf release/$(NAME)_$(VERSION)_windows_amd64.tgz -C build/windows/amd64 $(NAME).exe
	for arch in $(LINUX_ARCH); do \\
	    tar -zcf release/$(NAME)_$(VERSION)_linux_$$arch.tgz -C build/linux/$$arch $(NAME) ;\\
	done
`;
  }

  const withPre = !atLeast(v, 'v1.8.1');
  const darwinArm = atLeast(v, 'v1.10.1');
  const toolchain = t.goVersionFile
    ? `GOLANG_VERSION ?= $(shell cat .go-version)

export GOTOOLCHAIN = go$(GOLANG_VERSION)
`
    : '';
  const dockerCheck = withPre
    ? `
# Like upstream in this era, every target (build too) wants the registry named up front.
ifeq ($(DOCKER),)
    $(error DOCKER is not set: name the registry, e.g. make -f Makefile.release DOCKER=example build)
endif
`
    : '';
  const platform = (os: string, arch: string, exe = '') =>
    `\tmkdir -p build/${os}/${arch} && $(MAKE) coredns BINARY=build/${os}/${arch}/$(NAME)${exe} SYSTEM="GOOS=${os} GOARCH=${arch}" CHECKS="" BUILDOPTS=""\n`;
  const pack = (os: string, arch: string, exe = '') =>
    `\ttar -zcf release/$(NAME)_$(VERSION)_${os}_${arch}.tgz -C build/${os}/${arch} $(NAME)${exe}\n`;

  return `# Makefile.release of a vc-coredns test fixture, shaped like CoreDNS ${v}'s.
#
#   make -f Makefile.release release    builds every platform through the coredns rule of the
#                                       Makefile and packs each binary into release/
#
# The version comes from coremain/version.go.

ifeq (, $(shell which curl))
    $(error curl is not on PATH; this makefile needs it)
endif

${withPre ? 'DOCKER:=\n' : ''}NAME:=coredns
${version}
LINUX_ARCH:=${linuxArch(v)}
${toolchain}${dockerCheck}
all:
	@echo Use the release target to build and pack every platform.

release: ${withPre ? 'pre ' : ''}build tar
${
  withPre
    ? `
# Fetches the tool that joined the per-arch images; it needs the network (and an old Go).
.PHONY: pre
pre:
	GO111MODULE=off go get github.com/estesp/manifest-tool
`
    : ''
}
.PHONY: build
build:
	@go version
	@rm -rf build && mkdir build
${platform('darwin', 'amd64')}${darwinArm ? platform('darwin', 'arm64') : ''}${platform('windows', 'amd64', '.exe')}	for arch in $(LINUX_ARCH); do \\
	    mkdir -p build/linux/$$arch && $(MAKE) coredns BINARY=build/linux/$$arch/$(NAME) SYSTEM="GOOS=linux GOARCH=$$arch" CHECKS="" BUILDOPTS="" ;\\
	done

.PHONY: tar
tar:
	@rm -rf release && mkdir release
${pack('darwin', 'amd64')}${darwinArm ? pack('darwin', 'arm64') : ''}${pack('windows', 'amd64', '.exe')}	for arch in $(LINUX_ARCH); do \\
	    tar -zcf release/$(NAME)_$(VERSION)_linux_$$arch.tgz -C build/linux/$$arch $(NAME) ;\\
	done

.PHONY: version
version:
	@echo $(VERSION)

.PHONY: clean
clean:
	rm -rf release build
`;
}

function dockerfile(t: TagSpec): string {
  const v = t.version;
  if (!atLeast(v, 'v1.1.4')) {
    return `# Image of a vc-coredns test fixture, shaped like CoreDNS ${v}'s (alpine era).
FROM alpine:latest
RUN apk --no-cache add ca-certificates
ADD coredns /coredns

EXPOSE 53 53/udp
ENTRYPOINT ["/coredns"]
`;
  }
  if (!atLeast(v, 'v1.11.0')) {
    return `# Image of a vc-coredns test fixture, shaped like CoreDNS ${v}'s (scratch era).
FROM debian:stable-slim
RUN apt-get update && apt-get -y install ca-certificates

FROM scratch
COPY --from=0 /etc/ssl/certs /etc/ssl/certs
COPY coredns /coredns

EXPOSE 53 53/udp
ENTRYPOINT ["/coredns"]
`;
  }
  return `# Image of a vc-coredns test fixture, shaped like CoreDNS ${v}'s (nonroot era).
FROM debian:stable-slim AS caps
RUN apt-get update && apt-get -y install ca-certificates libcap2-bin
COPY coredns /coredns
# Lets the nonroot user bind port 53.
RUN setcap cap_net_bind_service=+ep /coredns

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=caps /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/
COPY --from=caps /coredns /coredns
USER nonroot:nonroot
EXPOSE 53 53/udp
ENTRYPOINT ["/coredns"]
`;
}

function readme(t: TagSpec): string {
  const shape =
    t.service === null
      ? 'It has no `plugin/kubernetes/object/service.go`: the cluster IP is read in the kubernetes plugin itself.'
      : `\`plugin/kubernetes/object/service.go\` has the ${t.service} shape; \`coredns -resolve ANNOTATION IP[,IP2]\`
prints the cluster IPs the conversion returns for a Service carrying that annotation (\`-\`: none).`;
  const layout =
    t.service === null
      ? 'a GOPATH-era tree without go.mod, a Makefile with the `coredns` rule and a Makefile.release of the era'
      : `module \`github.com/coredns/coredns\`, \`k8s.io/api\` and \`k8s.io/apimachinery\` replaced by small
stubs under \`stubs/\`, a Makefile with the \`coredns\` rule and a Makefile.release of the era`;
  return `# CoreDNS ${t.version} look-alike: a vc-coredns test fixture

This repository is generated by vc-coredns's tests (\`npm run fixture -- DIR\`). It imitates the layout
of a CoreDNS release just enough for vc-coredns to list, clone, patch and build it offline:
${layout}. It is not CoreDNS.

${shape}
${t.broken ? '\nThis tag does not compile, on purpose: it is there for failure tests.\n' : ''}`;
}

function travisYml(t: TagSpec): string {
  return `# CI of a vc-coredns test fixture, shaped like CoreDNS ${t.version}'s Travis configuration.
language: go
sudo: false
go:
${t.travisGo.map((v) => `  - "${v}"\n`).join('')}
script:
  - make coredns
`;
}

/** A setup-go workflow as CoreDNS had from v1.7.0 (then a go-version literal per step). */
function testWorkflow(t: TagSpec): string {
  return `name: Go Tests
on: [push, pull_request]
jobs:
  test:
    name: Test
    runs-on: ubuntu-latest
    steps:
      - name: Set up Go
        uses: actions/setup-go@v2
        with:
          go-version: ${t.workflowGo}
        id: go
      - name: Check out code
        uses: actions/checkout@v2
      - name: Test
        run: go test ./...
`;
}

const GITIGNORE = `# build output
/coredns
/coredns.exe
/build/
/release/
`;

const preModuleMain = `// Command coredns of the vc-coredns fixture's pre-module tag: it only reports its version.
package main

import (
	"flag"
	"fmt"

	"github.com/coredns/coredns/coremain"
)

func main() {
	version := flag.Bool("version", false, "print the version and exit")
	flag.Parse()
	if *version {
		fmt.Printf("%s-%s\\n%s\\n", coremain.CoreName, coremain.CoreVersion, coremain.GitCommit)
	}
}
`;

const preModuleKubernetes = `// Package kubernetes of the vc-coredns fixture's pre-v1.2.3 tag: there is no object
// package yet, the plugin reads the Service's cluster IP wherever it needs it.
package kubernetes

import (
	api "k8s.io/api/core/v1"
)

// serviceIP returns the address the Service's A record answers with.
func serviceIP(svc *api.Service) string {
	return svc.Spec.ClusterIP
}
`;

const preModuleReverse = `package kubernetes

import (
	api "k8s.io/api/core/v1"
)

// reverseName returns the name a PTR query for ip answers with, or "" when ip is not the Service's.
func reverseName(svc *api.Service, ip string) string {
	if svc.Spec.ClusterIP != ip {
		return ""
	}
	return svc.Name + "." + svc.Namespace + ".svc"
}
`;

// A type error outside service.go: the patch applies cleanly, the build fails.
const brokenRun = `package coremain

// Run would start the server. This tag of the fixture fails to compile on purpose.
func Run() int {
	return "not a number"
}
`;

async function tagFiles(t: TagSpec, goVersion: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {
    '.gitignore': GITIGNORE,
    'README.md': readme(t),
    Dockerfile: dockerfile(t),
    Makefile: makefile(t),
    'Makefile.release': makefileRelease(t),
  };
  if (t.service === null || t.signature === null || t.goLine === null) {
    files['coredns.go'] = preModuleMain;
    files['coremain/version.go'] = versionGo(t.version);
    files['plugin/kubernetes/kubernetes.go'] = preModuleKubernetes;
    files['plugin/kubernetes/reverse.go'] = preModuleReverse;
    return files;
  }
  const serviceGo = await readFile(join(PATCH_FIXTURES, t.service, 'input.go'), 'utf8');
  Object.assign(
    files,
    harnessFiles({ serviceGo, signature: t.signature, goLine: t.goLine, version: t.version }),
  );
  if (t.goVersionFile) files['.go-version'] = `${goVersion}\n`;
  if (t.travisGo.length > 0) files['.travis.yml'] = travisYml(t);
  if (t.workflowGo !== null) files['.github/workflows/go.test.yml'] = testWorkflow(t);
  if (t.broken) files['coremain/run.go'] = brokenRun;
  return files;
}

// ---- git ----

function gitEnv(date: string): Record<string, string> {
  const env: Record<string, string> = {};
  // Nothing from the caller's git setup (GIT_DIR, GIT_INDEX_FILE, identities, ...) may leak in.
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith('GIT_')) env[k] = v;
  }
  const when = `@${Math.floor(Date.parse(date) / 1000)} +0000`;
  return {
    ...env,
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: AUTHOR.name,
    GIT_AUTHOR_EMAIL: AUTHOR.email,
    GIT_AUTHOR_DATE: when,
    GIT_COMMITTER_NAME: AUTHOR.name,
    GIT_COMMITTER_EMAIL: AUTHOR.email,
    GIT_COMMITTER_DATE: when,
    LC_ALL: 'C',
  };
}

const GIT_CONFIG = [
  '-c',
  'init.defaultBranch=master',
  '-c',
  'commit.gpgsign=false',
  '-c',
  'tag.gpgsign=false',
  '-c',
  'core.autocrlf=false',
  '-c',
  'core.fileMode=true',
  '-c',
  'core.hooksPath=/dev/null',
];

async function git(
  dir: string,
  args: string[],
  date: string,
  extraEnv: Record<string, string> = {},
): Promise<string> {
  const { stdout } = await execa('git', [...GIT_CONFIG, ...args], {
    cwd: dir,
    env: { ...gitEnv(date), ...extraEnv },
    extendEnv: false,
  });
  return stdout.trim();
}

async function assertEmptyDir(dir: string): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  if (entries.length > 0) throw new Error(`${dir} exists and is not empty`);
}

/**
 * Creates the fixture repository at dir (which must not exist or be empty): one commit per tag on
 * `master` in version order (the broken v1.9.4, when asked for, on a side branch off v1.9.3), the
 * worktree checked out at the last tag.
 */
export async function createFixtureRepo(dir: string, opts: FixtureOptions = {}): Promise<FixtureRepo> {
  const root = resolvePath(dir);
  await assertEmptyDir(root);
  await mkdir(root, { recursive: true });
  const specs = tagSpecs(opts);
  const goVersion = specs.some((t) => t.goVersionFile) ? await installedGoVersion() : '';

  const firstDate = specs[0]?.date ?? '2018-01-01T00:00:00Z';
  await git(root, ['init', '-q'], firstDate);

  // Each tree is staged from a scratch dir with its own index, so root's worktree is only ever
  // written by the final checkout.
  const scratch = await mkdtemp(join(tmpdir(), 'vc-coredns-fixture-'));
  const tags: FixtureTag[] = [];
  try {
    let mainline: string | null = null;
    const byVersion = new Map<string, string>();
    for (const t of specs) {
      const stage = join(scratch, t.version);
      const index = join(scratch, `${t.version}.index`);
      await writeFiles(stage, await tagFiles(t, goVersion));
      const env = { GIT_INDEX_FILE: index };
      await git(root, ['--work-tree', stage, 'add', '-A', '.'], t.date, env);
      const tree = await git(root, ['write-tree'], t.date, env);
      // The optional tags branch off v1.9.3, so mainline hashes do not depend on them.
      const side = t.broken || t.oldGo;
      const parent: string | null = side ? (byVersion.get('v1.9.3') ?? mainline) : mainline;
      const message = `fixture: CoreDNS ${t.version} look-alike\n\nGenerated by vc-coredns's tests.`;
      const commit = await git(
        root,
        ['commit-tree', tree, ...(parent ? ['-p', parent] : []), '-m', message],
        t.date,
      );
      if (t.annotated) {
        await git(root, ['tag', '-a', '-m', `CoreDNS ${t.version} look-alike`, t.version, commit], t.date);
      } else {
        await git(root, ['tag', t.version, commit], t.date);
      }
      if (!side) mainline = commit;
      byVersion.set(t.version, commit);
    }
    if (mainline === null) throw new Error('no tags to create');
    const last = specs[specs.length - 1]?.date ?? firstDate;
    await git(root, ['update-ref', 'refs/heads/master', mainline], last);
    await git(root, ['reset', '-q', '--hard', 'master'], last);
    for (const t of specs) {
      tags.push({
        version: t.version,
        commit: await git(root, ['rev-parse', `${t.version}^{commit}`], last),
      });
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  return { dir: root, url: pathToFileURL(root).href, tags };
}
