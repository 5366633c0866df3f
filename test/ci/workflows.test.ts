import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const validator = join(ROOT, 'node_modules/.bin/action-validator');
const validate = (file: string) => execa(validator, [file], { reject: false, cwd: ROOT });

const WORKFLOWS = ['ci.yml', 'images.yml'];

describe('GitHub workflows', () => {
  it.each(WORKFLOWS)('%s passes the workflow linter', async (name) => {
    const r = await validate(join(ROOT, '.github/workflows', name));
    expect(r.exitCode, `${r.stdout}${r.stderr}`).toBe(0);
  });

  it('the linter does catch a broken workflow', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vc-wf-'));
    try {
      const file = join(dir, 'bad.yml');
      await writeFile(file, 'name: bad\non: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    stepz: []\n');
      expect((await validate(file)).exitCode).not.toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('ci runs the test script on Node 22, 24 and 26 in Debian bookworm', async () => {
    const wf = parse(await readFile(join(ROOT, '.github/workflows/ci.yml'), 'utf8'));
    expect(wf.jobs.test.strategy.matrix.node).toEqual([22, 24, 26]);
    expect(wf.jobs.test.container.image).toBe('debian:bookworm');
    expect(wf.jobs.test.steps.map((s: { run?: string }) => s.run)).toContain('bash scripts/test.sh');
  });

  it('images builds a matrix from `vc-coredns matrix --format github` and pushes to the lower-cased owner', async () => {
    const wf = parse(await readFile(join(ROOT, '.github/workflows/images.yml'), 'utf8'));
    expect(wf.on.schedule).toHaveLength(1);
    expect(wf.on).toHaveProperty('workflow_dispatch');
    const matrixStep = wf.jobs.matrix.steps.find((s: { id?: string }) => s.id === 'matrix');
    expect(matrixStep.run).toContain('matrix --range "$RANGE" --format github');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: GitHub Actions expressions, not JS templates
    expect(wf.jobs.image.strategy.matrix).toBe('${{ fromJSON(needs.matrix.outputs.matrix) }}');
    expect(wf.env.REGISTRY).toBe('ghcr.io');
    const name = wf.jobs.image.steps.find((s: { id?: string }) => s.id === 'image');
    // ghcr.io refuses an upper-case path ("repository name must be lowercase"); owners may have capitals
    // biome-ignore lint/suspicious/noTemplateCurlyInString: bash's ${OWNER,,}, not a JS template
    expect(name.run).toBe('echo "name=$REGISTRY/${OWNER,,}/coredns" >> "$GITHUB_OUTPUT"');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: GitHub Actions expressions, not JS templates
    expect(name.env.OWNER).toBe('${{ github.repository_owner }}');
    const build = wf.jobs.image.steps.find((s: { run?: string }) => s.run?.includes('main.js build'));
    expect(build.run).toContain('--push "$IMAGE"');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: GitHub Actions expressions, not JS templates
    expect(build.env.IMAGE).toBe('${{ steps.image.outputs.name }}');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: GitHub Actions expressions, not JS templates
    expect(build.env.VC_COREDNS_REGISTRY_PASSWORD).toBe('${{ secrets.GITHUB_TOKEN }}');
    // every version is smoke-tested on the (linux/amd64) runner before it is pushed
    expect(build.run).toMatch(/ --smoke( |$)/);
  });

  it('images signs keylessly: id-token, the cosign the tests pin, sign --recursive and attest of each built digest', async () => {
    const wf = parse(await readFile(join(ROOT, '.github/workflows/images.yml'), 'utf8'));
    const { COSIGN_VERSION } = await import('../support/cosign.js');
    expect(wf.jobs.image.permissions['id-token']).toBe('write');
    const steps: { uses?: string; run?: string; with?: Record<string, string> }[] = wf.jobs.image.steps;
    const build = steps.findIndex((s) => s.run?.includes('main.js build'));
    expect(steps[build]?.run).toContain('--attestations-dir attestations');
    expect(steps[build]?.run).toContain('--json');
    const installer = steps.findIndex((s) => s.uses?.startsWith('sigstore/cosign-installer@'));
    // v4 installs cosign 3
    expect(steps[installer]?.uses).toBe('sigstore/cosign-installer@6f9f17788090df1f26f669e9d70d6ae9567deba6');
    expect(steps[installer]?.with?.['cosign-release']).toBe(COSIGN_VERSION);
    const sign = steps.findIndex((s) => s.run?.includes('cosign sign'));
    expect(build).toBeLessThan(installer);
    expect(installer).toBeLessThan(sign);
    const run = steps[sign]?.run ?? '';
    expect(run).toContain('select(.skipped | not)');
    expect(run).toContain('cosign sign --yes --recursive "$IMAGE@$digest"');
    expect(run).toContain(
      'cosign attest --yes --type slsaprovenance1 --predicate "$dir/provenance.predicate.json"',
    );
    expect(run).toContain('cosign attest --yes --type cyclonedx --predicate "$dir/sbom-');
    expect(run).not.toMatch(/--key|COSIGN_PASSWORD|--tlog-upload=false/);
  });

  it('pins every action by full commit, with its tag in a comment, the same pin everywhere', async () => {
    const pins = new Map<string, string>();
    for (const name of WORKFLOWS) {
      const text = await readFile(join(ROOT, '.github/workflows', name), 'utf8');
      const uses = text.split('\n').filter((l) => /^\s*-?\s*uses:/.test(l));
      expect(uses.length).toBeGreaterThan(0);
      for (const line of uses) {
        const m = /uses: ([\w.-]+\/[\w.-]+)@([0-9a-f]{40}) # (v\d+\.\d+\.\d+)$/.exec(line);
        expect(m, `${name}: ${line.trim()}`).not.toBeNull();
        const [, action, sha, tag] = m as unknown as [string, string, string, string];
        expect(pins.get(action) ?? `${sha} ${tag}`, action).toBe(`${sha} ${tag}`);
        pins.set(action, `${sha} ${tag}`);
      }
    }
    expect([...pins.keys()]).toEqual(expect.arrayContaining(['actions/checkout', 'actions/setup-node']));
  });

  it('asks for least privilege, runs one at a time per ref, and caches npm and Go per CoreDNS version', async () => {
    const ci = parse(await readFile(join(ROOT, '.github/workflows/ci.yml'), 'utf8'));
    const images = parse(await readFile(join(ROOT, '.github/workflows/images.yml'), 'utf8'));
    expect(ci.permissions).toEqual({ contents: 'read' });
    expect(images.permissions).toEqual({});
    expect(images.jobs.matrix.permissions).toEqual({ contents: 'read' });
    expect(images.jobs.image.permissions).toMatchObject({ contents: 'read', packages: 'write' });
    for (const wf of [ci, images]) {
      expect(wf.concurrency.group).toMatch(/\$\{\{ .*github\.ref.* \}\}/);
      for (const job of Object.values(wf.jobs) as {
        steps: { uses?: string; with?: Record<string, unknown> }[];
      }[]) {
        for (const s of job.steps) {
          if (s.uses?.startsWith('actions/setup-node@')) expect(s.with?.cache).toBe('npm');
          if (s.uses?.startsWith('actions/checkout@')) expect(s.with?.['persist-credentials']).toBe(false);
        }
      }
    }
    expect(images.concurrency['cancel-in-progress']).toBe(false);
    const steps = images.jobs.image.steps as {
      id?: string;
      uses?: string;
      run?: string;
      with?: Record<string, string>;
    }[];
    expect(steps.find((s) => s.id === 'go-dirs')?.run).toContain('go env GOMODCACHE');
    const setupGo = steps.find((s) => s.uses?.startsWith('actions/setup-go@'));
    // each job installs its upstream Go (the matrix entry's `go`), which --go auto (the default) finds
    // biome-ignore lint/suspicious/noTemplateCurlyInString: GitHub Actions expressions, not JS templates
    expect(setupGo?.with?.['go-version']).toBe('${{ matrix.go }}');
    const cache = steps.find((s) => s.uses?.startsWith('actions/cache@'));
    // biome-ignore lint/suspicious/noTemplateCurlyInString: GitHub Actions expressions, not JS templates
    expect(cache?.with?.path).toContain('${{ steps.go-dirs.outputs.modcache }}');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: GitHub Actions expressions, not JS templates
    expect(cache?.with?.path).toContain('${{ steps.go-dirs.outputs.cache }}');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: GitHub Actions expressions, not JS templates
    expect(cache?.with?.key).toContain('coredns-${{ matrix.version }}');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: GitHub Actions expressions, not JS templates
    expect(cache?.with?.key).toContain('go-${{ matrix.go }}');
    const build = steps.find((s) => s.run?.includes('main.js build'));
    expect(build?.run).not.toContain('--go-toolchain');
    expect(build?.run).not.toMatch(/--go (?!auto)/);
  });
});
