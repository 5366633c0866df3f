// Runs a CoreDNS binary against the fake Kubernetes API and asks it the smoke cases. The binary runs as
// an unprivileged child (nobody, when vc-coredns is root) on a free port of 127.0.0.1 with a Corefile
// written here; the binary, the API server and every socket are gone when this returns or throws,
// also on abort, on the timeout and when the binary crashes. Only the work dir may stay (`keep`).
import { chmod, copyFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execaRunner, type Runner, type RunResult } from '../compile/runner.js';
import { VcError } from '../errors.js';
import { readinessCase, type Scenario, smokeScenario } from './cases.js';
import { corefile, parsePlugins, parseVersionLine } from './corefile.js';
import { queryDns } from './dns-client.js';
import { smokeEra } from './era.js';
import { type FakeApi, kubeVersion, type RequestRecord, startFakeApi } from './fake-api.js';
import { freeDnsPort } from './free-port.js';
import { type CaseResult, judge, type Verdict, verdictOf } from './verdict.js';

export const DEFAULT_TIMEOUT_SECONDS = 60;
const PROBE_TIMEOUT_MS = 15_000;
const QUERY_TIMEOUT_MS = 2_000;
const LOG_TAIL_LINES = 20;
/** nobody:nogroup */
const UNPRIVILEGED = 65534;

export interface SmokeBinaryRequest {
  /** a CoreDNS executable: a path (copied into the work dir) or its bytes */
  binary: string | Uint8Array;
  /** the annotation key in use */
  key: string;
  /** the whole run, start to stop */
  timeoutMs: number;
  /** keep the work dir (Corefile, the binary's log, the API request log) */
  keep?: boolean;
  signal?: AbortSignal;
  /** progress lines (stderr) */
  log?: (line: string) => void;
  /** each API request as one line (`--debug`) */
  onRequest?: (line: string) => void;
  runner?: Runner;
  /** where the work dir is made (default: the OS temp dir) */
  tmpDir?: string;
}

export interface SmokeRun {
  /** what `-version` printed, on one line, e.g. `CoreDNS-1.9.3, linux/amd64, go1.19.13, 1a2b3c4` */
  coredns: string | null;
  /** `v1.9.3`, or null when the binary did not say */
  version: string | null;
  /** the Kubernetes minor the fake API reported */
  kubernetes: string;
  dualStack: boolean;
  cases: CaseResult[];
  verdict: Verdict;
  ok: boolean;
  /** why the run failed other than by an answer: did not start, crashed, timed out */
  error: string | null;
  /** the binary's last log lines when it failed */
  logTail: string[];
  /** the kept work dir, or null */
  dir: string | null;
  seconds: number;
  requests: RequestRecord[];
  /** every process started, by pid (all gone when this returns) */
  pids: number[];
}

function formatRequest(r: RequestRecord): string {
  return `${r.method} ${r.url} -> ${r.status}${r.watch ? ' (watch)' : ''}  accept=${r.accept || '-'}  ua=${r.userAgent || '-'}`;
}

function tail(text: string, n = LOG_TAIL_LINES): string[] {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  return lines.slice(-n);
}

function describeExit(r: RunResult): string {
  if (r.spawnError) return `could not start: ${r.spawnError}`;
  if (r.signal) return `was killed by ${r.signal}`;
  return `exited with code ${r.exitCode}`;
}

