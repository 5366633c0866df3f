// GitHub Actions output: workflow-command escaping, a version's lines grouped, warnings annotated, the
// step summary appended. (A real build under GITHUB_ACTIONS=true: test/cli/ci-output.test.ts.)
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  appendStepSummary,
  escapeData,
  escapeProperty,
  githubReporter,
  workflowCommand,
} from '../../src/cli/github.js';
import { lineReporter } from '../../src/cli/progress.js';
import { recordingIo, runCli } from '../support/cli.js';

/** What the runner reads back from a command's data (the inverse of escapeData). */
const unescapeData = (s: string) => s.replaceAll('%0D', '\r').replaceAll('%0A', '\n').replaceAll('%25', '%');

describe('workflow commands', () => {
  it('escapes %, CR and LF in data, and also : and , in properties', () => {
    expect(escapeData('50% done\r\nnext: a,b')).toBe('50%25 done%0D%0Anext: a,b');
    expect(escapeProperty('v1.9.4: failed, 50%\n')).toBe('v1.9.4%3A failed%2C 50%25%0A');
    // an already escaped-looking text survives the round trip
    for (const s of ['%0A is not a newline', 'a%25b', 'line 1\nline 2\r\n']) {
      expect(unescapeData(escapeData(s))).toBe(s);
    }
  });

  it('makes one line per command, with the title as a property and the message as data', () => {
    const line = workflowCommand('error', 'make failed\nlast lines:\n  x.go:5: bad', {
      title: 'CoreDNS v1.9.4: failed',
    });
    expect(line).toBe('::error title=CoreDNS v1.9.4%3A failed::make failed%0Alast lines:%0A  x.go:5: bad\n');
    expect(line.trimEnd().split('\n')).toHaveLength(1);
    // `::` inside a property cannot end the property list early
    expect(workflowCommand('warning', 'm', { title: 'a::b' })).toBe('::warning title=a%3A%3Ab::m\n');
    expect(workflowCommand('group', 'CoreDNS v1.9.3')).toBe('::group::CoreDNS v1.9.3\n');
  });

  it('never carries credentials', () => {
    const line = workflowCommand('error', 'cannot clone https://bot:s3cret@git.example/coredns.git', {
      title: 'https://u:pw@h/x',
    });
    expect(line).not.toContain('s3cret');
    expect(line).not.toContain(':pw@');
  });
});

describe('githubReporter', () => {
  it('groups each version, closes the group when it finishes, and annotates warnings', () => {
    const io = recordingIo();
    const r = githubReporter(lineReporter(io, { heartbeatMs: 0, now: () => new Date(0) }), io);
    r.info('resolving against file:///repo');
    r.stage('v1.9.3', 'checkout', 'from file:///repo');
    r.platform('v1.9.3', 'linux/amd64', 'start');
    r.platform('v1.9.3', 'linux/amd64', 'done');
    r.finish('v1.9.3', 'built', 'sha256:abc');
    r.stage('v1.12.0', 'build');
    r.warn('v1.12.0: go.mod asks for go 1.22.7, 50% sure');
    r.close();
    expect(io.text().split('\n')).toEqual([
      '[00:00:00] resolving against file:///repo',
      '::group::CoreDNS v1.9.3',
      '[00:00:00] v1.9.3 checking out from file:///repo',
      '[00:00:00] v1.9.3 linux/amd64: started',
      '[00:00:00] v1.9.3 linux/amd64: done in 0.0 s',
      '[00:00:00] v1.9.3 built: sha256:abc',
      '::endgroup::',
      '::group::CoreDNS v1.12.0',
      '[00:00:00] v1.12.0 building',
      '[00:00:00] warning: v1.12.0: go.mod asks for go 1.22.7, 50% sure',
      '::warning title=vc-coredns::v1.12.0: go.mod asks for go 1.22.7, 50%25 sure',
      '::endgroup::',
      '',
    ]);
  });
});

describe('step summary', () => {
  it('is appended to $GITHUB_STEP_SUMMARY in Actions, and not written elsewhere', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vc-gh-'));
    try {
      const file = join(dir, 'step_summary');
      const env = { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: file };
      expect(await appendStepSummary(env, '### one')).toBe(true);
      expect(await appendStepSummary(env, '### two\n')).toBe(true);
      expect(await readFile(file, 'utf8')).toBe('### one\n### two\n');
      expect(await appendStepSummary({ GITHUB_STEP_SUMMARY: join(dir, 'other') }, 'x')).toBe(false);
      expect(await appendStepSummary({ GITHUB_ACTIONS: 'true' }, 'x')).toBe(false);
      await expect(readFile(join(dir, 'other'))).rejects.toThrow();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('a failing run in GitHub Actions', () => {
  it('prints the error line and an ::error annotation on stderr, and --json keeps stdout one document', async () => {
    const r = await runCli(['build', '--platforms', 'linux/sparc', '--json'], {
      env: { GITHUB_ACTIONS: 'true' },
    });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe(
      'error: build needs --version or --kubernetes\n' +
        'hint: e.g. --version v1.9.3, --version ">=1.8.0 <1.10", --version latest or --kubernetes 1.30\n' +
        '::error title=vc-coredns::build needs --version or --kubernetes%0Ae.g. --version v1.9.3, --version ">=1.8.0 <1.10", --version latest or --kubernetes 1.30\n',
    );
    expect(JSON.parse(r.stdout)).toEqual({
      error: {
        code: 'BAD_FLAG',
        message: 'build needs --version or --kubernetes',
        hint: 'e.g. --version v1.9.3, --version ">=1.8.0 <1.10", --version latest or --kubernetes 1.30',
      },
    });
  });

  it('has no workflow commands outside Actions', async () => {
    const r = await runCli(['build', '--json'], { env: { GITHUB_ACTIONS: 'false' } });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).not.toContain('::');
  });
});
