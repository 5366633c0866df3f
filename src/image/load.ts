// The file reads of image/: the CA bundle shipped with the package (assets/), and the built binaries.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { VcError } from '../errors.js';
import type { Binary, Platform } from '../types.js';
import { sha256Hex } from '../util/digest.js';
import type { PlatformBinary } from './assemble.js';
import { type BaseImage, builtinBase } from './base.js';

/** assets/ca-certificates.crt, found from src/image or dist/image alike (two levels below the root). */
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
