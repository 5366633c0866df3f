// Signatures beside an image in an OCI layout, stored as a registry stores them: the manifests cosign
// writes under the ref names `sha256-<hex>.sig` and `.att` in index.json, and sigstore bundles among
// the artifacts of the referrers entry `sha256-<hex>`. Every blob is checked against its digest.
import { readFile } from 'node:fs/promises';
import { matchesDescriptor } from '../image/digest.js';
import { blobMismatch } from '../image/read-image.js';
import { isBundleMediaType } from '../sign/bundle.js';
import { type SignatureLayer, signatureDescriptors } from '../sign/cosign-manifest.js';
import { MAX_SIGNATURE_LAYER_BYTES, MAX_SIGNATURE_LAYERS, type SignatureStore } from '../sign/store.js';
import type { Descriptor } from '../types.js';
import { blobPath, layoutTag, writeTaggedManifests } from './oci-layout.js';

/** A blob of the layout, checked; null when the file is missing. */
async function readBlob(dir: string, d: Pick<Descriptor, 'digest' | 'size'>): Promise<Uint8Array | null> {
  const bytes = await readFile(blobPath(dir, d.digest)).then(
    (b) => new Uint8Array(b),
    () => null,
  );
  if (bytes && !matchesDescriptor(bytes, d)) throw blobMismatch(`oci:${dir}`, 'blob', d, bytes);
  return bytes;
}

async function layersOf(dir: string, manifest: Uint8Array): Promise<SignatureLayer[]> {
  const layers: SignatureLayer[] = [];
  for (const d of (signatureDescriptors(manifest) ?? []).slice(0, MAX_SIGNATURE_LAYERS)) {
    if (d.size > MAX_SIGNATURE_LAYER_BYTES) continue;
    const bytes = await readBlob(dir, d);
    if (bytes) layers.push({ mediaType: d.mediaType, bytes, annotations: d.annotations });
  }
  return layers;
}

/** What an OCI layout's signatures name: a layout has no repository (`--load` names the image so too). */
export const LAYOUT_IDENTITY = 'coredns';

export function layoutSignatureStore(dir: string): SignatureStore {
  return {
    name: `oci:${dir}`,
    async layers(tag) {
      const d = await layoutTag(dir, tag);
      const manifest = d ? await readBlob(dir, d) : null;
      return manifest ? layersOf(dir, manifest) : null;
    },
    async bundles(digest) {
      const d = await layoutTag(dir, digest.replace(':', '-'));
      const index = d ? await readBlob(dir, d) : null;
      if (!index) return [];
      let listed: Descriptor[] = [];
      try {
        listed =
          (JSON.parse(Buffer.from(index).toString('utf8')) as { manifests?: Descriptor[] }).manifests ?? [];
      } catch {
        return [];
      }
      const out: Uint8Array[] = [];
      for (const m of listed.slice(0, MAX_SIGNATURE_LAYERS)) {
        if (!isBundleMediaType(m.artifactType)) continue;
        const manifest = await readBlob(dir, m);
        for (const l of manifest ? await layersOf(dir, manifest) : [])
          if (isBundleMediaType(l.mediaType)) out.push(l.bytes);
      }
      return out;
    },
    write: (artifacts, signal) => writeTaggedManifests(dir, artifacts, signal),
  };
}
