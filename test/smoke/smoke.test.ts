// `vc-coredns smoke` end to end: the fixture's DNS mode (our CoreDNS stand-in, built with real Go)
// against the fake Kubernetes API, read from an OCI layout, a registry, a docker archive or a file; and
// binaries that crash, never answer, or are interrupted, with every process checked gone by pid.
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execaRunner } from '../../src/compile/runner.js';
import { assembleImage, buildKey, imageLabels } from '../../src/image/index.js';
import { patchId } from '../../src/patch/templates.js';
import { loadBuiltinBase } from '../../src/pipeline/load.js';
import { dockerArchiveSink, ociLayoutSink } from '../../src/publish/index.js';
import type { SmokeDocument } from '../../src/smoke/document.js';
import { smokeBinary } from '../../src/smoke/run.js';
import type { Platform } from '../../src/types.js';
import { eraFor } from '../../src/versions/index.js';
import { buildEnv, type CliResult, json, vc } from '../support/cli.js';
import { createFixtureRepo, type FixtureRepo } from '../support/fixture.js';
import { ANNOTATION_KEY, buildHarness, writeGoHarness } from '../support/go-harness.js';
import { alive } from '../support/processes.js';
import { skopeo, startRegistry, type TestRegistry } from '../support/registry.js';

const PATCH_FIXTURES = fileURLToPath(new URL('../fixtures/patch/', import.meta.url));
const AMD64: Platform = { os: 'linux', arch: 'amd64' };

type SmokeJson = SmokeDocument;

let work: string;
let repo: FixtureRepo;
let registry: TestRegistry;
let env: Record<string, string>;
/** the fixture's DNS mode, built from test/fixtures/patch: patched and not, dual- and single-stack */
const bin = { patched: '', unpatched: '', singleStack: '' };

async function harness(name: string, input: string, signature: 'dual-stack' | 'v1.6.5', version: string) {
  const dir = join(work, name);
  const serviceGo = await readFile(join(PATCH_FIXTURES, input), 'utf8');
  await writeGoHarness(dir, { serviceGo, signature, goLine: '1.13', version });
  await buildHarness(dir, join(dir, 'coredns'));
  return join(dir, 'coredns');
}

/** A shell script that stands in for a CoreDNS binary that misbehaves after its probes. */
async function script(name: string, server: string): Promise<string> {
  const path = join(work, name);
  await writeFile(
    path,
    `#!/bin/sh
case "$1" in
  -version) echo CoreDNS-1.9.3; echo "linux/amd64, go1.23.5, 0000000"; exit 0 ;;
  -plugins) printf 'Server types:\\n  dns\\n\\nOther plugins:\\n  dns.kubernetes\\n'; exit 0 ;;
esac
${server}
`,
  );
  await chmod(path, 0o755);
  return path;
}

/** An image of one binary, labelled for `key`, as `build` would assemble it. */
async function image(binaryPath: string, version: string, key = ANNOTATION_KEY) {
  const base = await loadBuiltinBase([AMD64]);
  const commit = '1'.repeat(40);
  return assembleImage({
    binaries: [{ platform: AMD64, bytes: new Uint8Array(await readFile(binaryPath)) }],
    base,
    era: eraFor(version),
    labels: imageLabels({
      release: { version, commit },
      annotationKey: key,
      repoUrl: 'https://github.com/coredns/coredns',
      goVersion: 'go1.23.5',
      patch: patchId(key),
      buildKey: buildKey({
        commit,
        patch: patchId(key),
        platforms: [AMD64],
        baseDigest: base.digest,
        goVersion: 'go1.23.5',
      }),
      sourceDateEpoch: 1653663600,
    }),
    sourceDateEpoch: 1653663600,
  });
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.on('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

const smoke = (args: string[], extra: Record<string, string> = {}): Promise<CliResult> =>
  vc(['smoke', ...args], { env: { ...env, ...extra } });

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vc-smoke-'));
  // Under root the binary runs as nobody, who must pass through the work dir of the in-process runs.
  await chmod(work, 0o755);
  [repo, registry] = await Promise.all([
    createFixtureRepo(join(work, 'repo')),
    startRegistry({ auth: 'none' }),
  ]);
  bin.patched = await harness('patched', 'dual-stack/expected.go', 'dual-stack', 'v1.9.3');
  bin.unpatched = await harness('unpatched', 'dual-stack/input.go', 'dual-stack', 'v1.9.3');
  bin.singleStack = await harness('single', 'single-stack-v1.6.5/expected.go', 'v1.6.5', 'v1.6.8');
  env = buildEnv(work);
});

afterAll(async () => {
  await registry?.stop();
  await rm(work, { recursive: true, force: true });
});

