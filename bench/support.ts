// Scaffolding the benches share: a temp workspace whose clean-up steps run on every exit, Ctrl-C too.
import { mkdtemp, rm } from 'node:fs/promises';
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
