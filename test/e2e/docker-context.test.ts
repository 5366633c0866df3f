// `build --load` finds the daemon as the docker CLI does: DOCKER_HOST, DOCKER_CONTEXT, config.json's
// currentContext, the context store. Contexts are made by Debian's docker client itself (`docker
// context create/use` into a private DOCKER_CONFIG): one points at the test dockerd (through a relay
// of ours on a unix socket that records request headers, to see config.json's HttpHeaders arrive), one
// at a socket nobody listens on. A dead or unknown daemon stops the run before anything is cloned.
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuildEffects, BuildSummary } from '../../src/pipeline/build.js';
import type { Context } from '../../src/pipeline/context.js';
import { planBuild } from '../../src/pipeline/plan.js';
import { dockerDaemon, runPreflight } from '../../src/pipeline/preflight.js';
import { resolveDockerEndpoint } from '../../src/publish/docker-endpoint.js';
import { eraFor, formatPlatform, hostPlatform } from '../../src/versions/index.js';
import { buildRequest } from '../support/build-request.js';
import { json, vc } from '../support/cli.js';
import { DOCKER_CLI, type Dockerd, startDockerd } from '../support/dockerd.js';
import { rejection } from '../support/errors.js';
import { createFixtureRepo, type FixtureRepo } from '../support/fixture.js';
import { goEnv } from '../support/go-harness.js';

let work: string;
let repo: FixtureRepo;
let dockerd: Dockerd;
let relay: Server;
const relaySockets = new Set<Socket>();
/** The text of every request the relay passed to the daemon (headers included). */
let seen = '';
let config: string;
const relayPath = () => join(work, 'relay.sock');
const deadPath = () => join(work, 'dead.sock');

/** Debian's docker client on the private config dir: it writes the context store we read. */
const dockerCli = (args: string[]) =>
  execa(DOCKER_CLI, args, {
    env: { DOCKER_CONFIG: config, DOCKER_HOST: undefined, DOCKER_CONTEXT: undefined },
  });

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vc-context-'));
  config = join(work, 'docker-config');
  await mkdir(config);
  [repo, dockerd] = await Promise.all([createFixtureRepo(join(work, 'repo')), startDockerd()]);
  relay = createServer((client) => {
    const upstream = connect(dockerd.socket);
    for (const s of [client, upstream]) {
      relaySockets.add(s);
      s.on('close', () => relaySockets.delete(s));
      s.on('error', () => s.destroy());
    }
    client.on('data', (d: Buffer) => {
      seen += d.toString('latin1');
    });
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => relay.listen(relayPath(), resolve));
  await dockerCli(['context', 'create', 'live', '--docker', `host=unix://${relayPath()}`]);
  await dockerCli(['context', 'create', 'dead', '--docker', `host=unix://${deadPath()}`]);
});
afterAll(async () => {
  for (const s of relaySockets) s.destroy();
  await new Promise<void>((resolve) => relay.close(() => resolve()));
  await dockerd?.stop();
  await rm(work, { recursive: true, force: true });
});

/** The daemon is chosen by what each test sets: DOCKER_HOST and DOCKER_CONTEXT start unset. */
const env = (extra: Record<string, string>): Record<string, string | undefined> => ({
  ...goEnv({ VC_COREDNS_CACHE: join(work, 'cache'), DOCKER_CONFIG: config, CI: 'true', ...extra }),
  ...(extra.DOCKER_HOST ? {} : { DOCKER_HOST: undefined }),
  ...(extra.DOCKER_CONTEXT ? {} : { DOCKER_CONTEXT: undefined }),
});

