// The fixture repository and the Go harness, with real git, make and go (offline).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixtureRepo, type FixtureRepo, fixtureVersions, installedGoVersion } from './fixture.js';
import {
  ANNOTATION_KEY,
  buildHarness,
  goEnv,
  resolve,
  type Signature,
  signatureForTag,
  writeGoHarness,
} from './go-harness.js';

const PATCH_FIXTURES = fileURLToPath(new URL('../fixtures/patch/', import.meta.url));
const SERVICE_GO = 'plugin/kubernetes/object/service.go';

/** The tags with a service.go, their fixture input and their conversion signature. */
const BUILDABLE: { version: string; input: string; signature: Signature }[] = [
  { version: 'v1.6.2', input: 'single-stack-v1.2', signature: 'v1.2' },
  { version: 'v1.6.8', input: 'single-stack-v1.6.5', signature: 'v1.6.5' },
  { version: 'v1.7.1', input: 'single-stack-v1.7', signature: 'v1.7' },
  { version: 'v1.9.3', input: 'dual-stack', signature: 'dual-stack' },
  { version: 'v1.12.0', input: 'dual-stack', signature: 'dual-stack' },
];

let base: string;
let repo: FixtureRepo;

async function git(args: string[], cwd?: string): Promise<string> {
  const { stdout } = await execa('git', args, cwd === undefined ? {} : { cwd });
  return stdout.trim();
}

async function clone(tag: string): Promise<string> {
  const dir = join(await mkdtemp(join(base, `checkout-${tag}-`)), 'coredns');
  await git(['clone', '-q', '--depth', '1', '--branch', tag, repo.url, dir]);
  return dir;
}

/** The tool's per-arch build: the Makefile's own `coredns` rule, offline, a fixed GITCOMMIT. */
function makeCoredns(dir: string, binary: string, extra: string[] = []) {
  return execa(
    'make',
    ['coredns', `BINARY=${binary}`, 'CHECKS=', 'BUILDOPTS=', 'GITCOMMIT=abcdef0', ...extra],
    { cwd: dir, env: goEnv(), all: true, reject: false },
  );
}

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'vc-coredns-fixture-test-'));
  repo = await createFixtureRepo(join(base, 'repo'), { broken: true });
});

afterAll(async () => {
  if (base) await rm(base, { recursive: true, force: true });
});

