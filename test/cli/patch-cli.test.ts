import { cp, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { json, runCli } from '../support/cli.js';

const FIXTURES = new URL('../fixtures/patch/', import.meta.url).pathname;
const SERVICE_GO = 'plugin/kubernetes/object/service.go';
const git = (cwd: string, ...args: string[]) =>
  execa('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd });

let dir: string;
let file: string;

async function checkout(variant: string): Promise<void> {
  await mkdir(join(dir, 'plugin/kubernetes/object'), { recursive: true });
  await cp(join(FIXTURES, variant, 'input.go'), file);
  await git(dir, 'init', '-q');
  await git(dir, 'add', '-A');
  await git(dir, 'commit', '-qm', 'fixture');
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vc-patch-cli-'));
  file = join(dir, SERVICE_GO);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('vc-coredns patch', () => {
  it('patches a checkout, prints the contract JSON, and a second run reports alreadyPatched', async () => {
    await checkout('dual-stack');
    const r = await runCli(['patch', dir, '--json']);
    expect(r.exitCode).toBe(0);
    expect(Object.keys(json(r))).toEqual([
      'file',
      'shape',
      'strategy',
      'reason',
      'changed',
      'alreadyPatched',
      'annotation',
      'foundAnnotation',
    ]);
    expect(json(r)).toMatchObject({
      file,
      shape: 'dual-stack',
      strategy: 'ast',
      changed: true,
      alreadyPatched: false,
      annotation: 'transparency.tenancy.x-k8s.io/clusterIP',
      foundAnnotation: null,
    });
    expect(await readFile(file, 'utf8')).toBe(
      await readFile(join(FIXTURES, 'dual-stack/expected.go'), 'utf8'),
    );
    const again = await runCli(['patch', dir, '--json']);
    expect(again.exitCode).toBe(0);
    expect(json(again)).toMatchObject({ changed: false, alreadyPatched: true, strategy: null });
    expect(json(again).foundAnnotation).toBe('transparency.tenancy.x-k8s.io/clusterIP');
  });

  it('takes the service.go file itself', async () => {
    await checkout('single-stack-v1.2');
    const r = await runCli(['patch', file, '--strategy', 'text', '--json']);
    expect(r.exitCode).toBe(0);
    expect(json(r)).toMatchObject({
      strategy: 'text',
      reason: 'requested with --strategy text',
      changed: true,
    });
  });

  it('--check exits 1 on an unpatched file and 0 on a patched one, never writing', async () => {
    await checkout('single-stack-v1.7');
    const before = await readFile(file, 'utf8');
    const r = await runCli(['patch', dir, '--check']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toBe(
      `error: ${file} is not patched for transparency.tenancy.x-k8s.io/clusterIP\nhint: run: vc-coredns patch ${dir}\n`,
    );
    expect(await readFile(file, 'utf8')).toBe(before);
    expect((await runCli(['patch', dir])).exitCode).toBe(0);
    expect((await runCli(['patch', dir, '--check'])).exitCode).toBe(0);
  });

  it('--diff prints a diff with a/ b/ headers and leaves the file alone; with --json the diff goes to stderr', async () => {
    await checkout('single-stack-v1.6.5');
    const before = await readFile(file, 'utf8');
    const r = await runCli(['patch', file, '--diff']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(
      /^diff --git a\/plugin\/kubernetes\/object\/service.go b\/plugin\/kubernetes\/object\/service.go\n--- a\/plugin/,
    );
    expect(r.stdout).toContain('+\t\tClusterIP:    superClusterIP(svc),');
    const j = await runCli(['patch', dir, '--diff', '--json']);
    expect(j.stderr).toContain('+++ b/plugin/kubernetes/object/service.go');
    expect(json(j)).toMatchObject({ changed: false, alreadyPatched: false, strategy: 'ast' });
    expect(await readFile(file, 'utf8')).toBe(before);
  });

  it('--write-patch writes a patch git apply accepts, and git apply gives the same file', async () => {
    await checkout('dual-stack');
    const patchFile = join(dir, '..', `${dir.split('/').pop()}.patch`);
    try {
      const r = await runCli(['patch', dir, '--write-patch', patchFile]);
      expect(r.exitCode).toBe(0);
      expect((await git(dir, 'status', '--porcelain')).stdout).toBe('');
      await git(dir, 'apply', patchFile);
      expect(await readFile(file, 'utf8')).toBe(
        await readFile(join(FIXTURES, 'dual-stack/expected.go'), 'utf8'),
      );
    } finally {
      await rm(patchFile, { force: true });
    }
  });

  it('--write-patch works on CRLF files', async () => {
    await checkout('single-stack-v1.7');
    await writeFile(file, (await readFile(file, 'utf8')).replace(/\n/g, '\r\n'));
    await git(dir, 'commit', '-qam', 'crlf');
    const patchFile = join(tmpdir(), `vc-crlf-${process.pid}.patch`);
    try {
      expect((await runCli(['patch', dir, '--write-patch', patchFile])).exitCode).toBe(0);
      await git(dir, 'apply', patchFile);
      const expected = await readFile(join(FIXTURES, 'single-stack-v1.7/expected.go'), 'utf8');
      expect(await readFile(file, 'utf8')).toBe(expected.replace(/\n/g, '\r\n'));
    } finally {
      await rm(patchFile, { force: true });
    }
  });

  describe('errors: one clear line, the right exit code, the file untouched', () => {
    it('a missing path exits 2', async () => {
      const r = await runCli(['patch', join(dir, 'nope')]);
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toBe(
        `error: ${join(dir, 'nope')} does not exist\nhint: give a CoreDNS checkout or its service.go\n`,
      );
    });

    it('a tree without service.go (before v1.2.3) exits 2 naming v1.2.3', async () => {
      await mkdir(join(dir, 'plugin/kubernetes'), { recursive: true });
      const r = await runCli(['patch', dir, '--json']);
      expect(r.exitCode).toBe(2);
      expect(json(r)).toEqual({
        error: {
          code: 'NO_SERVICE_GO',
          message: `${dir} has no plugin/kubernetes/object/service.go`,
          hint: expect.stringContaining('the first supported release is v1.2.3'),
        },
      });
    });

    it('an unknown shape exits 1, says what was found, and leaves the file as it was', async () => {
      await mkdir(join(dir, 'plugin/kubernetes/object'), { recursive: true });
      const src = await readFile(join(FIXTURES, 'must-not-match/unknown-signature.go'), 'utf8');
      await writeFile(file, src);
      const r = await runCli(['patch', dir]);
      expect(r.exitCode).toBe(1);
      expect(r.stderr.split('\n')[0]).toMatch(
        /^error: .*service.go has an unknown code shape: found conversion function `ToService\(\*api.Service,bool\)\(\*Service,bool\)`/,
      );
      expect(await readFile(file, 'utf8')).toBe(src);
    });

    it('Go that does not parse exits 1 and is left alone', async () => {
      await checkout('dual-stack');
      const broken = (await readFile(file, 'utf8')).replace(
        'if len(svc.Spec.Ports) == 0 {',
        'if len(svc.Spec.Ports) == 0 {{',
      );
      await writeFile(file, broken);
      const r = await runCli(['patch', dir]);
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toMatch(/^error: .*service.go is not valid Go \(line \d+/);
      expect(await readFile(file, 'utf8')).toBe(broken);
    });

    it('a bad key exits 2 before anything is read', async () => {
      await checkout('dual-stack');
      const r = await runCli(['patch', dir, '--annotation', 'Not A Key', '--json']);
      expect(r.exitCode).toBe(2);
      expect(json<{ error: { code: string } }>(r).error.code).toBe('BAD_ANNOTATION_KEY');
      expect((await git(dir, 'status', '--porcelain')).stdout).toBe('');
    });

    it('a marker naming another key exits 1 naming both', async () => {
      await checkout('dual-stack');
      expect((await runCli(['patch', dir, '--annotation', 'example.com/a'])).exitCode).toBe(0);
      const r = await runCli(['patch', dir]);
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toContain(
        'for the annotation example.com/a, not transparency.tenancy.x-k8s.io/clusterIP',
      );
    });

    it('an unknown flag or strategy exits 2', async () => {
      await checkout('dual-stack');
      expect((await runCli(['patch', dir, '--nope'])).exitCode).toBe(2);
      const r = await runCli(['patch', dir, '--strategy', 'regex']);
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toBe('error: --strategy must be one of auto, ast, text, not "regex"\n');
    });

    it('leaves no temp file behind in the folder', async () => {
      await checkout('dual-stack');
      await runCli(['patch', dir]);
      const { stdout } = await execa('ls', ['-A', join(dir, 'plugin/kubernetes/object')]);
      expect(stdout).toBe('service.go');
      expect((await stat(file)).mode & 0o777).toBe(0o644);
    });
  });

  it('--help shows examples', async () => {
    const r = await runCli(['patch', '--help']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('Examples:');
    expect(r.stdout).toContain('vc-coredns patch ./coredns --diff');
  });
});
