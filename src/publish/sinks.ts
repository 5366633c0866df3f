// Sinks own their construction (sinkFor: one per output) and the question "is this target current?"
// (Sink.current). fanOutSink makes several targets one, current only when every target is.
import type Dockerode from 'dockerode';
import type { RegistryClient } from '../registry/client.js';
import { registrySignatureStore } from '../sign/registry-store.js';
import { dockerReference } from '../sign/simple-signing.js';
import type { SignatureStore } from '../sign/store.js';
import type { Current, Held, ImageIndex, Platform, Published, Sink } from '../types.js';
import { daemonSink } from './daemon.js';
import { dockerArchiveSink } from './docker-archive.js';
import { ociLayoutSink } from './oci-layout.js';
import { LAYOUT_IDENTITY, layoutSignatureStore } from './oci-signatures.js';
import type { Output } from './outputs.js';
import { registrySink } from './registry.js';

/** What sinks may need; the clients are made on first use (a run without --push needs no registry). */
export interface SinkDeps {
  registry: () => RegistryClient;
  docker: () => Dockerode;
  /** docker-archive: and --load: the platform they take (the plan chose it) */
  platform?: Platform | null;
}

/** The sink of an output; null for `binaries:`, which is no image (compile writes it). */
export function sinkFor(output: Output, deps: SinkDeps): Sink | null {
  const single = () => {
    if (!deps.platform) throw new Error(`sinkFor: ${output.kind} needs its platform`);
    return deps.platform;
  };
  switch (output.kind) {
    case 'binaries':
      return null;
    case 'oci':
      return ociLayoutSink(output.dir);
    case 'docker-archive':
      return dockerArchiveSink(output.file, single());
    case 'daemon':
      return daemonSink(deps.docker(), single());
    case 'registry':
      return registrySink(output.ref, deps.registry());
  }
}

/**
 * Where an output keeps signatures beside its images, and what they name: a registry repository
 * (cosign's `.sig`/`.att` tags), an OCI layout (the same under ref names; a layout has no repository, so
 * its signatures name `coredns`, as --load names the image). null for outputs that cannot hold them.
 */
export function signatureStoreFor(
  output: Output,
  deps: Pick<SinkDeps, 'registry'>,
): { store: SignatureStore; reference: string } | null {
  switch (output.kind) {
    case 'registry':
      return {
        store: registrySignatureStore(deps.registry().repository(output.ref, { push: true })),
        reference: dockerReference(output.ref),
      };
    case 'oci':
      return { store: layoutSignatureStore(output.dir), reference: LAYOUT_IDENTITY };
    default:
      return null;
  }
}

/** The held images of several targets as one: the same image (digest and build key) everywhere, or none. */
function combine(all: Current[]): Current {
  const problems = all.flatMap((c) => c.problems);
  const held = all.map((c) => c.held);
  const first = held[0];
  const same =
    first != null &&
    held.every(
      (h) => h != null && h.descriptor.digest === first.descriptor.digest && h.buildKey === first.buildKey,
    );
  if (!same) return { held: null, problems };
  const combined: Held = { ...first, refs: held.flatMap((h) => h?.refs ?? []) };
  return { held: combined, problems };
}

/**
 * Writes to every sink in order. current() and addTag() exist only when every sink has them: a target
 * that cannot tell what it holds (docker-archive, the daemon) makes the whole build run.
 */
export function fanOutSink(sinks: readonly Sink[]): Sink {
  const fan: Sink = {
    name: sinks.map((s) => s.name).join(', '),
    async write(index: ImageIndex, tag: string, signal?: AbortSignal): Promise<Published> {
      const refs: string[] = [];
      for (const s of sinks) refs.push(...(await s.write(index, tag, signal)).refs);
      return { refs, digest: index.digest };
    },
  };
  if (sinks.length > 0 && sinks.every((s) => s.current && s.addTag)) {
    fan.current = async (tag, signal) =>
      combine(await Promise.all(sinks.map((s) => (s.current as NonNullable<Sink['current']>)(tag, signal))));
    fan.addTag = async (held, tag, signal) => {
      const refs: string[] = [];
      for (const s of sinks)
        refs.push(...(await (s.addTag as NonNullable<Sink['addTag']>)(held, tag, signal)).refs);
      return { refs, digest: held.descriptor.digest };
    };
  }
  if (sinks.some((s) => s.attach)) {
    fan.attach = async (artifacts, signal) => {
      for (const s of sinks) await s.attach?.(artifacts, signal);
    };
  }
  return fan;
}
