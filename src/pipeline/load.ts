// What the pure image/ is given from outside: the CA bundle shipped with the package (assets/), the
// built binaries, and the `--base` image pulled through the one image reader.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { VcError } from '../errors.js';
import type { PlatformBinary } from '../image/assemble.js';
import { type BaseImage, type BasePlatformImage, basePlatformImage, builtinBase } from '../image/base.js';
import type { RegistryClient } from '../registry/client.js';
import { parseRef } from '../registry/ref.js';
import type { Binary, Platform } from '../types.js';
import { sha256Hex } from '../util/digest.js';

/** assets/ca-certificates.crt, found from src/pipeline or dist/pipeline alike (two levels below the root). */
export const CA_BUNDLE_PATH = fileURLToPath(new URL('../../assets/ca-certificates.crt', import.meta.url));

export async function readCaBundle(path: string = CA_BUNDLE_PATH): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (e) {
    throw new VcError(`cannot read the built-in CA bundle ${path}`, {
      code: 'BAD_CA_BUNDLE',
      hint: 'reinstall vc-coredns, or run scripts/refresh-ca-bundle.sh in a checkout',
      cause: e,
    });
  }
}

/** The built-in base for these platforms, from the shipped CA bundle. */
export async function loadBuiltinBase(
  platforms: readonly Platform[],
  caBundlePath?: string,
): Promise<BaseImage> {
  return builtinBase(await readCaBundle(caBundlePath), platforms);
}

/** The built binaries' bytes, each checked against the sha256 the build recorded. */
export async function loadBinaries(binaries: readonly Binary[]): Promise<PlatformBinary[]> {
  return Promise.all(
    binaries.map(async (b) => {
      const bytes = new Uint8Array(await readFile(b.path));
      const actual = sha256Hex(bytes);
      if (actual !== b.sha256.replace(/^sha256:/, '')) {
        throw new VcError(`${b.path} changed after it was built (sha256 ${actual}, expected ${b.sha256})`, {
          code: 'BINARY_CHANGED',
        });
      }
      return { platform: { ...b.platform }, bytes };
    }),
  );
}

/**
 * The base of a build: the built-in one, or `--base REF` pulled per platform from its registry through
 * the one image reader (every digest checked). Its digest is part of the build key.
 */
export async function loadBase(
  base: string | undefined,
  platforms: readonly Platform[],
  registry: () => RegistryClient,
  opts: { signal?: AbortSignal; log?: (line: string) => void } = {},
): Promise<BaseImage> {
  if (base === undefined) return loadBuiltinBase(platforms);
  const client = registry();
  const ref = parseRef(base);
  opts.log?.(`pulling the base ${base}`);
  const images: BasePlatformImage[] = [];
  let digest: string | null = null;
  for (const p of platforms) {
    const pulled = await client.pullImage(ref, p, opts.signal);
    digest ??= pulled.indexDigest ?? pulled.manifest.descriptor.digest;
    images.push(
      basePlatformImage(
        base,
        pulled.manifest.bytes,
        pulled.config.bytes,
        pulled.layers.map((l) => l.bytes),
      ),
    );
  }
  return { name: base, digest: digest as string, images };
}
