// Golden files: every command's --json output (stdout) and exit code on the fixture repository, errors
// included, compared with test/fixtures/golden/<case>.json. They pin the CLI's contract across
// refactors. Masked, so that the files hold on any machine: the temp folder (`<work>`), the test
// registry's address (`<registry>`), fixture commits (`<commit v1.9.3>`), and sha256 values
// (`<hex-1>`, numbered in order of appearance within a case: equal values stay equal), because image
// digests follow the bytes of the Go that builds; the patch release of each installed Debian Go
// (`1.23.5` -> `<go 1.23>`, the path stays), which Debian may update. A failed build's hint (a build log
// tail, which follows the Go compiler's wording) is cut to its first line. A build entry's `seconds`
// (wall time) is checked to be a number and left out.
//
// VC_GOLDEN_UPDATE=1 rewrites the files instead of comparing: review the diff before committing it.
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEnv, type CliResult, vc } from '../support/cli.js';
import { createFixtureRepo, type FixtureRepo } from '../support/fixture.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';

const GOLDEN_DIR = fileURLToPath(new URL('../fixtures/golden/', import.meta.url));
const PATCH_FIXTURES = fileURLToPath(new URL('../fixtures/patch/', import.meta.url));
const UPDATE = process.env.VC_GOLDEN_UPDATE === '1';