describe('smoke of images', () => {
  it('a fixture image built by vc-coredns passes, from an OCI layout and from a registry', async () => {
    const layout = join(work, 'oci');
    const build = await vc(
      [
        'build',
        '--repo',
        repo.url,
        '--version',
        'v1.9.3',
        '--platforms',
        'linux/amd64',
        '--output',
        `oci:${layout}`,
      ],
      { env },
    );
    expect(build.exitCode, build.stderr).toBe(0);

    const r = await smoke([`oci:${layout}:v1.9.3`, '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = json<SmokeJson>(r);
    expect(doc).toMatchObject({
      ref: `oci:${layout}:v1.9.3`,
      platform: 'linux/amd64',
      annotation: ANNOTATION_KEY,
      ok: true,
      verdict: 'ok',
      error: null,
    });
    expect(doc.coredns).toMatch(/^CoreDNS-1\.9\.3, linux\/amd64, go1\.\d+/);
    expect(doc.cases.map((c) => [c.name, c.type, c.transport, c.got, c.ok])).toEqual([
      ['a annotation', 'A', 'udp', '10.96.0.99', true],
      ['b dual-stack', 'A', 'udp', '10.96.0.98', true],
      ['b dual-stack', 'AAAA', 'udp', 'NOERROR, no answer', true],
      ['c no annotation', 'A', 'udp', '10.0.0.7', true],
      ['c no annotation', 'AAAA', 'udp', 'fd00::7', true],
      ['d empty annotation', 'A', 'udp', '10.0.0.8', true],
      ['d empty annotation', 'AAAA', 'udp', 'fd00::8', true],
      ['e headless', 'A', 'udp', '10.1.0.1 10.1.0.2', true],
      ['f other key', 'A', 'udp', '10.0.0.10', true],
      ['g reverse', 'PTR', 'udp', 'single.vc-smoke.svc.cluster.local', true],
      ['h unknown name', 'A', 'udp', 'NXDOMAIN', true],
      ['a over tcp', 'A', 'tcp', '10.96.0.99', true],
    ]);

    // verify --smoke: the static checks, then the same smoke run inside its document
    const verify = await vc(['verify', `oci:${layout}:v1.9.3`, '--smoke', '--json'], { env });
    expect(verify.exitCode, verify.stderr).toBe(0);
    const verified = json<{ ok: boolean; problems: string[]; smoke: SmokeJson }>(verify);
    expect(verified).toMatchObject({
      ok: true,
      problems: [],
      smoke: { verdict: 'ok', platform: 'linux/amd64' },
    });
    expect(verified.smoke.cases).toHaveLength(12);

    const copy = await skopeo([
      'copy',
      '--all',
      `oci:${layout}:v1.9.3`,
      `docker://${registry.host}/coredns:v1.9.3`,
    ]);
    expect(copy.exitCode, copy.stderr).toBe(0);
    const table = await smoke([`${registry.host}/coredns:v1.9.3`]);
    expect(table.exitCode, table.stderr).toBe(0);
    const lines = table.stdout.split('\n');
    expect(lines[0]).toBe(`${registry.host}/coredns:v1.9.3 (linux/amd64, annotation ${ANNOTATION_KEY})`);
    expect(lines[2]).toMatch(/^CASE +QUESTION +WANT +GOT +OK$/);
    expect(lines[3]).toMatch(
      /^a annotation +A single\.vc-smoke\.svc\.cluster\.local +10\.96\.0\.99 +10\.96\.0\.99 +yes$/,
    );
    expect(lines).toContainEqual(expect.stringMatching(/^ok \(12\/12 cases, [\d.]+ s\)$/));
  });

  it('an image of an unpatched CoreDNS is not-patched (exit 1), told apart from a broken one', async () => {
    const layout = join(work, 'oci-unpatched');
    await ociLayoutSink(layout).write(await image(bin.unpatched, 'v1.9.3'), 'unpatched');
    const r = await smoke([`oci:${layout}:unpatched`, '--json']);
    expect(r.exitCode).toBe(1);
    const doc = json<SmokeJson>(r);
    expect(doc.verdict).toBe('not-patched');
    expect(doc.ok).toBe(false);
    expect(doc.cases.filter((c) => !c.ok).map((c) => [c.name, c.type, c.want, c.got])).toEqual([
      ['a annotation', 'A', '10.96.0.99', '10.0.0.5'],
      ['b dual-stack', 'A', '10.96.0.98', '10.0.0.6'],
      ['b dual-stack', 'AAAA', 'NOERROR, no answer', 'fd00::6'],
      ['g reverse', 'PTR', 'single.vc-smoke.svc.cluster.local', 'NXDOMAIN'],
      ['a over tcp', 'A', '10.96.0.99', '10.0.0.5'],
    ]);
    expect(r.stderr).toContain(
      `error: oci:${layout}:unpatched answers with the Services' own cluster IPs: it is not patched\n`,
    );
    // verify --smoke: the static checks pass (this binary carries the key as a flag default), smoke does not
    const verify = await vc(['verify', `oci:${layout}:unpatched`, '--smoke'], { env });
    expect(verify.exitCode).toBe(1);
    expect(verify.stderr.match(/^problem: .*$/gm)).toEqual([
      `problem: smoke: oci:${layout}:unpatched answers with the Services' own cluster IPs: it is not patched`,
    ]);
    expect(verify.stdout).toMatch(/^not-patched \(7\/12 cases, [\d.]+ s\)$/m);
  });

  it('a docker archive of a single-stack era (v1.6.8) passes, with b and c single-stack', async () => {
    const file = join(work, 'single.tar');
    await dockerArchiveSink(file, AMD64).write(await image(bin.singleStack, 'v1.6.8'), 'v1.6.8');
    const r = await smoke([`docker-archive:${file}`, '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = json<SmokeJson>(r);
    expect(doc.verdict).toBe('ok');
    expect(doc.coredns).toMatch(/^CoreDNS-1\.6\.8,/);
    expect(doc.cases.filter((c) => c.type === 'AAAA').map((c) => c.got)).toEqual(
      Array(3).fill('NOERROR, no answer'),
    );
  });

  it('takes the key from the image label; --annotation must agree with it (exit 2 before anything runs)', async () => {
    const layout = join(work, 'oci-other-key');
    await ociLayoutSink(layout).write(await image(bin.patched, 'v1.9.3', 'example.com/super-ip'), 'other');
    const r = await smoke([`oci:${layout}:other`, '--annotation', ANNOTATION_KEY]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe(
      `error: --annotation ${ANNOTATION_KEY} differs from the key the image was patched for (example.com/super-ip)\n` +
        'hint: leave out --annotation: smoke reads the image label io.vc-coredns.annotation-key\n',
    );
    // the binary answers for the default key only: asked about the key of its label, it is not patched
    const label = await smoke([`oci:${layout}:other`, '--json']);
    expect(label.exitCode).toBe(1);
    expect(json<SmokeJson>(label)).toMatchObject({
      annotation: 'example.com/super-ip',
      verdict: 'not-patched',
    });
  });
});

describe('smoke of binaries', () => {
  it('binary:PATH with --annotation checks that key; --keep keeps the Corefile, its log and the API requests', async () => {
    const ok = await smoke([`binary:${bin.patched}`, '--keep']);
    expect(ok.exitCode, ok.stderr).toBe(0);
    const kept = /kept (\S+) \(Corefile, coredns\.log, api-requests\.log\)/.exec(ok.stderr)?.[1] as string;
    expect((await readdir(kept)).sort()).toEqual([
      'Corefile',
      'api-requests.log',
      'coredns',
      'coredns.log',
      'probe.log',
    ]);
    expect(await readFile(join(kept, 'Corefile'), 'utf8')).toMatch(
      /^\. \{\n {4}bind 127\.0\.0\.1\n {4}errors\n {4}log\n {4}kubernetes cluster\.local in-addr\.arpa ip6\.arpa \{\n {8}endpoint http:\/\/127\.0\.0\.1:\d+\n {4}\}\n\}\n$/,
    );
    const requests = await readFile(join(kept, 'api-requests.log'), 'utf8');
    expect(requests).toMatch(/^GET \/api\/v1\/services\?limit=500&resourceVersion=0 -> 200 /m);
    expect(requests).toMatch(
      /^GET \/apis\/discovery\.k8s\.io\/v1\/endpointslices\?.*watch=true.* -> 200 \(watch\)/m,
    );
    expect(await readFile(join(kept, 'coredns.log'), 'utf8')).toContain(
      '[INFO] tcp 1 single.vc-smoke.svc.cluster.local.',
    );
    await rm(kept, { recursive: true, force: true });

    const other = await smoke([`binary:${bin.patched}`, '--annotation', 'example.com/super-ip', '--json']);
    expect(other.exitCode).toBe(1);
    expect(json<SmokeJson>(other).verdict).toBe('not-patched');
  });

  it('a binary that exits at start is failed, quoting its log', async () => {
    const crash = join(work, 'crash');
    await writeFile(
      crash,
      '#!/bin/sh\necho "panic: encoding alphabet includes duplicate symbols" >&2\nexit 2\n',
    );
    await chmod(crash, 0o755);
    const r = await smoke([`binary:${crash}`, '--json']);
    expect(r.exitCode).toBe(1);
    const doc = json<SmokeJson>(r);
    expect(doc).toMatchObject({ verdict: 'failed', ok: false, coredns: null, cases: [] });
    expect(doc.error).toBe('coredns -version exited with code 2');
    expect(doc.log).toEqual(['panic: encoding alphabet includes duplicate symbols']);
    expect(r.stderr).toContain('error: binary:');
    expect(r.stderr).toContain('failed the smoke test: coredns -version exited with code 2');

    const late = await script(
      'exits-after-probes',
      'echo "plugin/kubernetes: cannot reach the API" >&2; exit 3',
    );
    const after = await smoke([`binary:${late}`]);
    expect(after.exitCode).toBe(1);
    expect(after.stdout).toMatch(/^failed \(0\/0 cases, [\d.]+ s\)$/m);
    expect(after.stderr).toContain('failed the smoke test: CoreDNS exited with code 3 before it answered');
    expect(after.stderr).toContain(
      'coredns log (last 1 lines):\n  plugin/kubernetes: cannot reach the API\n',
    );
  });

  it('a binary that never answers times out cleanly: no process, port or work dir left', async () => {
    const silent = await script('silent', 'exec sleep 600');
    const temp = await mkdtemp(join(work, 'tmp-'));
    await chmod(temp, 0o755);
    let apiPort = 0;
    const run = await smokeBinary({
      binary: silent,
      key: ANNOTATION_KEY,
      timeoutMs: 3000,
      tmpDir: temp,
      log: (l) => {
        apiPort = Number(/127\.0\.0\.1:(\d+)$/.exec(l)?.[1] ?? 0);
      },
    });
    expect(run.verdict).toBe('failed');
    expect(run.error).toBe('no result within 3 s (--timeout)');
    expect(run.pids).toHaveLength(3); // -version, -plugins, the server
    expect(run.pids.filter(alive)).toEqual([]);
    expect(apiPort).toBeGreaterThan(0);
    expect(await portOpen(apiPort)).toBe(false);
    expect(await readdir(temp)).toEqual([]);

    const cli = await smoke([`binary:${silent}`, '--timeout', '2']);
    expect(cli.exitCode).toBe(1);
    expect(cli.stderr).toContain('failed the smoke test: no result within 2 s (--timeout)');
  });

  it('an abort (Ctrl-C) stops the binary and the API and removes the work dir', async () => {
    const silent = await script('silent-abort', 'exec sleep 600');
    const temp = await mkdtemp(join(work, 'tmp-'));
    await chmod(temp, 0o755);
    const controller = new AbortController();
    const pids: number[] = [];
    let apiPort = 0;
    const run = smokeBinary({
      binary: silent,
      key: ANNOTATION_KEY,
      timeoutMs: 60_000,
      tmpDir: temp,
      signal: controller.signal,
      // the real runner; the server's start triggers the abort
      runner: (file, args, opts) =>
        execaRunner(file, args, {
          ...opts,
          onSpawn: (pid) => {
            pids.push(pid);
            opts.onSpawn?.(pid);
            if (args[0] === '-conf') setTimeout(() => controller.abort(), 300);
          },
        }),
      log: (l) => {
        apiPort = Number(/127\.0\.0\.1:(\d+)$/.exec(l)?.[1] ?? 0);
      },
    });
    await expect(run).rejects.toThrow();
    expect(pids).toHaveLength(3);
    expect(pids.filter(alive)).toEqual([]);
    expect(await portOpen(apiPort)).toBe(false);
    expect(await readdir(temp)).toEqual([]);
  });

  it.runIf(process.getuid?.() === 0)('as root, says so when nobody cannot reach the work dir', async () => {
    const closed = await mkdtemp(join(work, 'closed-'));
    const r = await smoke([`binary:${bin.patched}`], { TMPDIR: closed });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`${closed} is closed to others\n`);
    expect(r.stderr).toContain(
      `hint: point TMPDIR at a folder every user can pass through (chmod o+x ${closed})`,
    );
    expect(await readdir(closed)).toEqual([]);
  });

  it('bad input exits 2 before anything runs', async () => {
    const cases: [string[], string][] = [
      [['binary:/nonexistent/coredns'], 'error: /nonexistent/coredns is not a file\n'],
      [[`binary:${bin.patched}`, '--timeout', '0'], 'error: --timeout must be a whole number of 1 or more\n'],
      [[`binary:${bin.patched}`, '--annotation', 'Bad Key'], 'error: invalid annotation key "Bad Key"'],
      [
        [`binary:${bin.patched}`, '--platform', 'linux/s390x'],
        'error: this host cannot run linux/s390x binaries natively\n',
      ],
      [[`oci:${work}/nothing`], 'error: oci:'],
    ];
    for (const [args, message] of cases) {
      const r = await smoke(args);
      expect(r.exitCode, args.join(' ')).toBe(2);
      expect(r.stderr.startsWith(message), r.stderr).toBe(true);
      expect(r.stdout).toBe('');
    }
  });
});
