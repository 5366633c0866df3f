// Images for the sink tests: the tiny Go program assembled as a root era (v1.9.3) and a nonroot era
// (v1.12.0) CoreDNS image for linux/amd64 and linux/arm64.
import { assembleImage, buildKey, imageLabels } from '../../src/image/index.js';
import { patchId } from '../../src/patch/templates.js';
import { loadBuiltinBase } from '../../src/pipeline/load.js';
import type { ImageIndex, Platform } from '../../src/types.js';
import { eraFor } from '../../src/versions/index.js';
import { AMD64, ARM64, buildTiny } from '../image/tiny-binary.js';

export const KEY = 'transparency.tenancy.x-k8s.io/clusterIP';
export const PLATFORMS: Platform[] = [AMD64, ARM64];

export interface TestImages {
  root: ImageIndex;
  nonroot: ImageIndex;
  build(version: string, opts?: { goVersion?: string }): Promise<ImageIndex>;
}

export async function testImages(goDir: string): Promise<TestImages> {
  const binaries = [
    { platform: AMD64, bytes: await buildTiny(goDir, AMD64) },
    { platform: ARM64, bytes: await buildTiny(goDir, ARM64) },
  ];
  const base = await loadBuiltinBase(PLATFORMS);
  const build = async (version: string, opts: { goVersion?: string } = {}) =>
    assembleImage({
      binaries,
      base,
      era: eraFor(version),
      labels: imageLabels({
        release: { version, commit: version.replace(/\D/g, '').padEnd(40, '0') },
        annotationKey: KEY,
        repoUrl: 'https://github.com/coredns/coredns',
        goVersion: opts.goVersion ?? 'go1.23.5',
        patch: patchId(KEY),
        buildKey: buildKey({
          commit: version.replace(/\D/g, '').padEnd(40, '0'),
          patch: patchId(KEY),
          platforms: PLATFORMS,
          baseDigest: base.digest,
          goVersion: opts.goVersion ?? 'go1.23.5',
        }),
        sourceDateEpoch: 1653663600,
      }),
      sourceDateEpoch: 1653663600,
    });
  return { root: await build('v1.9.3'), nonroot: await build('v1.12.0'), build };
}
