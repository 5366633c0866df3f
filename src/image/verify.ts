// Checks an image vc-coredns built, from its bytes: platforms, labels, and that each platform's
// /coredns is a binary of that architecture carrying the annotation key its labels claim. Pure.
import { formatPlatform, platformOf, samePlatform } from '../versions/platforms.js';
import { COREDNS_PATH } from './assemble.js';
import { CAP_NET_BIND_SERVICE, CAPABILITY_XATTR, decodeFileCapabilities } from './capability.js';
import { LABEL } from './labels.js';
import { imageFile, type ReadImage } from './read-image.js';

export interface VerifiedPlatform {
  platform: string;
  digest: string;
  annotationKey: string | null;
  patched: boolean;
}

export interface VerifyResult {
  ref: string;
  digest: string;
  ok: boolean;
  labels: Record<string, string>;
  platforms: VerifiedPlatform[];
  problems: string[];
}

/** ELF e_machine of each Go architecture. */
const ELF_MACHINE: Record<string, number> = {
  '386': 0x03,
  amd64: 0x3e,
  arm: 0x28,
  arm64: 0xb7,
  ppc64le: 0x15,
  s390x: 0x16,
  mips: 0x08,
  mipsle: 0x08,
  mips64: 0x08,
  mips64le: 0x08,
  riscv64: 0xf3,
  loong64: 0x102,
};

function elfMachine(bin: Uint8Array): number | null {
  if (bin.length < 20 || bin[0] !== 0x7f || bin[1] !== 0x45 || bin[2] !== 0x4c || bin[3] !== 0x46)
    return null;
  const littleEndian = bin[5] === 1;
  const view = new DataView(bin.buffer, bin.byteOffset, bin.byteLength);
  return view.getUint16(18, littleEndian);
}

function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
  return Buffer.from(haystack.buffer, haystack.byteOffset, haystack.byteLength).includes(
    Buffer.from(needle.buffer, needle.byteOffset, needle.byteLength),
  );
}

/**
 * Checks an image read with its layers (readImage). `ref` is what the result names; `patchId` the
 * `io.vc-coredns.patch` label these patch rules give a key.
 */
export function verifyImage(ref: string, input: ReadImage, patchId: (key: string) => string): VerifyResult {
  const problems: string[] = [];
  const labels = input.images[0]?.config.config?.Labels ?? {};
  const key = labels[LABEL.annotationKey] ?? null;
  if (input.index === null)
    problems.push('the reference names a single image manifest, not a multi-platform index');
  if (input.images.length === 0) problems.push('the index lists no images');
  const missing = [LABEL.annotationKey, LABEL.patch, LABEL.buildKey, LABEL.version].filter((l) => !labels[l]);
  if (missing.length > 0) {
    problems.push(
      `not built by vc-coredns: the config lacks the label${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`,
    );
  } else if (key && labels[LABEL.patch] !== patchId(key)) {
    problems.push(
      `the ${LABEL.patch} label does not match these patch rules for ${key} (built by another vc-coredns version?)`,
    );
  }
  const nonroot = (input.images[0]?.config.config?.User ?? '') !== '';

  const platforms: VerifiedPlatform[] = input.images.map((img) => {
    const name = formatPlatform(img.platform);
    const cfg = img.config;
    // The platform the index lists must be the one the config says.
    const listed = img.descriptor.platform ? platformOf(img.descriptor.platform) : img.platform;
    if (!samePlatform(listed, img.platform))
      problems.push(`${formatPlatform(listed)}: the config says ${name}`);
    const own = cfg.config?.Labels ?? {};
    if (JSON.stringify(own) !== JSON.stringify(labels))
      problems.push(`${name}: labels differ from the other platforms'`);
    const entry = imageFile(img, COREDNS_PATH);
    let patched = false;
    if (!entry) {
      problems.push(`${name}: the image has no /coredns`);
    } else {
      const machine = elfMachine(entry.data);
      const want = ELF_MACHINE[img.platform.arch];
      if (machine === null) problems.push(`${name}: /coredns is not an ELF binary`);
      else if (want !== undefined && machine !== want) {
        problems.push(
          `${name}: /coredns is built for ELF machine 0x${machine.toString(16)}, not ${img.platform.arch}`,
        );
      }
      patched = key !== null && contains(entry.data, new TextEncoder().encode(key));
      if (key !== null && !patched)
        problems.push(`${name}: /coredns does not contain the annotation key ${key}`);
      if (nonroot) {
        const caps = entry.xattrs[CAPABILITY_XATTR];
        const decoded = caps ? decodeFileCapabilities(caps) : null;
        if (!decoded?.effective || !decoded.permitted.includes(CAP_NET_BIND_SERVICE)) {
          problems.push(
            `${name}: /coredns runs as ${cfg.config?.User} but lacks cap_net_bind_service=+ep (it cannot bind :53)`,
          );
        }
      }
    }
    return { platform: name, digest: img.descriptor.digest, annotationKey: key, patched };
  });
  return { ref, digest: input.digest, ok: problems.length === 0, labels, platforms, problems };
}
