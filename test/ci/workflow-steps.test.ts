// Both workflows run here before GitHub runs them: every `run:` step of .github/workflows/ci.yml and
// images.yml, in order, in a fresh copy of the repository per job, with GITHUB_OUTPUT,
// GITHUB_STEP_SUMMARY, GITHUB_ACTIONS and the matrix values as Actions sets them
// (test/support/workflow-runner.ts). images.yml builds the fixture repository and pushes to Debian's
// registry on 127.0.0.1 instead of ghcr.io, as the owner `VC-Tenants` (capitals: the image name must
// lower-case it). `uses:` steps and the steps declared below are skipped, with the reason printed;
// a `run:` step another change adds is run too.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEnv } from '../support/cli.js';
import { createFixtureRepo, type FixtureRepo } from '../support/fixture.js';
import { skopeo, startRegistry, type TestRegistry } from '../support/registry.js';
import {
  type GitHubOnlyStep,
  runWorkflow,
  type StepResult,
  tailOf,
  type WorkflowRun,
} from '../support/workflow-runner.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const workflow = (name: string) => join(ROOT, '.github/workflows', name);

/** Keyless signing, wherever a workflow does it (no `--key` on the line). */
const KEYLESS_COSIGN: GitHubOnlyStep = {
  run: /\bcosign (sign|attest)\b(?![^\n]*--key)/,
  reason:
    "keyless cosign: the job's GitHub OIDC token (id-token: write) buys the Fulcio certificate; Rekor is on the internet",
};

/** Steps that need GitHub itself, by workflow: skipped here, with why. */
const GITHUB_ONLY: Record<string, GitHubOnlyStep[]> = {
  'ci.yml': [
    {
      job: 'test',
      step: /^Lint, typecheck and every test/,
      reason: 'it is this suite: .ci/run runs scripts/test.sh, which runs this test',
    },
    KEYLESS_COSIGN,
  ],
  'images.yml': [KEYLESS_COSIGN],
};

