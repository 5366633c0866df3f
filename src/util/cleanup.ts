// What a run leaves on disk or running goes however the run ends, a second Ctrl-C (exit at once)
// included: temp dirs and temp files, and the process groups of make and go, are registered while they
// exist, and the process's exit hook kills the groups, then removes the paths (synchronously: `exit`
// runs no more asynchronous work).
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';

const paths = new Set<string>();
const groups = new Set<number>();
let hooked = false;

/** Sends sig to every process of the group; a group that is gone is fine. */
export function killGroup(pgid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pgid, sig);
  } catch {
    // ESRCH: the group is gone.
  }
}

function hook(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const g of groups) killGroup(g, 'SIGKILL');
    for (const p of paths) {
      try {
        rmSync(p, { recursive: true, force: true, maxRetries: 3 });
      } catch {
        // nothing more can be done while exiting
      }
    }
  });
}

/** Removes `path` at exit unless the returned function was called first (it was removed or kept). */
export function removeAtExit(path: string): () => void {
  hook();
  paths.add(path);
  return () => {
    paths.delete(path);
  };
}

/** Kills the process group at exit unless the returned function was called first (it ended). */
export function killAtExit(pgid: number): () => void {
  hook();
  groups.add(pgid);
  return () => {
    groups.delete(pgid);
  };
}

export interface TempDir {
  path: string;
  /** Removes it (and forgets it). Never throws. */
  remove(): Promise<void>;
}

/** `mkdtemp(prefix)`, removed at exit if still there. */
export async function makeTempDir(prefix: string): Promise<TempDir> {
  const path = await mkdtemp(prefix);
  const forget = removeAtExit(path);
  return {
    path,
    remove: async () => {
      await rm(path, { recursive: true, force: true, maxRetries: 3 }).catch(() => {});
      forget();
    },
  };
}
