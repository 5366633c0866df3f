// Signatures beside an image in a registry: `.sig`/`.att` tags of the same repository, and sigstore
// bundles among the digest's referrers (the referrers API, else the referrers tag `sha256-<hex>` that
// clients keep where the registry has none, as cosign 3 does on Debian's registry 2.8). Every read goes
// through the registry client, which checks each blob against its digest.

import { MEDIA_TYPE } from '../image/oci.js';
import type { Repository } from '../registry/client.js';
import { listReferrers } from '../registry/referrers.js';
import { isBundleMediaType } from './bundle.js';
import { type SignatureLayer, signatureDescriptors } from './cosign-manifest.js';
import { MAX_SIGNATURE_LAYER_BYTES, MAX_SIGNATURE_LAYERS, type SignatureStore } from './store.js';

/** The layers of a fetched `.sig`/`.att`/bundle manifest, within cosign's limits, checked by digest. */
async function fetchLayers(
  repo: Repository,
  manifestBytes: Uint8Array,
  signal?: AbortSignal,
): Promise<SignatureLayer[]> {
  const layers: SignatureLayer[] = [];
  for (const d of (signatureDescriptors(manifestBytes) ?? []).slice(0, MAX_SIGNATURE_LAYERS)) {
    if (d.size > MAX_SIGNATURE_LAYER_BYTES) continue;
    layers.push({
      mediaType: d.mediaType,
      bytes: await repo.getBlob(d.digest, signal, d.size),
      annotations: d.annotations,
    });
  }
  return layers;
}

/** The signature store of a repository (`repo` needs push access to write). */
export function registrySignatureStore(repo: Repository): SignatureStore {
  return {
    name: `registry ${repo.name}`,
    async layers(tag, signal) {
      if (!(await repo.headManifest(tag, signal))) return null;
      return fetchLayers(repo, (await repo.getManifest(tag, signal)).bytes, signal);
    },
    async bundles(digest, signal) {
      const { referrers: all } = await listReferrers(repo, digest, signal);
      const out: Uint8Array[] = [];
      for (const d of all.slice(0, MAX_SIGNATURE_LAYERS)) {
        if (!isBundleMediaType(d.artifactType)) continue;
        const layers = await fetchLayers(repo, (await repo.getManifest(d.digest, signal)).bytes, signal);
        for (const l of layers) if (isBundleMediaType(l.mediaType)) out.push(l.bytes);
      }
      return out;
    },
    async write(artifacts, signal) {
      const refs: string[] = [];
      for (const a of artifacts) {
        for (const b of a.blobs) await repo.pushBlob(b, signal);
        const digest = await repo.putManifest(a.tag, MEDIA_TYPE.manifest, a.manifest.bytes, signal);
        refs.push(`${repo.name}:${a.tag}@${digest}`);
      }
      return refs;
    },
  };
}
