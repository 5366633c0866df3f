// What completion offers, for every shell the same: the pure engine over the CLI's real command tree,
// and `__complete` in-process with versions from a cache. (The bash, zsh and fish scripts themselves,
// run by those shells: test/cli/completion-shells.test.ts.)
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Completion, complete, specOf, type ValueSources } from '../../src/cli/completion.js';
import { buildProgram } from '../../src/cli/main.js';
import { rememberTags } from '../../src/source/index.js';
import { recordingIo, runCli } from '../support/cli.js';

const spec = specOf(buildProgram(recordingIo(), new AbortController().signal));
const SOURCES: ValueSources = {
  versions: ['v1.9.3', 'v1.12.0', 'v1.10.1', 'v1.8.0'],
  platforms: (version) =>
    version === 'v1.8.0'
      ? ['linux/amd64', 'linux/arm/v7', 'linux/arm64']
      : ['linux/amd64', 'linux/arm/v7', 'linux/arm64', 'linux/riscv64'],
  kubernetes: ['1.29', '1.30', '1.31'],
  shells: ['bash', 'zsh', 'fish'],
  progressModes: ['auto', 'tty', 'plain', 'json'],
};

/** complete() for a line as typed (the program name first); a trailing blank completes an empty word. */
function at(line: string): Completion {
  const words = line.split(/\s+/).slice(1);
  const current = line.endsWith(' ') ? '' : (words.pop() ?? '');
  return complete(spec, line.endsWith(' ') ? words.filter(Boolean) : words, current, SOURCES);
}
const offered = (line: string) => {
  const c = at(line);
  return c.kind === 'files' ? 'files' : c.candidates.map((x) => x.value);
};

describe('completion', () => {
  it('offers the commands, with descriptions, and not the hidden __complete', () => {
    const c = at('vc-coredns ');
    expect(c.kind).toBe('values');
    const names = c.kind === 'values' ? c.candidates.map((x) => x.value) : [];
    for (const name of [
      'versions',
      'patch',
      'prepare',
      'build',
      'matrix',
      'verify',
      'manifest',
      'completion',
    ]) {
      expect(names).toContain(name);
    }
    expect(names).not.toContain('__complete');
    expect(offered('vc-coredns b')).toEqual(['build']);
    expect(c.kind === 'values' && c.candidates.find((x) => x.value === 'build')?.description).toMatch(
      /build/,
    );
    expect(offered('vc-coredns --')).toEqual(['--version', '--debug', '--help']);
  });

  it("offers a command's flags", () => {
    expect(offered('vc-coredns build --pl')).toEqual(['--platforms']);
    expect(offered('vc-coredns build --pro')).toEqual(['--progress']);
    const flags = offered('vc-coredns build --');
    for (const f of ['--version', '--summary', '--progress', '--verbose', '--json', '--output', '--help']) {
      expect(flags).toContain(f);
    }
    expect(offered('vc-coredns matrix --f')).toEqual(['--format']);
  });

  it('offers the values a flag takes', () => {
    expect(offered('vc-coredns build --progress ')).toEqual(['auto', 'tty', 'plain', 'json']);
    expect(offered('vc-coredns build --progress=j')).toEqual(['--progress=json']);
    expect(offered('vc-coredns matrix --format ')).toEqual(['github', 'json']);
    expect(offered('vc-coredns patch x --strategy a')).toEqual(['auto', 'ast']);
    expect(offered('vc-coredns completion ')).toEqual(['bash', 'zsh', 'fish']);
    expect(offered('vc-coredns build --output ')).toEqual(['oci:', 'docker-archive:', 'binaries:']);
    expect(at('vc-coredns build --output ')).toMatchObject({ nospace: true });
  });

  it('offers the cached versions newest first, as the user writes them, and latest', () => {
    expect(offered('vc-coredns build --version ')).toEqual([
      'v1.12.0',
      'v1.10.1',
      'v1.9.3',
      'v1.8.0',
      'latest',
    ]);
    expect(offered('vc-coredns build --version v1.1')).toEqual(['v1.12.0', 'v1.10.1']);
    expect(offered('vc-coredns prepare --version 1.')).toEqual(['1.12.0', '1.10.1', '1.9.3', '1.8.0']);
    expect(offered('vc-coredns versions --range l')).toEqual(['latest']);
  });

  it('offers platforms as a list, those of the release a --version names', () => {
    expect(offered('vc-coredns build --platforms ')).toEqual([
      'linux/amd64',
      'linux/arm/v7',
      'linux/arm64',
      'linux/riscv64',
    ]);
    expect(offered('vc-coredns build --platforms linux/amd64,linux/ar')).toEqual([
      'linux/amd64,linux/arm/v7',
      'linux/amd64,linux/arm64',
    ]);
    expect(offered('vc-coredns build --version v1.8.0 --platforms linux/amd64,')).toEqual([
      'linux/amd64,linux/arm/v7',
      'linux/amd64,linux/arm64',
    ]);
    expect(at('vc-coredns build --platforms l')).toMatchObject({ nospace: true });
    expect(offered('vc-coredns build --kubernetes 1.30,1.3')).toEqual(['1.30,1.31']);
  });

  it('leaves paths to the shell, and offers nothing where nothing is known', () => {
    expect(offered('vc-coredns patch ')).toBe('files');
    expect(offered('vc-coredns build --summary ')).toBe('files');
    expect(offered('vc-coredns build --repo ')).toBe('files');
    expect(offered('vc-coredns build --output oci:')).toBe('files');
    expect(offered('vc-coredns build --push ')).toEqual([]);
    expect(offered('vc-coredns nosuchcommand ')).toEqual([]);
    expect(offered('vc-coredns completion bash ')).toEqual([]);
    // after a flag's value, flags and arguments again
    expect(offered('vc-coredns patch --strategy ast ')).toBe('files');
  });
});

describe('__complete', () => {
  let cache: string;
  beforeAll(async () => {
    cache = await mkdtemp(join(tmpdir(), 'vc-complete-'));
    await rememberTags(cache, 'file:///srv/coredns', ['v1.9.3', 'v1.11.1']);
  });
  afterAll(async () => {
    await rm(cache, { recursive: true, force: true });
  });

  it('prints the directive, then a candidate per line, with versions from the cache', async () => {
    const r = await runCli(['__complete', '--', 'build', '--version', 'v1.'], {
      env: { VC_COREDNS_CACHE: cache },
    });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(':values\nv1.11.1\nv1.9.3\n');
    const flags = await runCli(['__complete', '--', 'build', '--verb'], { env: { VC_COREDNS_CACHE: cache } });
    expect(flags.stdout).toBe(
      ':values\n--verbose\talso each make and go command and each registry request (no secrets)\n',
    );
    const files = await runCli(['__complete', '--', 'patch', ''], { env: { VC_COREDNS_CACHE: cache } });
    expect(files.stdout).toBe(':files\n');
  });

  it('offers no versions from an empty cache', async () => {
    const r = await runCli(['__complete', '--', 'build', '--version', ''], {
      env: { VC_COREDNS_CACHE: join(cache, 'empty') },
    });
    expect(r.stdout).toBe(':values\nlatest\n');
  });

  it('prints each script; an unknown shell is bad input', async () => {
    for (const shell of ['bash', 'zsh', 'fish']) {
      const r = await runCli(['completion', shell]);
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toContain('__complete --');
      expect(r.stdout).toContain(`completion for vc-coredns`);
    }
    const bad = await runCli(['completion', 'tcsh']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toBe('error: shell must be one of bash, zsh, fish, not "tcsh"\n');
  });
});