/** Every folder above dir must let others pass (o+x): the binary runs as nobody. */
async function assertTraversable(dir: string): Promise<void> {
  for (let d = dirname(dir); ; d = dirname(d)) {
    const s = await stat(d);
    if ((s.mode & 0o001) === 0) {
      throw new VcError(
        `the smoke test runs CoreDNS as nobody, who cannot reach ${dir}: ${d} is closed to others`,
        {
          code: 'SMOKE_TMPDIR',
          hint: `point TMPDIR at a folder every user can pass through (chmod o+x ${d}), e.g. TMPDIR=/tmp`,
        },
      );
    }
    if (d === dirname(d)) return;
  }
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

export async function smokeBinary(req: SmokeBinaryRequest): Promise<SmokeRun> {
  const started = Date.now();
  const run = req.runner ?? execaRunner;
  const outer = req.signal ?? new AbortController().signal;
  const timeout = AbortSignal.timeout(req.timeoutMs);
  const signal = AbortSignal.any([outer, timeout]);
  const log = req.log ?? (() => {});
  const root = process.getuid?.() === 0;
  const ids = root ? { uid: UNPRIVILEGED, gid: UNPRIVILEGED } : {};
  const env = (dir: string) => ({ PATH: '/usr/local/bin:/usr/bin:/bin', HOME: dir, TMPDIR: dir });

  const dir = await mkdtemp(join(req.tmpDir ?? tmpdir(), 'vc-coredns-smoke-'));
  const pids: number[] = [];
  let api: FakeApi | null = null;
  let server: { stop: AbortController; done: Promise<RunResult> } | null = null;
  const result: SmokeRun = {
    coredns: null,
    version: null,
    kubernetes: '',
    dualStack: true,
    cases: [],
    verdict: 'failed',
    ok: false,
    error: null,
    logTail: [],
    dir: null,
    seconds: 0,
    requests: [],
    pids,
  };
  const fail = (error: string, logText: string) => {
    result.error = error;
    result.logTail = tail(logText);
  };
  const timedOut = () => timeout.aborted && !outer.aborted;
  const timeoutMessage = () => `no result within ${Math.round(req.timeoutMs / 1000)} s (--timeout)`;

  try {
    await chmod(dir, 0o755); // the unprivileged child must reach its binary and Corefile
    if (root) await assertTraversable(dir);
    const binary = join(dir, 'coredns');
    if (typeof req.binary === 'string') await copyFile(req.binary, binary);
    else await writeFile(binary, req.binary);
    await chmod(binary, 0o755);

    // Probes: the version it says and the plugins it has. A binary that cannot even print its version
    // (a crash at start, the wrong architecture) fails here with its output.
    // Each probe's output goes to probe.log; null when it failed (then `result` says why).
    const probe = async (flag: string): Promise<string | null> => {
      const r = await run(binary, [flag], {
        cwd: dir,
        env: env(dir),
        ...ids,
        signal: AbortSignal.any([signal, AbortSignal.timeout(PROBE_TIMEOUT_MS)]),
        onSpawn: (pid) => pids.push(pid),
      });
      await writeFile(join(dir, 'probe.log'), `$ coredns ${flag}\n${r.output}`, { flag: 'a' });
      if (outer.aborted) throw outer.reason;
      if (r.exitCode === 0) return r.output;
      fail(timedOut() ? timeoutMessage() : `coredns ${flag} ${describeExit(r)}`, r.spawnError ?? r.output);
      return null;
    };
    const version = await probe('-version');
    if (version === null) return result;
    result.coredns = versionText(version);
    result.version = parseVersionLine(version);
    const plugins = await probe('-plugins');
    if (plugins === null) return result;
    const pluginNames = parsePlugins(plugins);

    const era = smokeEra(result.version);
    result.kubernetes = era.kubernetes;
    result.dualStack = era.dualStack;
    const scenario: Scenario = smokeScenario({ key: req.key, dualStack: era.dualStack });
    api = await startFakeApi({
      version: kubeVersion(era.kubernetes),
      objects: scenario.objects,
      onRequest: (r) => req.onRequest?.(formatRequest(r)),
    });
    result.requests = api.requests;

    const port = await freeDnsPort();
    await writeFile(join(dir, 'Corefile'), corefile({ apiUrl: api.url, plugins: pluginNames }), {
      mode: 0o644,
    });
    const logFile = join(dir, 'coredns.log');
    const stop = new AbortController();
    log(
      `starting ${result.coredns ?? 'coredns'} on 127.0.0.1:${port} against a fake Kubernetes ${era.kubernetes} API at ${api.url}`,
    );
    let exited: RunResult | null = null;
    const done = run(binary, ['-conf', join(dir, 'Corefile'), '-dns.port', String(port)], {
      cwd: dir,
      env: env(dir),
      ...ids,
      logFile,
      signal: AbortSignal.any([signal, stop.signal]),
      onSpawn: (pid) => pids.push(pid),
    }).then((r) => {
      exited = r;
      return r;
    });
    server = { stop, done };
    const serverLog = () => readFile(logFile, 'utf8').catch(() => '');

    // Ready when the plain Service resolves: CoreDNS serves and its informers have synced.
    const ready = readinessCase(scenario);
    let answered = false;
    while (!signal.aborted && exited === null) {
      try {
        const got = await queryDns({
          port,
          name: ready.question,
          type: ready.type,
          transport: 'udp',
          timeoutMs: 500,
          attempts: 1,
          signal,
        });
        if (got.rcode === 'NOERROR' && got.data.length > 0) {
          answered = true;
          break;
        }
      } catch {
        // not serving yet
      }
      await sleep(200, signal);
    }
    if (outer.aborted) throw outer.reason;
    if (!answered) {
      const crashed = exited as RunResult | null;
      fail(
        crashed && !timedOut() ? `CoreDNS ${describeExit(crashed)} before it answered` : timeoutMessage(),
        await serverLog(),
      );
      return result;
    }

    for (const c of scenario.cases) {
      if (signal.aborted || exited !== null) break;
      try {
        const got = await queryDns({
          port,
          name: c.question,
          type: c.type,
          transport: c.transport,
          timeoutMs: QUERY_TIMEOUT_MS,
          signal,
        });
        result.cases.push(judge(c, got));
      } catch (e) {
        result.cases.push(judge(c, null, (e as Error).message));
      }
    }
    if (outer.aborted) throw outer.reason;
    const crashed = exited as RunResult | null;
    const whileAnswering = (r: RunResult) => `CoreDNS ${describeExit(r)} while answering`;
    if (result.cases.length < scenario.cases.length) {
      fail(crashed && !timedOut() ? whileAnswering(crashed) : timeoutMessage(), await serverLog());
    } else if (crashed && !crashed.aborted) {
      fail(whileAnswering(crashed), await serverLog());
    }
    result.verdict = verdictOf(result.cases, result.error === null);
    result.ok = result.verdict === 'ok';
    if (result.verdict === 'failed' && result.error === null) result.logTail = tail(await serverLog());
    return result;
  } finally {
    if (server) {
      server.stop.abort();
      await server.done;
    }
    if (api) await api.close();
    if (req.keep) {
      if (api) await writeFile(join(dir, 'api-requests.log'), api.requests.map(formatRequest).join('\n'));
      result.dir = dir;
    } else {
      await rm(dir, { recursive: true, force: true });
    }
    result.seconds = Math.round((Date.now() - started) / 100) / 10;
  }
}

/**
 * `coredns -version` on one line: `CoreDNS-1.9.3, linux/amd64, go1.18.10, 45b0a11`. Releases that print
 * the ASCII-art banner (v1.6.4 - v1.6.6) put each fact after a `~ ` beside the art: only those are kept.
 */
export function versionText(output: string): string | null {
  const lines = output
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const marked = lines.filter((l) => l.includes('~ ')).map((l) => l.slice(l.lastIndexOf('~ ') + 2).trim());
  return (marked.length > 0 ? marked : lines).map((l) => l.replace(/,$/, '')).join(', ') || null;
}
