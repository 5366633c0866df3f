// On a terminal `build` draws a task list (listr2). Ctrl-C there must end the run as everywhere else:
// exit 130 with the `error: interrupted` line. listr2 11 registers its own SIGINT listener that ends
// the process with 127 first unless told not to; and by default it draws on stdout, where only
// results belong. A real pseudo-terminal (util-linux `script`) turns a typed ^C into SIGINT.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CLI } from '../support/cli.js';
import { createFixtureRepo, type FixtureRepo } from '../support/fixture.js';

let work: string;
let repo: FixtureRepo;
let silent: Server;
const sockets: Socket[] = [];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vc-tty-'));
  repo = await createFixtureRepo(join(work, 'repo'));
  // A "registry" that accepts connections and never answers: the run waits in its skip check.
  silent = createServer((s) => sockets.push(s));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => silent.close(() => resolve()));
  await rm(work, { recursive: true, force: true });
});

it('Ctrl-C on a terminal exits 130 with the interrupted line; the task list is on stderr, stdout stays empty', async () => {
  const port = (silent.address() as { port: number }).port;
  const stdoutFile = join(work, 'stdout');
  // stdout goes to a file, stderr stays on the terminal: what the terminal shows came from stderr.
  const child = execa(
    'script',
    ['-qec', 'stty cols 120 rows 30; exec "$VC_NODE" "$VC_CLI" build $VC_ARGS > "$VC_STDOUT"', '/dev/null'],
    {
      env: {
        CI: undefined,
        NO_COLOR: '1',
        TERM: 'xterm',
        VC_NODE: process.execPath,
        VC_CLI: CLI,
        VC_ARGS: `--repo ${repo.url} --version v1.9.3 --push 127.0.0.1:${port}/coredns`,
        VC_STDOUT: stdoutFile,
        VC_COREDNS_CACHE: join(work, 'cache'),
      },
      stdin: 'pipe',
      reject: false,
    },
  );
  let screen = '';
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no task list on the terminal:\n${screen}`)), 60_000);
      child.stdout?.on('data', (b: Buffer) => {
        screen += b.toString();
        if (screen.includes('v1.9.3: checking the target')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  } finally {
    child.stdin?.write('\x03'); // typed Ctrl-C: the terminal sends SIGINT to the foreground process
  }
  const r = await child;
  screen += String(r.stdout);
  expect(r.exitCode, screen).toBe(130);
  expect(screen).toContain('error: interrupted; stopped every process it started and removed partial output');
  expect(await readFile(stdoutFile, 'utf8')).toBe('');
});
