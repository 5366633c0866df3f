// Stage types shared by the whole pipeline:
// resolve (versions) -> checkout (source) -> patch -> build (Go) -> assemble (image) -> publish (sinks)
import type { Artifact } from './attest/artifact.js';
import type { ArtifactSource } from './attest/read.js';

export type Shape = 'single-stack' | 'dual-stack';
export type ShapeOrNone = Shape | 'none';

/** Which conversion function carries the ClusterIP keyed element (ERAS.md section 1). */
export type ConversionSignature =
  | 'ToService(obj interface{}) interface{}'
  | 'toService(skipCleanup bool, obj interface{}) interface{}'
  | 'toService(skipCleanup bool, svc *api.Service) *Service'
  | 'ToService(obj meta.Object) (meta.Object, error)';

export type MakefileTrap =
  | 'release-commits-and-pushes'
  | 'godeps-network'
  | 'pre-go-get'
  | 'manifest-tool-check'
  | 'docker-manifest'
  | 'makefile-docker-downloads-upstream'
  | 'exports-gotoolchain'
  | 'zips-windows'
  // Added with src/versions/eras.ts (see the definitions there):
  | 'gh-release-check'
  | 'curl-check'
  | 'broken-docker-target';

/** One row of the era table (ERAS.md as data). Ranges are inclusive tags. */
export interface Era {
  /** e.g. "v1.8.1 - v1.14.7" */
  from: string;
  to: string | null;
  shape: ShapeOrNone;
  conversion: ConversionSignature | null;
  /** Patched by `patch`/`prepare`. */
  supported: boolean;
  /** Built by `build` (module mode, v1.5.0+). */
  buildable: boolean;
  /** Where the Go version comes from: go.mod `go` line, plus `.go-version` from v1.11.3. */
  goSource: 'gopath' | 'go.mod' | 'go.mod+.go-version';
  linuxArch: string[];
  traps: MakefileTrap[];
  base: 'alpine' | 'scratch' | 'distroless-static-debian11-nonroot' | 'distroless-static-debian12-nonroot';
  user: 'root' | 'nonroot';
  /** uid:gid the image runs as. */
  uid: number;
  capability: 'cap_net_bind_service' | null;
}

export interface Release {
  /** `v1.9.3` */
  version: string;
  /** the peeled commit of the tag */
  commit: string;
  era: Era;
}

export interface Checkout {
  dir: string;
  release: Release;
  /** true when vc-coredns created the directory (cache or temp) and may reset or remove it */
  owned: boolean;
}

export interface PatchResult {
  file: string;
  shape: Shape;
  /** null when nothing was planned (already patched) */
  strategy: 'ast' | 'text' | null;
  reason: string;
  changed: boolean;
  alreadyPatched: boolean;
  annotation: string;
  /** the key already present in the file, or null */
  foundAnnotation: string | null;
}

export interface Platform {
  os: string;
  arch: string;
  variant?: string;
}

export interface Binary {
  platform: Platform;
  path: string;
  sha256: string;
  /** the make command that built it (no machine paths) and the -ldflags make passed to go build (null: none) */
  make?: { command: string; ldflags: string | null };
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: { os: string; architecture: string; variant?: string };
  /** OCI 1.1: what an artifact manifest holds (referrers list it) */
  artifactType?: string;
}

/** A blob with its bytes; digest and size computed from the bytes. */
export interface Blob {
  descriptor: Descriptor;
  bytes: Uint8Array;
}

export interface PlatformImage {
  platform: Platform;
  config: Blob;
  layers: Blob[];
  manifest: Blob;
}

export interface ImageIndex {
  manifests: PlatformImage[];
  index: Blob;
  /** sha256:... of the index bytes */
  digest: string;
}

/** What a sink wrote (or found current). More outputs of a build (attachments) add fields here. */
export interface Published {
  /** how users name what was written: `registry/repo:tag@sha256:...`, `oci:DIR:TAG`, a path */
  refs: string[];
  /** the image index digest (a single-platform archive: its manifest's), null when not an image */
  digest: string | null;
}

/** An image a target already holds under a tag, read and checked (Sink.current). */
export interface Held {
  /** the index (or single manifest) under the tag */
  descriptor: Descriptor;
  /** its io.vc-coredns.build-key label; null when it has none (not built by vc-coredns) */
  buildKey: string | null;
  /** how users name it, as Published.refs */
  refs: string[];
  /** the platform manifests of the index (empty for a single manifest): what signing needs besides it */
  manifests: Descriptor[];
}

/** What a target holds under a tag. */
export interface Current {
  /** null when the tag names nothing, or nothing usable */
  held: Held | null;
  /** why what the tag names cannot be used as it is (a damaged or lost blob): said, then rebuilt */
  problems: string[];
}

/**
 * Where images go (publish/sinks.ts makes one per output). Behaviour is added by wrapping (fanOutSink),
 * not by flags inside each sink.
 */
export interface Sink {
  /** A short description for progress and errors, never carrying credentials. */
  readonly name: string;
  write(index: ImageIndex, tag: string, signal?: AbortSignal): Promise<Published>;
  /**
   * What the target holds under `tag`, every blob checked (skip-if-current). Only sinks that can tell
   * have it (OCI layout, registry); a build for the others always runs.
   */
  current?(tag: string, signal?: AbortSignal): Promise<Current>;
  /** Points `tag` at the image `held` names without writing it again (a skipped version's --also-tag). */
  addTag?(held: Held, tag: string, signal?: AbortSignal): Promise<Published>;
  /** Stores artifacts (SBOM, provenance) that refer to an image it holds (OCI layout, registry). */
  attach?(artifacts: readonly Artifact[], signal?: AbortSignal): Promise<void>;
  /** Where it keeps the artifacts that refer to its images. */
  artifacts?(): ArtifactSource;
}
