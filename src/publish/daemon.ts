// The Docker daemon sink (`--load`): loads one platform image through the Engine API (dockerode) as
// `coredns:<tag>` and checks that the daemon now has exactly our config under that name. Which daemon:
// docker-endpoint.ts (DOCKER_HOST, contexts); connectDaemon() checks it answers before any work starts.
import { Agent as HttpsAgent } from 'node:https';
import { Readable } from 'node:stream';
import type Dockerode from 'dockerode';
import { badInput, redact, VcError } from '../errors.js';
import type { ImageIndex, Platform, Published, Sink } from '../types.js';
import { abortError } from '../util/abort.js';
import { DEFAULT_REPOSITORY, dockerArchiveBytes, repoTagFor, selectPlatform } from './docker-archive.js';
import { type DockerEndpoint, resolveDockerEndpoint } from './docker-endpoint.js';

export interface DaemonSinkOptions {
  /** The repository the image is tagged in (default `coredns`). */
  repository?: string;
}

function daemonError(message: string, cause: unknown): VcError {
  const detail = cause instanceof Error ? redact(cause.message) : redact(String(cause));
  return new VcError(`${message}: ${detail}`, {
    code: 'DOCKER_DAEMON',
    hint: 'is the Docker daemon running and reachable? DOCKER_HOST, DOCKER_CONTEXT or `docker context use` choose another',
    cause,
  });
}

/** dockerode's options for an endpoint, every field explicit (docker-modem would fill gaps from process.env). */
export function dockerodeOptions(ep: DockerEndpoint): Dockerode.DockerOptions {
  const common = { headers: ep.headers, ca: undefined, cert: undefined, key: undefined };
  const url = /^[a-z]+:\/\//i.test(ep.host) ? new URL(ep.host) : new URL(`tcp://${ep.host}`);
  switch (url.protocol) {
    case 'unix:':
      return { ...common, socketPath: decodeURIComponent(url.pathname), host: undefined, protocol: 'http' };
    case 'tcp:':
    case 'http:':
    case 'https:': {
      const tls = ep.tls ?? (url.protocol === 'https:' ? { skipVerify: false } : undefined);
      const files = { ca: tls?.ca, cert: tls?.cert, key: tls?.key };
      return {
        ...common,
        ...files,
        host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
        port: url.port || (tls ? '2376' : '2375'),
        protocol: tls ? 'https' : 'http',
        // docker-modem passes no rejectUnauthorized: an agent of our own carries it.
        ...(tls?.skipVerify ? { agent: new HttpsAgent({ ...files, rejectUnauthorized: false }) } : {}),
      } as Dockerode.DockerOptions;
    }
    default:
      throw badInput(
        `the Docker endpoint ${redact(ep.host)} (from ${ep.source}) is not one vc-coredns can reach`,
        'DOCKER_ENDPOINT',
        url.protocol === 'ssh:'
          ? "forward the daemon's socket instead (ssh -NL /tmp/docker.sock:/var/run/docker.sock HOST) and set DOCKER_HOST=unix:///tmp/docker.sock"
          : 'use a unix:// or tcp:// endpoint',
      );
  }
}

/** The daemon behind an endpoint, checked to answer (its platform is what --load loads). */
export async function connectDaemon(
  ep: DockerEndpoint,
  signal?: AbortSignal,
): Promise<{ docker: Dockerode; platform: Platform }> {
  const options = dockerodeOptions(ep);
  const { default: DockerodeClass } = await import('dockerode');
  const docker = new DockerodeClass(options);
  try {
    return { docker, platform: await daemonPlatform(docker, signal) };
  } catch (e) {
    if (signal?.aborted) throw e;
    const cause = (e as { cause?: unknown }).cause ?? e;
    throw daemonError(`cannot reach the Docker daemon at ${redact(ep.host)} (from ${ep.source})`, cause);
  }
}

/** The daemon's own platform (what `--load` should load). */
export async function daemonPlatform(docker: Dockerode, signal?: AbortSignal): Promise<Platform> {
  try {
    // The typings omit the options argument that dockerode 5 accepts (for abortSignal).
    const version = docker.version as unknown as (opts: object) => Promise<Dockerode.DockerVersion>;
    const v = await version.call(docker, signal ? { abortSignal: signal } : {});
    return { os: v.Os, arch: v.Arch };
  } catch (e) {
    throw daemonError('cannot reach the Docker daemon', e);
  }
}

interface LoadMessage {
  stream?: string;
  error?: string;
  errorDetail?: { message?: string };
}

function followLoad(docker: Dockerode, stream: NodeJS.ReadableStream): Promise<LoadMessage[]> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(stream, (err: Error | null, output: LoadMessage[]) =>
      err ? reject(err) : resolve(output),
    );
  });
}

export function daemonSink(docker: Dockerode, platform: Platform, opts: DaemonSinkOptions = {}): Sink {
  const repository = opts.repository ?? DEFAULT_REPOSITORY;
  return {
    name: 'docker-daemon',
    async write(index: ImageIndex, tag: string, signal?: AbortSignal): Promise<Published> {
      const image = selectPlatform(index, platform);
      const repoTag = repoTagFor(repository, tag);
      const archive = dockerArchiveBytes(image, repoTag);
      let output: LoadMessage[];
      try {
        const response = await docker.loadImage(
          Readable.from([Buffer.from(archive.buffer, archive.byteOffset, archive.byteLength)]),
          {
            quiet: '1',
            ...(signal ? { abortSignal: signal } : {}),
          },
        );
        output = await followLoad(docker, response);
      } catch (e) {
        if (signal?.aborted) throw abortError(signal);
        throw daemonError(`docker load of ${repoTag} failed`, e);
      }
      const failed = output.find((m) => m.error || m.errorDetail);
      if (failed)
        throw daemonError(`docker load of ${repoTag} failed`, failed.error ?? failed.errorDetail?.message);
      let id: string;
      try {
        id = (await docker.getImage(repoTag).inspect()).Id;
      } catch (e) {
        throw daemonError(`the daemon has no ${repoTag} after loading it`, e);
      }
      if (id !== image.config.descriptor.digest) {
        throw new VcError(
          `the daemon's ${repoTag} is ${id}, not the image just loaded (${image.config.descriptor.digest})`,
          {
            code: 'DOCKER_DAEMON',
          },
        );
      }
      return { refs: [repoTag], digest: index.digest };
    },
  };
}

/** A daemon that answered: where it is, its client, and its platform. */
export interface DockerDaemon {
  endpoint: DockerEndpoint;
  docker: Dockerode;
  platform: Platform;
}

/**
 * The preflight of `--load`: the daemon found as the docker CLI finds it (DOCKER_HOST, DOCKER_CONTEXT,
 * currentContext), asked for its version before anything is cloned or compiled.
 */
export async function checkDockerDaemon(env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<DockerDaemon> {
  const endpoint = await resolveDockerEndpoint(env);
  return { endpoint, ...(await connectDaemon(endpoint, signal)) };
}
