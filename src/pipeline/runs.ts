// The start of a run that makes temp dirs and processes (build, prepare): what runs that died left is
// reclaimed first, then this run records its own (util/cleanup.ts).
import { reclaimDeadRuns, recordRun } from '../util/cleanup.js';
import type { Context } from './context.js';

/**
 * The start of a run that makes temp dirs and processes: what runs that died (SIGKILL) left is removed
 * and their make and go stopped, and this run records its own for the next one (util/cleanup.ts).
 */
export async function claimRun(ctx: Pick<Context, 'cacheDir' | 'reporter'>): Promise<void> {
  const reclaimed = await reclaimDeadRuns(ctx.cacheDir);
  if (reclaimed.runs.length > 0) {
    const what = [
      reclaimed.paths.length
        ? `removed ${reclaimed.paths.length} temp dir${reclaimed.paths.length === 1 ? '' : 's'}`
        : '',
      reclaimed.groups.length
        ? `stopped ${reclaimed.groups.length} process group${reclaimed.groups.length === 1 ? '' : 's'}`
        : '',
    ].filter(Boolean);
    ctx.reporter.info(
      `${what.join(' and ') || 'cleaned up'} left by a vc-coredns run that died (pid ${reclaimed.runs.join(', ')})`,
    );
  }
  await recordRun(ctx.cacheDir);
}
