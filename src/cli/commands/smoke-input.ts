// The one place `smoke` reads an image: `oci:DIR:TAG` and registry refs through verify's readers,
// `docker-archive:FILE` here. Kept behind readSmokeImage so the shared image reader can replace it.
import { readFile } from 'node:fs/promises';
import { badInput, VcError } from '../../errors.js';
import { sha256Digest } from '../../image/digest.js';
import { parseConfig, parseManifest } from '../../image/read.js';
import { parseTar } from '../../image/tar.js';
import type { VerifyInput } from '../../image/verify.js';
import type { CommandEnv } from './shared.js';
import { fetchFromLayout, fetchFromRegistry } from './verify.js';

/** A `docker save` / `--output docker-archive:` tar: its manifest.json's first image. */
export async function readDockerArchive(spec: string): Promise<VerifyInput> {
  const file = spec.slice('docker-archive:'.length);
  if (file === '') throw badInput(`${spec} names no file`, 'BAD_REF', 'write docker-archive:FILE');
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(file));
  } catch (e) {
    throw badInput(`cannot read ${file}: ${(e as Error).message}`, 'NOT_FOUND');
  }
  const bad = (why: string) => new VcError(`${file} is not a docker archive: ${why}`, { code: 'BAD_IMAGE' });
  let files: Map<string, Uint8Array>;
  try {
    files = new Map(
      parseTar(bytes)
        .filter((e) => e.typeflag === '0' || e.typeflag === '\0')
        .map((e) => [e.path.replace(/^\.?\/+/, ''), e.data]),
    );
  } catch (e) {
    throw bad((e as Error).message);
  }
  const manifestJson = files.get('manifest.json');
  if (!manifestJson) throw bad('it has no manifest.json');
  const entries = JSON.parse(new TextDecoder().decode(manifestJson)) as {
    Config?: string;
    Layers?: string[];
  }[];
  const first = entries[0];
  if (!first?.Config || !Array.isArray(first.Layers)) throw bad('manifest.json names no image');
  // Blobs stored by digest are checked against it.
  const need = (path: string) => {
    const data = files.get(path);
    if (!data) throw bad(`it lacks ${path}`);
    const hex = /^blobs\/sha256\/([0-9a-f]{64})$/.exec(path)?.[1];
    if (hex && sha256Digest(data) !== `sha256:${hex}`) throw bad(`${path} does not match its digest`);
    return data;
  };
  const configBytes = need(first.Config);
  const config = parseConfig(configBytes);
  // The archive's own OCI manifest when it has one (Docker 25+ and ours), else the config's digest.
  const index = files.get('index.json');
  let manifestDigest = sha256Digest(configBytes);
  if (index) {
    const d = (JSON.parse(new TextDecoder().decode(index)) as { manifests?: { digest?: string }[] })
      .manifests?.[0]?.digest;
    const path = `blobs/sha256/${(d ?? '').replace(/^sha256:/, '')}`;
    if (d && files.has(path)) {
      parseManifest(need(path));
      manifestDigest = d;
    }
  }
  return {
    ref: spec,
    digest: manifestDigest,
    isIndex: false,
    images: [
      {
        platform: {
          os: config.os,
          arch: config.architecture,
          ...(config.variant ? { variant: config.variant } : {}),
        },
        manifestDigest,
        config,
        layers: first.Layers.map(need),
      },
    ],
  };
}

/** The image `spec` names, every platform of it, read and checked blob by blob. */
export async function readSmokeImage(
  spec: string,
  opts: { insecure?: boolean },
  env: CommandEnv,
): Promise<VerifyInput> {
  if (spec.startsWith('oci:')) return fetchFromLayout(spec);
  if (spec.startsWith('docker-archive:')) return readDockerArchive(spec);
  return fetchFromRegistry(spec, opts, env);
}
