// A private Docker daemon for tests: Debian's dockerd (vfs storage, no bridge, no iptables) with its own
// data and exec roots under a temp dir and a private unix socket. Stopped by its pid (SIGTERM, wait,
// SIGKILL), its folders removed afterwards. Nothing here touches a daemon the machine may already run.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Dockerode from 'dockerode';
import { execa } from 'execa';
import { alive } from './processes.js';

export const DOCKERD = '/usr/sbin/dockerd';
/** Debian's client: /usr/local/bin/docker may be a newer client that shadows it. */
export const DOCKER_CLI = '/usr/bin/docker';

export interface Dockerd {
  /** The unix socket path. */
  socket: string;
  /** `unix://<socket>`, for DOCKER_HOST or `docker -H`. */
  host: string;
  docker: Dockerode;
  /** Runs Debian's docker client against this daemon. */
  cli(
    args: string[],
    opts?: { input?: string; reject?: boolean },
  ): Promise<{ exitCode: number; stdout: string; stderr: string }>;
  stop(): Promise<void>;
}

async function exited(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return true;
  return Promise.race([
    new Promise<boolean>((resolve) => child.once('exit', () => resolve(true))),
    sleep(ms).then(() => false),
  ]);
}

async function waitGone(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (alive(pid)) {
    if (Date.now() > deadline) return false;
    await sleep(100);
  }
  return true;
}

async function readPid(file: string): Promise<number | null> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const pid = Number.parseInt(text.trim(), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

/** Unmounts whatever the daemon left mounted under dir (container shm, netns), deepest first. */
async function unmountUnder(dir: string): Promise<void> {
  const info = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
  const points = info
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((p) => p === dir || p.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const p of points) await execa('umount', ['-l', p], { reject: false });
}

/** Starts a private dockerd and waits until `/_ping` answers (up to 90 s). */
export async function startDockerd(): Promise<Dockerd> {
  const root = await mkdtemp(join(tmpdir(), 'vc-dockerd-'));
  const socket = join(root, 'docker.sock');
  const pidfile = join(root, 'docker.pid');
  const logFile = join(root, 'dockerd.log');
  const configFile = join(root, 'daemon.json');
  const execRoot = join(root, 'exec');
  await writeFile(configFile, '{}\n');
  const log = openSync(logFile, 'a');
  const child = spawn(
    DOCKERD,
    [
      '--iptables=false',
      '--ip6tables=false',
      '--bridge=none',
      '--storage-driver=vfs',
      '--data-root',
      join(root, 'data'),
      '--exec-root',
      execRoot,
      '-H',
      `unix://${socket}`,
      '--pidfile',
      pidfile,
      '--config-file',
      configFile,
    ],
    { stdio: ['ignore', log, log] },
  );
  closeSync(log);
  const docker = new Dockerode({ socketPath: socket });
  // If the test process ends without stop(), do not leave the daemon running (its folders stay).
  const onExit = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  };
  process.once('exit', onExit);

  const stop = async (): Promise<void> => {
    process.removeListener('exit', onExit);
    const pid = (await readPid(pidfile)) ?? child.pid ?? null;
    // dockerd runs its own containerd; if dockerd has to be killed, that one is ended by its pid too.
    const containerdPid = await readPid(join(execRoot, 'containerd', 'containerd.pid'));
    if (pid !== null && alive(pid)) {
      process.kill(pid, 'SIGTERM');
      if (!(await exited(child, 30_000)) && !(await waitGone(pid, 1_000))) {
        process.kill(pid, 'SIGKILL');
        await waitGone(pid, 10_000);
      }
    }
    if (containerdPid !== null && alive(containerdPid)) {
      process.kill(containerdPid, 'SIGTERM');
      if (!(await waitGone(containerdPid, 10_000))) {
        process.kill(containerdPid, 'SIGKILL');
        await waitGone(containerdPid, 5_000);
      }
    }
    await unmountUnder(root);
    await rm(root, { recursive: true, force: true, maxRetries: 3 });
  };

  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      const tail = (await readFile(logFile, 'utf8').catch(() => '')).split('\n').slice(-20).join('\n');
      await stop();
      throw new Error(`dockerd exited early (${child.exitCode ?? child.signalCode}):\n${tail}`);
    }
    try {
      await docker.ping();
      break;
    } catch {
      if (Date.now() > deadline) {
        const tail = (await readFile(logFile, 'utf8').catch(() => '')).split('\n').slice(-20).join('\n');
        await stop();
        throw new Error(`dockerd did not answer /_ping within 90 s:\n${tail}`);
      }
      await sleep(200);
    }
  }

  const host = `unix://${socket}`;
  return {
    socket,
    host,
    docker,
    async cli(args, opts = {}) {
      const r = await execa(DOCKER_CLI, ['-H', host, ...args], {
        reject: opts.reject ?? true,
        ...(opts.input !== undefined ? { input: opts.input } : {}),
        env: { DOCKER_CONFIG: join(root, 'client-config') },
      });
      return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
    },
    stop,
  };
}