describe('createFixtureRepo', () => {
  it('has exactly the expected tags, each resolving to the returned commit', async () => {
    const expected = ['v1.1.0', 'v1.6.2', 'v1.6.8', 'v1.7.1', 'v1.9.3', 'v1.9.4', 'v1.12.0'];
    expect(fixtureVersions({ broken: true })).toEqual(expected);
    expect(fixtureVersions()).toEqual(expected.filter((v) => v !== 'v1.9.4'));
    // The optional Go 1.20 tag, in version order.
    expect(fixtureVersions({ oldGo: true })).toEqual([
      'v1.1.0',
      'v1.6.2',
      'v1.6.8',
      'v1.7.1',
      'v1.9.3',
      'v1.11.0',
      'v1.12.0',
    ]);
    expect(repo.tags.map((t) => t.version)).toEqual(expected);
    expect(repo.url).toBe(`file://${repo.dir}`);

    const lines = (await git(['ls-remote', '--tags', repo.url])).split('\n');
    const refs = new Map(lines.map((l) => l.split('\t').reverse() as [string, string]));
    const names = [...refs.keys()].filter((r) => !r.endsWith('^{}')).map((r) => r.replace('refs/tags/', ''));
    expect(names.sort()).toEqual([...expected].sort());
    for (const { version, commit } of repo.tags) {
      expect(commit).toMatch(/^[0-9a-f]{40}$/);
      // v1.7.1 is the one annotated tag: ls-remote shows the tag object and the peeled commit.
      const peeled = refs.get(`refs/tags/${version}^{}`);
      if (version === 'v1.7.1') {
        expect(peeled).toBe(commit);
        expect(refs.get(`refs/tags/${version}`)).not.toBe(commit);
        expect(await git(['cat-file', '-t', version], repo.dir)).toBe('tag');
      } else {
        expect(peeled).toBeUndefined();
        expect(refs.get(`refs/tags/${version}`)).toBe(commit);
      }
    }
  });

  it('keeps master on the mainline tags and the broken tag on a side branch', async () => {
    const head = await git(['rev-parse', 'HEAD'], repo.dir);
    expect(await git(['symbolic-ref', 'HEAD'], repo.dir)).toBe('refs/heads/master');
    expect(head).toBe(repo.tags.find((t) => t.version === 'v1.12.0')?.commit);
    const mainline = (await git(['rev-list', '--reverse', 'master'], repo.dir)).split('\n');
    expect(mainline).toEqual(repo.tags.filter((t) => t.version !== 'v1.9.4').map((t) => t.commit));
    expect(await git(['rev-parse', 'v1.9.4^'], repo.dir)).toBe(
      repo.tags.find((t) => t.version === 'v1.9.3')?.commit,
    );
    expect(await git(['status', '--porcelain'], repo.dir)).toBe('');
  });

  it('gives the same commit hashes when generated again elsewhere', async () => {
    const again = await createFixtureRepo(join(base, 'elsewhere', 'repo2'));
    const mainline = repo.tags.filter((t) => t.version !== 'v1.9.4');
    expect(again.tags).toEqual(mainline);
  });

  it('refuses a directory that is not empty', async () => {
    await expect(createFixtureRepo(repo.dir)).rejects.toThrow(/not empty/);
  });

  it('has no service.go at v1.1.0 and the fixture inputs from v1.6.2 on', async () => {
    const v110 = await git(['ls-tree', '-r', '--name-only', 'v1.1.0'], repo.dir);
    expect(v110.split('\n')).not.toContain(SERVICE_GO);
    expect(v110.split('\n')).not.toContain('go.mod');
    for (const { version, input } of BUILDABLE) {
      const text = await git(['show', `${version}:${SERVICE_GO}`], repo.dir);
      const want = await readFile(join(PATCH_FIXTURES, input, 'input.go'), 'utf8');
      expect(`${text}\n`).toBe(want);
    }
  });

  it('writes the go line, .go-version and the Makefiles of each era', async () => {
    const show = (spec: string) => git(['show', spec], repo.dir);
    const goLines: Record<string, string> = {
      'v1.6.2': 'go 1.12',
      'v1.6.8': 'go 1.13',
      'v1.7.1': 'go 1.13',
      'v1.9.3': 'go 1.17',
      'v1.12.0': 'go 1.22.7',
    };
    for (const [version, line] of Object.entries(goLines)) {
      const mod = await show(`${version}:go.mod`);
      expect(mod).toContain('module github.com/coredns/coredns');
      expect(mod.split('\n')).toContain(line);
      expect(mod).toContain('k8s.io/api => ./stubs/api');
      expect(mod).toContain('k8s.io/apimachinery => ./stubs/apimachinery');
      expect(await show(`${version}:coremain/version.go`)).toContain(`CoreVersion = "${version.slice(1)}"`);
    }
    expect(await show('v1.12.0:.go-version')).toBe(await installedGoVersion());
    await expect(show('v1.9.3:.go-version')).rejects.toThrow();

    const release = (v: string) => show(`${v}:Makefile.release`);
    for (const v of ['v1.6.2', 'v1.6.8', 'v1.7.1']) {
      const text = await release(v);
      expect(text).toContain('LINUX_ARCH:=amd64 arm arm64 ppc64le s390x\n');
      expect(text).toMatch(/^release: pre build tar$/m);
      expect(text).toContain('go get');
    }
    for (const v of ['v1.9.3', 'v1.12.0']) {
      const text = await release(v);
      expect(text).toMatch(/^release: build tar$/m);
      expect(text).not.toContain('go get');
    }
    expect(await release('v1.9.3')).toContain('LINUX_ARCH:=amd64 arm arm64 mips64le ppc64le s390x mips\n');
    expect(await release('v1.12.0')).toContain(
      'LINUX_ARCH:=amd64 arm arm64 mips64le ppc64le s390x mips riscv64\n',
    );
    for (const v of BUILDABLE.map((b) => b.version)) {
      const text = await release(v);
      expect(text).toMatch(/which curl/);
      expect(text).toMatch(/GOOS=darwin GOARCH=amd64/);
      expect(text).toMatch(/GOOS=windows GOARCH=amd64/);
      const makefile = await show(`${v}:Makefile`);
      expect(makefile).toContain('GITCOMMIT');
      expect(makefile).toContain('coremain.GitCommit=$(GITCOMMIT)" -o $(BINARY)');
      const toolchain = v === 'v1.12.0';
      expect(makefile.includes('export GOTOOLCHAIN = go$(GOLANG_VERSION)')).toBe(toolchain);
      expect(text.includes('export GOTOOLCHAIN = go$(GOLANG_VERSION)')).toBe(toolchain);
    }
  });
});

