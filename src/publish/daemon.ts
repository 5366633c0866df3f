// The Docker daemon sink (`--load`): loads one platform image through the Engine API (dockerode) as
// `coredns:<tag>` and checks that the daemon now has exactly our config under that name. new Dockerode()
// reads DOCKER_HOST (and DOCKER_TLS_VERIFY, DOCKER_CERT_PATH) as the docker CLI does.
import { Readable } from 'node:stream';
import type Dockerode from 'dockerode';
import { redact, VcError } from '../errors.js';
import type { ImageIndex, Platform, Published, Sink } from '../types.js';
import { abortError } from '../util/abort.js';
import { DEFAULT_REPOSITORY, dockerArchiveBytes, repoTagFor, selectPlatform } from './docker-archive.js';

export interface DaemonSinkOptions {
  /** The repository the image is tagged in (default `coredns`). */
  repository?: string;
}

function daemonError(message: string, cause: unknown): VcError {
  const detail = cause instanceof Error ? redact(cause.message) : redact(String(cause));
  return new VcError(`${message}: ${detail}`, {
    code: 'DOCKER_DAEMON',
    hint: 'is the Docker daemon running and reachable? DOCKER_HOST selects another one',
    cause,
  });
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
