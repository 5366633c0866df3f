// What `build` writes, parsed from --output, --push and --load before anything runs.
import { resolve } from 'node:path';
import { badInput } from '../errors.js';
import { type ImageRef, parseRef, repoName } from '../registry/ref.js';

export type Output =
  | { kind: 'oci'; dir: string }
  | { kind: 'docker-archive'; file: string }
  | { kind: 'binaries'; dir: string }
  | { kind: 'registry'; ref: ImageRef; text: string }
  | { kind: 'daemon' };

export const DEFAULT_OCI_DIR = 'dist/oci';

const OUTPUT_HINT = 'use --output oci:DIR, --output docker-archive:FILE or --output binaries:DIR';

/** One `--output TYPE:PATH`. */
export function parseOutput(spec: string, cwd: string): Output {
  const colon = spec.indexOf(':');
  const kind = colon === -1 ? spec : spec.slice(0, colon);
  const path = colon === -1 ? '' : spec.slice(colon + 1);
  if (!['oci', 'docker-archive', 'binaries'].includes(kind)) {
    throw badInput(`unknown output ${JSON.stringify(spec)}`, 'BAD_OUTPUT', OUTPUT_HINT);
  }
  if (path === '') throw badInput(`--output ${kind}: needs a path`, 'BAD_OUTPUT', OUTPUT_HINT);
  const abs = resolve(cwd, path);
  if (kind === 'oci') return { kind, dir: abs };
  if (kind === 'binaries') return { kind, dir: abs };
  return { kind: 'docker-archive', file: abs };
}

/**
 * All outputs of a run. With none named, an OCI layout in ./dist/oci; `--load` alone writes nothing else.
 */
export function parseOutputs(
  opts: { output?: string[]; push?: string[]; load?: boolean },
  cwd: string,
): Output[] {
  const outputs = (opts.output ?? []).map((o) => parseOutput(o, cwd));
  for (const p of opts.push ?? []) outputs.push({ kind: 'registry', ref: parseRef(p), text: p });
  if (opts.load) outputs.push({ kind: 'daemon' });
  if (outputs.length === 0) outputs.push({ kind: 'oci', dir: resolve(cwd, DEFAULT_OCI_DIR) });
  if (outputs.filter((o) => o.kind === 'binaries').length > 1) {
    throw badInput('--output binaries: can be given once', 'BAD_OUTPUT');
  }
  return outputs;
}

/** The outputs that take one platform's image (docker-archive:, --load), named as in messages. */
export function singlePlatformOutput(o: Output): string | null {
  if (o.kind === 'docker-archive') return '--output docker-archive:';
  if (o.kind === 'daemon') return '--load';
  return null;
}

export function describeOutput(o: Output): string {
  switch (o.kind) {
    case 'oci':
      return `oci:${o.dir}`;
    case 'docker-archive':
      return `docker-archive:${o.file}`;
    case 'binaries':
      return `binaries:${o.dir}`;
    case 'registry':
      return o.text;
    case 'daemon':
      return 'the Docker daemon';
  }
}

/** Where an output writes: the layout or binaries folder, the archive file, the repository. */
export function outputLocation(o: Output): string {
  switch (o.kind) {
    case 'oci':
    case 'binaries':
      return o.dir;
    case 'docker-archive':
      return o.file;
    case 'registry':
      return repoName(o.ref);
    case 'daemon':
      return 'docker-daemon';
  }
}