describe('building the tags with their own Makefile', () => {
  for (const { version, signature } of BUILDABLE) {
    it(`${version} (${signature}) builds offline and, unpatched, ignores the annotation`, async () => {
      const dir = await clone(version);
      const gofmt = await execa('gofmt', ['-l', '.'], { cwd: dir });
      expect(gofmt.stdout).toBe('');

      const binary = join(base, `coredns-${version}`);
      const made = await makeCoredns(dir, binary);
      expect(made.exitCode, made.all).toBe(0);
      // go did not rewrite go.mod or add a go.sum: the checkout stays clean.
      expect(await git(['status', '--porcelain'], dir)).toBe('');

      const { stdout } = await execa(binary, ['-version']);
      expect(stdout).toContain(`CoreDNS-${version.slice(1)}`);
      expect(stdout).toContain('abcdef0');

      expect(await resolve(binary, '10.0.0.9', ['10.96.0.10'])).toEqual(['10.96.0.10']);
      if (signature === 'dual-stack') {
        expect(await resolve(binary, null, ['10.96.0.10', 'fd00::10'])).toEqual(['10.96.0.10', 'fd00::10']);
        expect(await resolve(binary, '10.0.0.9', ['10.96.0.10', 'fd00::10'])).toEqual([
          '10.96.0.10',
          'fd00::10',
        ]);
      }

      const usage = await execa(binary, [], { reject: false });
      expect(usage.exitCode).toBe(2);
      expect(usage.stderr).toMatch(/usage: coredns/);
    });
  }

  it('v1.9.4 (broken) fails to compile outside service.go', async () => {
    const dir = await clone('v1.9.4');
    const made = await makeCoredns(dir, join(base, 'coredns-v1.9.4'));
    expect(made.exitCode).not.toBe(0);
    expect(made.all).toMatch(/coremain/);
  });

  it('v1.1.0 is gofmt-clean and has no module to build', async () => {
    const dir = await clone('v1.1.0');
    expect((await execa('gofmt', ['-l', '.'], { cwd: dir })).stdout).toBe('');
    const made = await makeCoredns(dir, join(base, 'coredns-v1.1.0'));
    expect(made.exitCode).not.toBe(0);
  });

  it('v1.9.3 Makefile.release build makes darwin, windows and the linux arches asked for', async () => {
    const dir = await clone('v1.9.3');
    const made = await execa('make', ['-f', 'Makefile.release', 'build', 'LINUX_ARCH=arm64'], {
      cwd: dir,
      env: goEnv(),
      all: true,
      reject: false,
    });
    expect(made.exitCode, made.all).toBe(0);
    const files = (await execa('find', ['build', '-type', 'f'], { cwd: dir })).stdout.split('\n').sort();
    expect(files).toEqual([
      'build/darwin/amd64/coredns',
      'build/linux/arm64/coredns',
      'build/windows/amd64/coredns.exe',
    ]);
  });

  it('v1.7.1 Makefile.release wants DOCKER at parse time and its pre step fails offline', async () => {
    const dir = await clone('v1.7.1');
    const noDocker = await execa('make', ['-f', 'Makefile.release', 'build'], {
      cwd: dir,
      env: goEnv(),
      all: true,
      reject: false,
    });
    expect(noDocker.exitCode).not.toBe(0);
    expect(noDocker.all).toMatch(/DOCKER/);
    const pre = await execa('make', ['-f', 'Makefile.release', 'DOCKER=example', 'pre'], {
      cwd: dir,
      env: goEnv(),
      all: true,
      reject: false,
    });
    expect(pre.exitCode).not.toBe(0);
  });
});