let work: string;
let repo: FixtureRepo;
let registry: TestRegistry;
let env: Record<string, string>;
/** `1.23.5` -> `<go 1.23>` for each Go setup.sh installs */
const goVersions: [string, string][] = [];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vc-golden-'));
  [repo, registry] = await Promise.all([
    createFixtureRepo(join(work, 'repo'), { broken: true }),
    startRegistry({ auth: 'none' }),
  ]);
  env = buildEnv(work);
  for (const minor of ['1.19', '1.21', '1.22', '1.23']) {
    const text = await readFile(`/usr/lib/go-${minor}/VERSION`, 'utf8').catch(() => '');
    const version = text.split('\n')[0]?.trim().replace(/^go/, '');
    if (version) goVersions.push([version, `<go ${minor}>`]);
  }
  await mkdir(join(work, 'patch'), { recursive: true });
  for (const [name, from] of [
    ['dual-stack.go', 'dual-stack/input.go'],
    ['single-stack.go', 'single-stack-v1.7/input.go'],
    ['patched.go', 'dual-stack/expected.go'],
    ['unknown.go', 'must-not-match/unknown-signature.go'],
  ] as const) {
    await cp(join(PATCH_FIXTURES, from), join(work, 'patch', name));
  }
});
afterAll(async () => {
  await registry?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

/** Placeholders for what differs between machines and runs; see the header. */
function mask(text: string): string {
  let out = text.split(work).join('<work>').split(registry.host).join('<registry>');
  for (const [version, placeholder] of goVersions) {
    out = out.replace(new RegExp(`(?<![\\d.])${version.replaceAll('.', '\\.')}(?![\\d.])`, 'g'), placeholder);
  }
  for (const t of repo.tags) out = out.split(t.commit).join(`<commit ${t.version}>`);
  const numbered = new Map<string, string>();
  out = out.replace(/\b[0-9a-f]{64}\b/g, (hex) => {
    if (!numbered.has(hex)) numbered.set(hex, `<hex-${numbered.size + 1}>`);
    return numbered.get(hex) as string;
  });
  return out;
}

interface Golden {
  command: string;
  exitCode: number;
  /** the parsed JSON document, or the text when stdout is not JSON */
  stdout: unknown;
}

function cutHints(value: unknown): unknown {
  const failed = (value as { failed?: { version: string; error: string }[] } | null)?.failed;
  if (!Array.isArray(failed)) return value;
  return {
    ...(value as object),
    failed: failed.map((f) => ({ ...f, error: f.error.split('\n')[0] })),
  };
}

/**
 * A build's `seconds` (each entry's wall time) left out once checked to be a number of seconds: the
 * files hold on any machine.
 */
function dropSeconds(value: unknown): unknown {
  const doc = value as { builds?: unknown; failed?: unknown } | null;
  if (!doc || !Array.isArray(doc.builds) || !Array.isArray(doc.failed)) return value;
  const drop = (e: { seconds?: unknown }) => {
    if (typeof e.seconds !== 'number' || !(e.seconds >= 0)) return e;
    const { seconds: _, ...rest } = e;
    return rest;
  };
  return { ...doc, builds: doc.builds.map(drop), failed: doc.failed.map(drop) };
}

function golden(args: string[], r: CliResult): Golden {
  const text = mask(r.stdout);
  let stdout: unknown = text;
  try {
    stdout = dropSeconds(cutHints(JSON.parse(text)));
  } catch {
    // not JSON (manifest's YAML, matrix errors): kept as text
  }
  return { command: mask(['vc-coredns', ...args].join(' ')), exitCode: r.exitCode, stdout };
}

async function check(name: string, args: string[]): Promise<void> {
  const r = await vc(args, { env, cwd: work });
  const got = golden(args, r);
  const file = join(GOLDEN_DIR, `${name}.json`);
  if (UPDATE) {
    await mkdir(GOLDEN_DIR, { recursive: true });
    await writeFile(file, `${JSON.stringify(got, null, 2)}\n`);
    return;
  }
  const want = JSON.parse(await readFile(file, 'utf8')) as Golden;
  expect(got, r.stderr).toEqual(want);
}

// Cases run in order: later ones find what earlier ones wrote (a layout, a registry tag).
const w = (path: string) => join(work, path);
const reg = (path: string) => `${registry.host}/${path}`;
/** `build --repo <fixture> ARGS --json` */
const build = (...args: string[]) => ['build', '--repo', repo.url, ...args, '--json'];
const twoVersions = '>=1.7.0 <=1.9.3';

const CASES: [string, () => string[]][] = [
  ['versions', () => ['versions', '--repo', repo.url, '--json']],
  ['versions-range', () => ['versions', '--repo', repo.url, '--range', '>=1.7.0 <1.10', '--json']],
  ['versions-empty-range', () => ['versions', '--repo', repo.url, '--range', '>=2.0.0', '--json']],
  ['versions-unreachable', () => ['versions', '--repo', `file://${w('nothing-here')}`, '--json']],
  ['patch-check-unpatched', () => ['patch', w('patch/dual-stack.go'), '--check', '--json']],
  ['patch-diff', () => ['patch', w('patch/single-stack.go'), '--diff', '--json']],
  ['patch-dual-stack', () => ['patch', w('patch/dual-stack.go'), '--json']],
  ['patch-already-patched', () => ['patch', w('patch/patched.go'), '--json']],
  ['patch-other-key', () => ['patch', w('patch/patched.go'), '--annotation', 'example.com/other', '--json']],
  ['patch-unknown-shape', () => ['patch', w('patch/unknown.go'), '--json']],
  ['patch-missing-path', () => ['patch', w('patch/none.go'), '--json']],
  ['patch-bad-strategy', () => ['patch', w('patch/dual-stack.go'), '--strategy', 'x', '--json']],
  ['patch-bad-key', () => ['patch', w('patch/dual-stack.go'), '--annotation', 'a b', '--json']],
  [
    'prepare-dir',
    () => ['prepare', '--repo', repo.url, '--version', '1.9.3', '--dir', w('prepared'), '--json'],
  ],
  [
    'prepare-dir-taken',
    () => ['prepare', '--repo', repo.url, '--version', 'v1.9.3', '--dir', w('prepared'), '--json'],
  ],
  ['prepare-unsupported', () => ['prepare', '--repo', repo.url, '--version', 'v1.1.0', '--json']],
  ['prepare-unknown', () => ['prepare', '--repo', repo.url, '--version', 'v1.7.2', '--json']],
  ['prepare-bad-version', () => ['prepare', '--repo', repo.url, '--version', '1.9', '--json']],
  ['matrix-github', () => ['matrix', '--repo', repo.url, '--range', '>=1.6.0 <1.10']],
  [
    'matrix-kubernetes-json',
    () => ['matrix', '--repo', repo.url, '--kubernetes', '1.16,1.25', '--format', 'json'],
  ],
  ['matrix-bad-format', () => ['matrix', '--repo', repo.url, '--format', 'yaml']],
  ['manifest', () => ['manifest', '--image', '127.0.0.1:5000/coredns:v1.9.3', '--replicas', '1']],
  ['manifest-bad-ip', () => ['manifest', '--image', 'x/coredns:v1.9.3', '--cluster-ip', 'nope']],
  ['unknown-command', () => ['frobnicate', '--json']],
  ['build-no-version', () => build()],
  ['build-repo-and-source', () => build('--source', work, '--version', 'v1.9.3')],
  ['build-bad-jobs', () => build('--version', 'v1.9.3', '--jobs', '0')],
  ['build-bad-output', () => build('--version', 'v1.9.3', '--output', 'zip:x')],
  ['build-unsupported', () => build('--version', 'v1.1.0')],
  ['build-unknown-version', () => build('--version', 'v1.2.3')],
  ['build-missing-kubernetes-map', () => build('--kubernetes', '1.99', '--kubernetes-map', w('none.json'))],
  ['build-oci-not-a-layout', () => build('--version', 'v1.9.3', '--output', `oci:${w('patch')}`)],
  ['build-unknown-kubernetes', () => build('--kubernetes', '1.5')],
  ['build-unknown-platform', () => build('--version', 'v1.9.3', '--platforms', 'linux/sparc64')],
  ['build-bad-tag-suffix', () => build('--version', 'v1.9.3', '--tag-suffix', '!')],
  ['build-bad-also-tag', () => build('--version', 'v1.9.3', '--also-tag', '-x')],
  ['build-tagged-push-two-versions', () => build('--version', twoVersions, '--push', reg('coredns:fixed'))],
  [
    'build-archive-two-versions',
    () => build('--version', twoVersions, '--output', `docker-archive:${w('two.tar')}`),
  ],
  [
    'build-push-digest',
    () => build('--version', 'v1.9.3', '--push', reg(`coredns@sha256:${'a'.repeat(64)}`)),
  ],
  ['build-source-no-version', () => ['build', '--source', w('prepared'), '--json']],
  ['build-oci', () => build('--version', 'v1.9.3', '--output', `oci:${w('oci')}`)],
  ['build-oci-current', () => build('--version', 'v1.9.3', '--output', `oci:${w('oci')}`)],
  [
    'build-oci-two-versions',
    () =>
      build(
        '--version',
        twoVersions,
        '--platforms',
        'linux/amd64',
        '--output',
        `oci:${w('oci')}`,
        '--tag-suffix',
        '-vc1',
      ),
  ],
  ['verify-oci', () => ['verify', `oci:${w('oci')}:v1.9.3`, '--json']],
  ['verify-oci-single-platform', () => ['verify', `oci:${w('oci')}:v1.7.1-vc1`, '--json']],
  ['verify-oci-no-tag', () => ['verify', `oci:${w('oci')}:v9.9.9`, '--json']],
  ['verify-oci-no-tag-given', () => ['verify', `oci:${w('oci')}`, '--json']],
  [
    'build-binaries',
    () => build('--version', 'v1.9.3', '--platforms', 'linux/amd64', '--output', `binaries:${w('bin')}`),
  ],
  [
    'build-docker-archive',
    () =>
      build(
        '--version',
        'v1.9.3',
        '--platforms',
        'linux/amd64',
        '--output',
        `docker-archive:${w('coredns.tar')}`,
      ),
  ],
  [
    'build-source',
    () => [
      'build',
      '--source',
      w('prepared'),
      '--version',
      'v1.9.3',
      '--platforms',
      'linux/amd64',
      '--output',
      `oci:${w('oci-source')}`,
      '--json',
    ],
  ],
  [
    'build-broken',
    () => build('--version', 'v1.9.4', '--platforms', 'linux/amd64', '--output', `oci:${w('oci-broken')}`),
  ],
  ['build-push', () => build('--version', 'v1.9.3', '--push', reg('coredns'))],
  ['build-push-current', () => build('--version', 'v1.9.3', '--push', reg('coredns'))],
  ['build-push-tagged', () => build('--version', 'v1.9.3', '--push', reg('coredns:fixed'))],
  [
    'build-push-tagged-current',
    () => build('--version', 'v1.9.3', '--push', reg('coredns:fixed'), '--output', `oci:${w('oci')}`),
  ],
  ['verify-registry', () => ['verify', reg('coredns:v1.9.3'), '--json']],
  ['verify-registry-missing', () => ['verify', reg('coredns:v0.0.1'), '--json']],
  ['verify-bad-ref', () => ['verify', 'UPPER/case', '--json']],
];

describe('golden --json output and exit codes', () => {
  it.each(CASES)('%s', async (name, args) => {
    await check(name, args());
  });

  it('every golden file belongs to a case', async () => {
    const { readdir } = await import('node:fs/promises');
    const files = (await readdir(GOLDEN_DIR)).filter((f) => f.endsWith('.json')).sort();
    expect(files).toEqual(CASES.map(([name]) => `${name}.json`).sort());
  });
});