let work: string;
let repo: FixtureRepo;
let registry: TestRegistry;
let machineEnv: Record<string, string>;
const OWNER = 'VC-Tenants';

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vc-workflows-'));
  [repo, registry] = await Promise.all([
    createFixtureRepo(join(work, 'repo')),
    startRegistry({ auth: 'htpasswd' }),
  ]);
  const [npmCache, goModCache] = await Promise.all([
    execa('npm', ['config', 'get', 'cache']).then((r) => r.stdout.trim()),
    execa('go', ['env', 'GOMODCACHE']).then((r) => r.stdout.trim()),
  ]);
  // The runner machine: this one's tools on PATH, the Go and npm caches a hosted runner would restore
  // (actions/cache, setup-node's `cache: npm`), CoreDNS from the fixture repository.
  machineEnv = {
    PATH: process.env.PATH ?? '',
    LANG: 'C.UTF-8',
    GOMODCACHE: goModCache,
    ...buildEnv(work),
    npm_config_cache: npmCache,
    npm_config_prefer_offline: 'true',
    VC_COREDNS_REPO: repo.url,
  };
}, 300_000);
afterAll(async () => {
  await registry?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

function run(
  name: string,
  event: { name: string; inputs?: Record<string, string | boolean> },
): Promise<WorkflowRun> {
  return runWorkflow({
    file: workflow(name),
    repoDir: ROOT,
    tmpDir: join(work, name),
    event,
    github: {
      repository: `${OWNER}/vc-coredns`,
      actor: registry.username,
      ref: 'refs/heads/main',
      sha: 'f'.repeat(40),
    },
    secrets: { GITHUB_TOKEN: registry.password },
    machineEnv,
    // ghcr.io is not reachable here: the workflow's one registry variable names the local one
    envOverrides: name === 'images.yml' ? { REGISTRY: registry.host } : {},
    githubOnly: GITHUB_ONLY[name] ?? [],
    log: (line) => console.log(line),
  });
}

/** Every step that ran succeeded; every skipped one is an action or declared GitHub-only. */
function expectAllPassed(steps: StepResult[], declared: GitHubOnlyStep[]): void {
  expect(steps.length).toBeGreaterThan(0);
  for (const s of steps) {
    if (s.status === 'ran') {
      expect(s.exitCode, `${s.job} › ${s.name}:\n${tailOf(s)}`).toBe(0);
      expect(s.output ?? '', `${s.job} › ${s.name} printed the registry password`).not.toContain(
        registry.password,
      );
    } else {
      const why = s.reason ?? '';
      expect(why.startsWith('uses: ') || declared.some((d) => d.reason === why), `${s.name}: ${why}`).toBe(
        true,
      );
    }
  }
}

describe('images.yml', () => {
  let result: WorkflowRun;
  beforeAll(async () => {
    result = await run('images.yml', { name: 'workflow_dispatch', inputs: { range: 'v1.9.3' } });
  }, 900_000);

  it('runs every run: step, in order, and each one passes', () => {
    expectAllPassed(result.steps, GITHUB_ONLY['images.yml'] ?? []);
    const ran = result.steps.filter((s) => s.status === 'ran').map((s) => `${s.job} › ${s.name}`);
    expect(ran).toContain('matrix › The versions to build');
    expect(ran).toContain('image › Build and push v1.9.3 (linux/amd64,linux/arm64)');
  });

  it('hands the matrix job output to the image jobs', () => {
    const matrix = JSON.parse(result.outputs.matrix?.matrix ?? 'null');
    expect(matrix.include).toMatchObject([{ version: 'v1.9.3', platforms: 'linux/amd64,linux/arm64' }]);
    expect(result.steps.filter((s) => s.job === 'image').every((s) => s.matrix.version === 'v1.9.3')).toBe(
      true,
    );
  });

  it('pushes to the lower-cased owner, grouped in the log, with the run table in the step summary', async () => {
    const name = result.steps.find((s) => s.name.startsWith('The image'))?.outputs?.name;
    expect(name).toBe(`${registry.host}/vc-tenants/coredns`);
    const build = result.steps.find((s) => s.name.startsWith('Build and push')) as StepResult;
    expect(build.output).toContain('::group::CoreDNS v1.9.3');
    expect(build.output).toContain('::endgroup::');
    // skopeo, the independent client, finds the image under that name
    const creds = `${registry.username}:${registry.password}`;
    const inspected = await skopeo(['inspect', '--override-arch', 'arm64', `docker://${name}:v1.9.3`], {
      creds,
    });
    expect(inspected.exitCode, inspected.stderr).toBe(0);
    expect(JSON.parse(inspected.stdout).Labels['org.opencontainers.image.version']).toBe('v1.9.3');
    const head = await fetch(`${registry.url}/v2/vc-tenants/coredns/manifests/v1.9.3`, {
      method: 'HEAD',
      headers: {
        Authorization: `Basic ${Buffer.from(creds).toString('base64')}`,
        Accept: 'application/vnd.oci.image.index.v1+json',
      },
    });
    const digest = head.headers.get('docker-content-digest');
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(build.summary).toContain('1 built, 0 skipped, 0 failed');
    expect(build.summary).toMatch(
      new RegExp(
        `\\| v1\\.9\\.3 +\\| v1\\.8\\.5 - v1\\.10\\.1 \\(dual-stack\\) \\| linux/amd64, linux/arm64 \\|.*\`${digest}\``,
      ),
    );
  });
});

describe('ci.yml', () => {
  let result: WorkflowRun;
  beforeAll(async () => {
    result = await run('ci.yml', { name: 'push' });
  }, 600_000);

  it('runs each Node of the matrix; the test script itself is the suite this runs in', () => {
    expectAllPassed(result.steps, GITHUB_ONLY['ci.yml'] ?? []);
    expect([...new Set(result.steps.map((s) => s.matrix.node))]).toEqual([22, 24, 26]);
    for (const node of [22, 24, 26]) {
      const steps = result.steps.filter((s) => s.matrix.node === node).map((s) => [s.name, s.status]);
      expect(steps).toEqual([
        ['Tools the checkout needs', 'ran'],
        [expect.stringMatching(/^actions\/checkout@/), 'skipped'],
        [expect.stringMatching(/^actions\/setup-node@/), 'skipped'],
        ['Let git trust the workspace (container user differs)', 'ran'],
        ['Lint, typecheck and every test (installs what is missing)', 'skipped'],
      ]);
    }
  });
});
