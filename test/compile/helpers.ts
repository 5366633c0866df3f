// Checkouts of the fixture repository, patched as the pipeline would, and what tests read from binaries.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { expect } from 'vitest';
import type { CompileRequest, GoInfo } from '../../src/compile/index.js';
import {
  DEFAULT_ANNOTATION,
  defaultPatchDeps,
  type PatchDeps,
  parseAnnotationKey,
  patchServiceGo,
} from '../../src/patch/index.js';
import type { Checkout, Platform } from '../../src/types.js';
import { eraFor } from '../../src/versions/index.js';
import type { FixtureRepo } from '../support/fixture.js';
import { sharedGoCache } from '../support/go-harness.js';

export const AMD64: Platform = { os: 'linux', arch: 'amd64' };
export const ARM64: Platform = { os: 'linux', arch: 'arm64' };
export const ARM_V7: Platform = { os: 'linux', arch: 'arm', variant: 'v7' };

/** ELF e_machine values. */
export const EM = { amd64: 0x3e, arm64: 0xb7, arm: 0x28 } as const;

/** Offline Go for the fixture modules (only local replace'd deps), one build cache for the test run. */
export function testEnv(extra: Record<string, string> = {}): Record<string, string | undefined> {
  return {
    ...process.env,
    GOFLAGS: '-mod=mod',
    GOPROXY: 'off',
    GOSUMDB: 'off',
    GOCACHE: sharedGoCache(),
    ...extra,
  };
}

let deps: Promise<PatchDeps> | null = null;

/** `git clone --branch TAG` into dir and patch service.go there (write: true), as prepare does. */
export async function checkout(
  repo: FixtureRepo,
  version: string,
  dir: string,
  patch = true,
): Promise<Checkout> {
  await execa('git', ['-c', 'advice.detachedHead=false', 'clone', '-q', '--branch', version, repo.url, dir]);
  if (patch) {
    deps ??= defaultPatchDeps();
    const key = parseAnnotationKey(DEFAULT_ANNOTATION);
    const out = await patchServiceGo({ path: dir, key, strategy: 'auto', write: true }, await deps);
    expect(out.result.changed).toBe(true);
  }
  const tag = repo.tags.find((t) => t.version === version);
  if (!tag) throw new Error(`no fixture tag ${version}`);
  return { dir, release: { version, commit: tag.commit, era: eraFor(version) }, owned: true };
}

export async function commitTime(dir: string): Promise<number> {
  const { stdout } = await execa('git', ['log', '-1', '--format=%ct'], { cwd: dir });
  return Number(stdout.trim());
}

export async function request(
  co: Checkout,
  go: GoInfo,
  base: string,
  over: Partial<CompileRequest> = {},
): Promise<CompileRequest> {
  return {
    checkout: co,
    platforms: [AMD64, ARM64],
    jobs: 2,
    outDir: join(base, 'out'),
    go,
    releaseMakefile: false,
    logDir: join(base, 'logs'),
    sourceDateEpoch: await commitTime(co.dir),
    gitCommit: co.release.commit,
    env: testEnv(),
    ...over,
  };
}

/** e_machine of an ELF executable (little-endian), after checking the magic. */
export async function elfMachine(path: string): Promise<number> {
  const b = await readFile(path);
  expect(b.subarray(0, 4)).toEqual(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
  return b.readUInt16LE(18);
}

/** Every file under dir (relative paths, sorted), [] when dir does not exist. */
export async function filesUnder(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    return entries
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
      .sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

/** Live (not zombie) processes whose process group is one of pgids, as `pid command`. */
export async function liveInGroups(pgids: Iterable<number>): Promise<string[]> {
  const groups = new Set(pgids);
  const found: string[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = await readFile(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue;
    }
    // pid (comm) state ppid pgrp ...: comm may hold spaces, so split after the last ')'.
    const close = stat.lastIndexOf(')');
    const [state, , pgrp] = stat.slice(close + 2).split(' ');
    if (state !== 'Z' && groups.has(Number(pgrp)))
      found.push(`${name} ${stat.slice(stat.indexOf('(') + 1, close)}`);
  }
  return found;
}

export { rejection } from '../support/errors.js';
