// The prepare stage (`prepare`, and the checkout + patch part of `build`): a release's tree, patched.
import { cp, mkdir, readdir, rm, stat } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import { badInput, redact } from '../errors.js';
import type { AnnotationKey } from '../patch/annotation-key.js';
import { defaultPatchDeps, type PatchDeps, patchServiceGo, unifiedDiff } from '../patch/index.js';
import { checkoutRelease } from '../source/index.js';
import type { PatchResult } from '../types.js';
import type { Context, Reporter } from './context.js';
import { resolveReleases } from './resolve.js';

/** The patch stage of prepare and build: service.go of the tree patched in place, and said so. */
export async function patchTree(
  version: string,
  dir: string,
  key: AnnotationKey,
  patchDeps: PatchDeps | undefined,
  reporter: Reporter,
): Promise<PatchResult & { diff: string }> {
  reporter.stage(version, 'patch');
  const { result, original, patched } = await patchServiceGo(
    { path: dir, key, strategy: 'auto', write: true },
    patchDeps ?? (await defaultPatchDeps()),
  );
  reporter.info(
    `${version}: ${result.alreadyPatched ? 'already patched' : `patched (${result.shape}, ${result.strategy})`}`,
  );
  return { ...result, diff: unifiedDiff(original, patched) };
}

export interface PrepareResult {
  version: string;
  commit: string;
  dir: string;
  patch: PatchResult;
}

async function ensureEmptyDir(dir: string): Promise<void> {
  const st = await stat(dir).catch(() => null);
  if (st && (!st.isDirectory() || (await readdir(dir)).length > 0)) {
    throw badInput(`--dir ${dir} exists and is not empty`, 'DIR_NOT_EMPTY', 'name a new or empty directory');
  }
}

/** `prepare`: the release's tree, patched: in the cache, or copied to `dir` first (the cache stays clean). */
export async function prepare(
  url: string,
  spec: string,
  opts: { dir?: string; key: AnnotationKey; patchDeps?: PatchDeps },
  ctx: Context,
): Promise<PrepareResult> {
  const target = opts.dir === undefined ? undefined : resolvePath(ctx.cwd, opts.dir);
  if (target) await ensureEmptyDir(target);
  const [release] = await resolveReleases(url, { spec, buildable: false }, ctx);
  if (!release) throw new Error('resolveReleases returned nothing');
  const { version } = release;
  ctx.reporter.stage(version, 'checkout', `from ${redact(url)}`);
  const checkout = await checkoutRelease(release, url, {
    cacheDir: ctx.cacheDir,
    signal: ctx.signal,
    env: ctx.env,
    log: (l) => ctx.reporter.info(l),
  });
  let dir = checkout.dir;
  let created = false;
  try {
    if (target) {
      await mkdir(target, { recursive: true });
      created = true;
      await cp(checkout.dir, target, { recursive: true, verbatimSymlinks: true });
      dir = target;
    }
    const { diff: _diff, ...result } = await patchTree(version, dir, opts.key, opts.patchDeps, ctx.reporter);
    return { version, commit: release.commit, dir, patch: result };
  } catch (e) {
    if (target && created) await rm(target, { recursive: true, force: true });
    throw e;
  } finally {
    await checkout.dispose();
  }
}
