// `build` in CI, as users run it (the compiled CLI): under GITHUB_ACTIONS=true a group per version and
// an ::error per failure on stderr while stdout keeps its one --json document; the run's table in the
// step summary and in --summary FILE; --verbose (make and go commands, registry requests, no secrets);
// --progress json. The fixture repository with its broken tag, Debian's registry with a password.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderSummary } from '../../src/cli/summary-table.js';
import { packageVersion } from '../../src/cli/version.js';
import type { BuildSummary } from '../../src/pipeline/build.js';
import { buildEnv, json, vc } from '../support/cli.js';
import { createFixtureRepo, type FixtureRepo } from '../support/fixture.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';

let work: string;
let repo: FixtureRepo;
let registry: TestRegistry;
let env: Record<string, string>;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vc-ci-output-'));
  [repo, registry] = await Promise.all([
    createFixtureRepo(join(work, 'repo'), { broken: true }),
    startRegistry({ auth: 'htpasswd' }),
  ]);
  env = {
    ...buildEnv(work),
    GITHUB_ACTIONS: 'true',
    VC_COREDNS_REGISTRY_USERNAME: registry.username,
    VC_COREDNS_REGISTRY_PASSWORD: registry.password,
  };
});
afterAll(async () => {
  await registry?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

// v1.9.3 builds, v1.9.4 (same era) does not compile
const RANGE = '>=1.9.3 <1.10';
const image = () => `${registry.host}/vc/coredns`;
/** `build` of RANGE for linux/amd64, pushed to the test registry, then `extra` */
const buildRange = (...extra: string[]) => [
  'build',
  ...['--repo', repo.url, '--version', RANGE, '--platforms', 'linux/amd64', '--push', image()],
  ...extra,
];

describe('build under GitHub Actions', () => {
  it('groups each version, annotates the failure, writes the table to the step summary and --summary', async () => {
    const stepSummary = join(work, 'step_summary.md');
    const summaryFile = join(work, 'run.md');
    // --go local: the go on PATH, asked for its version (a go command --verbose shows)
    const r = await vc(buildRange('--summary', summaryFile, '--verbose', '--go', 'local', '--json'), {
      env: { ...env, GITHUB_STEP_SUMMARY: stepSummary },
    });
    expect(r.exitCode, r.stderr).toBe(1);
    const s = json<BuildSummary>(r);
    expect(s.builds.map((b) => [b.version, b.skipped])).toEqual([['v1.9.3', false]]);
    expect(s.failed.map((f) => f.version)).toEqual(['v1.9.4']);
    for (const e of [...s.builds, ...s.failed]) expect(e.seconds).toBeGreaterThan(0);

    const lines = r.stderr.split('\n');
    const at = (l: string) => lines.indexOf(l);
    expect(at('::group::CoreDNS v1.9.3')).toBeGreaterThan(-1);
    expect(at('::endgroup::')).toBeGreaterThan(at('::group::CoreDNS v1.9.3'));
    expect(at('::group::CoreDNS v1.9.4')).toBeGreaterThan(at('::endgroup::'));
    expect(lines.filter((l) => l === '::endgroup::')).toHaveLength(2);
    // the build lines of a version are inside its group
    const built = lines.findIndex((l) => l.includes('v1.9.3 linux/amd64: done'));
    expect(built).toBeGreaterThan(at('::group::CoreDNS v1.9.3'));
    expect(built).toBeLessThan(at('::endgroup::'));

    const errors = lines.filter((l) => l.startsWith('::error'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /^::error title=CoreDNS v1\.9\.4 failed to build::building CoreDNS v1\.9\.4 for linux\/amd64 failed \(make exited with code 2\)%0Alast lines of .*%0A.*command: cd /,
    );
    // with --json the failures are in the document, not in `error:` lines
    expect(lines.filter((l) => l.startsWith('error:'))).toEqual([]);

    // --verbose: the make command and the registry requests, never the password
    expect(r.stderr).toMatch(/\] run: cd \S+v1\.9\.3 && env .*CGO_ENABLED=0 .* make coredns /);
    expect(r.stderr).toMatch(/\] run: cd \S+ && env .*\/go env GOROOT GOVERSION\n/);
    expect(r.stderr).toContain(`registry: PUT http://${registry.host}/v2/vc/coredns/manifests/v1.9.3 -> 201`);
    expect(r.stderr).toMatch(/registry: GET http:\/\/\S+\/v2\/ -> 401/);
    expect(r.stderr).not.toContain(registry.password);

    // one table, the same in both places, rendered from the run's summary
    const table = renderSummary(s, `vc-coredns ${packageVersion()} build`);
    expect(await readFile(summaryFile, 'utf8')).toBe(table);
    expect(await readFile(stepSummary, 'utf8')).toBe(table);
    const digest = s.builds[0]?.digest as string;
    expect(table).toContain(`| v1.9.3  | v1.8.5 - v1.10.1 (dual-stack) | linux/amd64 |`);
    expect(table).toContain(`\`${digest}\``);
    expect(table).toMatch(/\| v1\.9\.4 .*\| \*\*failed\*\* /);
  });

  it('appends: a second run in the same step adds its table after the first', async () => {
    const stepSummary = join(work, 'step_summary-2.md');
    const args = ['build', '--repo', repo.url, '--version', 'v1.9.3', '--platforms', 'linux/amd64'];
    const stepEnv = { ...env, GITHUB_STEP_SUMMARY: stepSummary };
    const first = await vc([...args, '--push', image(), '--quiet'], { env: stepEnv });
    expect(first.exitCode, first.stderr).toBe(0);
    // quiet: no groups, no progress
    expect(first.stderr).not.toContain('::group::');
    const second = await vc([...args, '--push', image(), '--quiet'], { env: stepEnv });
    expect(second.exitCode, second.stderr).toBe(0);
    const text = await readFile(stepSummary, 'utf8');
    expect(text.match(/^### vc-coredns \d+\.\d+\.\d+\S* build$/gm)).toHaveLength(2);
    expect(text).toContain('0 built, 1 skipped, 0 failed');
  });

  it('refuses a --summary it could not write, before anything is cloned (exit 2)', async () => {
    await writeFile(join(work, 'a-file'), 'not a folder');
    const inside = join(work, 'a-file', 'run.md');
    const cache = join(work, 'cache-refused');
    const r = await vc(['build', '--repo', repo.url, '--version', 'v1.9.3', '--summary', inside], {
      env: { ...env, VC_COREDNS_CACHE: cache },
    });
    expect(r.exitCode).toBe(2);
    const message = `--summary ${inside}: ${join(work, 'a-file')} is inside something that is not a folder`;
    expect(r.stderr).toBe(`error: ${message}\n::error title=vc-coredns::${message}\n`);
    await expect(readFile(join(cache, 'checkouts'))).rejects.toThrow(/ENOENT/);
  });
});

describe('build --progress json', () => {
  it('writes only JSON events on stderr, with the contract fields, ending with the run result', async () => {
    const r = await vc(buildRange('--progress', 'json'), {
      env: { ...env, GITHUB_STEP_SUMMARY: join(work, 'json-step.md') },
    });
    expect(r.exitCode, r.stderr).toBe(1);
    // stdout: the refs, as without --progress
    expect(r.stdout).toMatch(new RegExp(`^${image()}:v1\\.9\\.3@sha256:[0-9a-f]{64}\\n$`));
    const events = r.stderr
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, string>);
    for (const e of events) {
      expect(
        Object.keys(e).every((k) =>
          ['time', 'event', 'version', 'stage', 'platform', 'state', 'message'].includes(k),
        ),
      ).toBe(true);
      expect(['stage', 'platform', 'info', 'warn', 'result']).toContain(e.event);
      expect(Number.isNaN(Date.parse(e.time as string))).toBe(false);
    }
    const pick = (e: Record<string, string>) => [e.event, e.version, e.stage ?? e.platform, e.state];
    const interesting = events.filter((e) => e.event !== 'info').map(pick);
    // v1.9.3 is current in the registry (the test before pushed it): skipped; v1.9.4 fails to compile
    expect(interesting).toEqual([
      ['stage', 'v1.9.3', 'skip-check', undefined],
      ['result', 'v1.9.3', undefined, 'skipped'],
      ['stage', 'v1.9.4', 'skip-check', undefined],
      ['stage', 'v1.9.4', 'checkout', undefined],
      ['stage', 'v1.9.4', 'patch', undefined],
      ['stage', 'v1.9.4', 'build', undefined],
      ['platform', 'v1.9.4', 'linux/amd64', 'start'],
      ['platform', 'v1.9.4', 'linux/amd64', 'failed'],
      ['result', 'v1.9.4', undefined, 'failed'],
      ['result', undefined, undefined, 'failed'],
    ]);
    expect(events.at(-1)?.message).toBe('skipped v1.9.3 (current); failed v1.9.4');
  });
});