describe('go harness', () => {
  it('maps tags to signatures', () => {
    expect(signatureForTag('v1.2.2')).toBeNull();
    expect(signatureForTag('v0.9.9')).toBeNull();
    expect(signatureForTag('v1.2.3')).toBe('v1.2');
    expect(signatureForTag('1.6.4')).toBe('v1.2');
    expect(signatureForTag('v1.6.5')).toBe('v1.6.5');
    expect(signatureForTag('v1.6.9')).toBe('v1.6.5');
    expect(signatureForTag('v1.7.0')).toBe('v1.7');
    expect(signatureForTag('v1.8.0')).toBe('v1.7');
    expect(signatureForTag('v1.8.1')).toBe('dual-stack');
    expect(signatureForTag('v1.14.7')).toBe('dual-stack');
    expect(() => signatureForTag('latest')).toThrow();
  });

  // Hand-made patches in the shape of DESIGN.md "The patch" (not the tool's patcher): the binary
  // must show the annotation winning, so tests of the real patch can rely on it.
  const superClusterIP = `
// superClusterIP returns the annotation's IP, or the Service's own cluster IP.
func superClusterIP(svc *api.Service) string {
	if ip := svc.Annotations["${ANNOTATION_KEY}"]; ip != "" {
		return ip
	}
	return svc.Spec.ClusterIP
}
`;
  const dualStackBlock = `

	if ip := svc.Annotations["${ANNOTATION_KEY}"]; ip != "" {
		s.ClusterIPs = []string{ip}
	}`;

  it.each([
    ['single-stack-v1.7', 'v1.7'],
    ['dual-stack', 'dual-stack'],
  ] as const)('runs a patched %s service.go and shows the annotation win', async (input, signature) => {
    let serviceGo = await readFile(join(PATCH_FIXTURES, input, 'input.go'), 'utf8');
    if (signature === 'dual-stack') {
      const anchor = '\t\ts.ClusterIPs = []string{svc.Spec.ClusterIP}\n\t}';
      expect(serviceGo).toContain(anchor);
      serviceGo = serviceGo.replace(anchor, anchor + dualStackBlock);
    } else {
      const anchor = 'ClusterIP:    svc.Spec.ClusterIP,';
      expect(serviceGo).toContain(anchor);
      serviceGo = serviceGo.replace(anchor, 'ClusterIP:    superClusterIP(svc),') + superClusterIP;
    }
    const dir = await mkdtemp(join(base, 'harness-'));
    await writeGoHarness(dir, { serviceGo, signature, goLine: '1.13', version: 'v1.99.0' });
    expect((await execa('gofmt', ['-l', '.'], { cwd: dir })).stdout).toBe('');
    const binary = join(dir, 'coredns');
    await buildHarness(dir, binary);

    const ips = signature === 'dual-stack' ? ['10.96.0.10', 'fd00::10'] : ['10.96.0.10'];
    expect(await resolve(binary, '10.0.0.9', ips)).toEqual(['10.0.0.9']);
    expect(await resolve(binary, null, ips)).toEqual(ips);
    expect(await resolve(binary, '', ips)).toEqual(ips);
    expect(await resolve(binary, 'None', ['None'])).toEqual(['None']);
    // The binary puts the annotation under another key: the patch reads only its own.
    expect(await resolve(binary, '10.0.0.9', ips, 'example.com/other')).toEqual(ips);
  });

  it('reports compile errors with the compiler output', async () => {
    const dir = await mkdtemp(join(base, 'harness-bad-'));
    await writeGoHarness(dir, {
      serviceGo: 'package object\n\nfunc ToService(obj interface{}) interface{} { return undefined }\n',
      signature: 'v1.2',
      goLine: '1.12',
      version: 'v1.2.3',
    });
    await expect(buildHarness(dir, join(dir, 'coredns'))).rejects.toThrow(/undefined/);
  });
});
