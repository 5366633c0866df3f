// Scaffolding the benches share: a temp workspace whose clean-up steps run on every exit, Ctrl-C too.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Workspace {
  dir: string;
  /** Registers a clean-up step (steps run last in, first out); the returned function runs it now instead. */
  defer(step: () => Promise<unknown>): () => Promise<void>;
  /** Runs every step still registered, then removes the workspace. */
  close(): Promise<void>;
}

export async function benchWorkspace(prefix: string): Promise<Workspace> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const steps: (() => Promise<unknown>)[] = [() => rm(dir, { recursive: true, force: true })];
  const run = (step: () => Promise<unknown>) => step().catch((e) => console.error(`cleanup: ${e}`));
  const onSigint = () => {
    void close().then(() => process.exit(130));
  };
  const close = async () => {
    process.removeListener('SIGINT', onSigint);
    for (const step of steps.splice(0).reverse()) await run(step);
  };
  process.once('SIGINT', onSigint);
  return {
    dir,
    defer(step) {
      steps.push(step);
      return async () => {
        const i = steps.indexOf(step);
        if (i === -1) return;
        steps.splice(i, 1);
        await run(step);
      };
    },
    close,
  };
}

/**
 * CPU seconds (user + system) of the children this process has reaped, with their own reaped
 * descendants (make -> sh -> go -> compile/link): /proc/self/stat cutime + cstime. Unlike wall time it
 * does not depend on what else the machine runs.
 */
export async function childCpuSeconds(ticks: number): Promise<number> {
  const stat = await readFile('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[13]) + Number(f[14])) / ticks;
}