describe('which Docker daemon', () => {
  it('reads the store the docker CLI wrote: DOCKER_HOST wins, then DOCKER_CONTEXT, then currentContext', async () => {
    const base = { DOCKER_CONFIG: config };
    expect(await resolveDockerEndpoint(base)).toEqual({
      host: 'unix:///var/run/docker.sock',
      source: 'the default socket',
      headers: {},
    });
    expect(await resolveDockerEndpoint({ ...base, DOCKER_CONTEXT: 'live' })).toMatchObject({
      host: `unix://${relayPath()}`,
      source: 'context "live" (DOCKER_CONTEXT)',
    });
    expect(
      await resolveDockerEndpoint({ ...base, DOCKER_CONTEXT: 'dead', DOCKER_HOST: dockerd.host }),
    ).toMatchObject({ host: dockerd.host, source: 'DOCKER_HOST' });
    const e = await rejection(resolveDockerEndpoint({ ...base, DOCKER_CONTEXT: 'nowhere' }));
    expect([e.exitCode, e.message, e.hint]).toEqual([
      2,
      'the Docker context "nowhere" (from DOCKER_CONTEXT) does not exist',
      '`docker context ls` lists the contexts; set DOCKER_CONTEXT to one of them, or unset it',
    ]);
  });

  it('build --load through `docker context use live` loads into that daemon, sending config.json HttpHeaders', async () => {
    await dockerCli(['context', 'use', 'live']);
    // the docker CLI keeps currentContext in config.json; HttpHeaders go beside it
    const { readDockerConfig } = await import('../../src/util/docker-config.js');
    const cfg = await readDockerConfig(config);
    expect(cfg.currentContext).toBe('live');
    await writeFile(
      join(config, 'config.json'),
      JSON.stringify({ ...cfg, HttpHeaders: { 'X-Vc-Test': 'from-config-json' } }),
    );
    seen = '';
    const r = await vc(
      ['build', '--repo', repo.url, '--version', 'v1.9.3', '--platforms', 'linux/amd64', '--load', '--json'],
      { env: env({}), cwd: work },
    );
    expect(r.exitCode, r.stderr).toBe(0);
    expect(json<BuildSummary>(r).builds[0]?.refs).toEqual(['coredns:v1.9.3']);
    const inspected = await dockerd.docker.getImage('coredns:v1.9.3').inspect();
    expect(inspected.RepoTags).toContain('coredns:v1.9.3');
    // every request to the daemon (version, load, inspect) carried the header
    const heads = [...seen.matchAll(/(?:GET|POST|HEAD) \/\S* HTTP\/1\.1\r\n[\s\S]*?\r\n\r\n/g)].map(
      (m) => m[0],
    );
    expect(heads.some((h) => h.startsWith('POST /images/load'))).toBe(true);
    expect(heads.length).toBeGreaterThanOrEqual(3);
    expect(heads.filter((h) => !/\r\nx-vc-test: from-config-json\r\n/i.test(h))).toEqual([]);
    await dockerCli(['context', 'use', 'default']);
  });

  it('a context whose daemon is dead fails the preflight (exit 1): nothing is cloned or compiled', async () => {
    const cache = join(work, 'cache-dead');
    const r = await vc(['build', '--repo', repo.url, '--version', 'v1.9.3', '--load'], {
      env: env({ DOCKER_CONTEXT: 'dead', VC_COREDNS_CACHE: cache }),
    });
    expect(r.exitCode).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines.slice(-2)).toEqual([
      `error: cannot reach the Docker daemon at unix://${deadPath()} (from context "dead" (DOCKER_CONTEXT)): connect ENOENT ${deadPath()}`,
      'hint: is the Docker daemon running and reachable? DOCKER_HOST, DOCKER_CONTEXT or `docker context use` choose another',
    ]);
    // resolving the tags is all that ran before: no checkout, no build
    expect(
      lines.filter(
        (l) =>
          /checking out|checkout|building|build/.test(l) && !l.startsWith('error:') && !l.startsWith('hint:'),
      ),
    ).toEqual([]);
    // what resolving the tags keeps (tags/, go-minimum.json) is all: no checkouts/, no build logs/
    const kept = await readdir(cache).catch(() => [] as string[]);
    expect(kept.filter((d) => d === 'checkouts' || d === 'logs')).toEqual([]);
  });

  it('the preflight check hands the build the daemon it reached, and says when --load loads another platform', async () => {
    const warnings: string[] = [];
    const ctx = {
      env: { DOCKER_CONFIG: config, DOCKER_CONTEXT: 'live' },
      signal: new AbortController().signal,
      reporter: { warn: (m: string) => warnings.push(m) },
    } as unknown as Context;
    const planFor = (platforms: string) =>
      planBuild(
        [{ version: 'v1.9.3', commit: 'a'.repeat(40), era: eraFor('v1.9.3') }],
        buildRequest({
          selection: { spec: 'v1.9.3', buildable: true },
          repoUrl: repo.url,
          platforms,
          load: true,
          cwd: work,
        }),
        { platform: hostPlatform(process.arch), runs: [hostPlatform(process.arch)] },
      );
    const v = await dockerd.docker.version();
    const daemonPlatform = formatPlatform({ os: v.Os, arch: v.Arch });
    const same = await runPreflight(
      planFor(daemonPlatform),
      { ctx, effects: {} as BuildEffects, dryRun: false },
      [dockerDaemon],
    );
    expect(same.get(dockerDaemon).endpoint.source).toBe('context "live" (DOCKER_CONTEXT)');
    expect((await same.get(dockerDaemon).docker.ping()).toString()).toBe('OK');
    expect(warnings).toEqual([]);
    const other = daemonPlatform === 'linux/arm64' ? 'linux/amd64' : 'linux/arm64';
    await runPreflight(planFor(other), { ctx, effects: {} as BuildEffects, dryRun: false }, [dockerDaemon]);
    expect(warnings).toEqual([
      `the Docker daemon (context "live" (DOCKER_CONTEXT)) is ${daemonPlatform}; --load loads ${other}, which it can hold but not run (--platforms ${daemonPlatform} builds its own)`,
    ]);
  });

  it('an unknown context is bad input (exit 2)', async () => {
    const r = await vc(['build', '--repo', repo.url, '--version', 'v1.9.3', '--load'], {
      env: env({ DOCKER_CONTEXT: 'nowhere' }),
    });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('error: the Docker context "nowhere" (from DOCKER_CONTEXT) does not exist');
  });
});
