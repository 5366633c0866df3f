// Attestation files beside an output (`binaries:`, `docker-archive:`) or in --attestations-dir: each
// written atomically (temp file and rename), folders made as needed.
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { AttestationFile } from '../attest/compose.js';
import { writeFileAtomic } from '../util/fs.js';

/** Writes the files under `dir`; returns their paths. */
export async function writeAttestationFiles(
  dir: string,
  files: readonly AttestationFile[],
): Promise<string[]> {
  const written: string[] = [];
  for (const f of files) {
    const path = join(dir, f.path);
    await mkdir(dirname(path), { recursive: true });
    await writeFileAtomic(path, f.bytes, 0o644);
    written.push(path);
  }
  return written;
}
