// File capabilities as the kernel stores them in the `security.capability` xattr (struct
// vfs_cap_data, linux/capability.h), revision 2: magic_etc, then {permitted, inheritable} for
// capabilities 0-31 and 32-63, all little-endian u32. `setcap cap_net_bind_service=+ep` writes exactly
// this with the effective flag set.

export const CAPABILITY_XATTR = 'security.capability';
export const CAP_NET_BIND_SERVICE = 10;

const VFS_CAP_REVISION_2 = 0x02000000;
const VFS_CAP_REVISION_MASK = 0xff000000;
const VFS_CAP_FLAGS_EFFECTIVE = 0x000001;
const VFS_CAP_V2_SIZE = 20;

export interface FileCapabilities {
  permitted: number[];
  inheritable: number[];
  effective: boolean;
}

function bitsFor(caps: readonly number[]): [number, number] {
  let low = 0;
  let high = 0;
  for (const cap of caps) {
    if (!Number.isInteger(cap) || cap < 0 || cap > 63) throw new Error(`bad capability number ${cap}`);
    if (cap < 32) low = (low | (1 << cap)) >>> 0;
    else high = (high | (1 << (cap - 32))) >>> 0;
  }
  return [low, high];
}

/** The 20 bytes of a revision-2 `security.capability` value. */
export function encodeFileCapabilities(caps: FileCapabilities): Uint8Array {
  const out = new Uint8Array(VFS_CAP_V2_SIZE);
  const view = new DataView(out.buffer);
  const [pLow, pHigh] = bitsFor(caps.permitted);
  const [iLow, iHigh] = bitsFor(caps.inheritable);
  view.setUint32(0, (VFS_CAP_REVISION_2 | (caps.effective ? VFS_CAP_FLAGS_EFFECTIVE : 0)) >>> 0, true);
  view.setUint32(4, pLow, true);
  view.setUint32(8, iLow, true);
  view.setUint32(12, pHigh, true);
  view.setUint32(16, iHigh, true);
  return out;
}

/** `cap_net_bind_service=+ep` */
export function netBindServiceCapability(): Uint8Array {
  return encodeFileCapabilities({ permitted: [CAP_NET_BIND_SERVICE], inheritable: [], effective: true });
}

function capsOf(low: number, high: number): number[] {
  const caps: number[] = [];
  for (let i = 0; i < 32; i++) if ((low >>> i) & 1) caps.push(i);
  for (let i = 0; i < 32; i++) if ((high >>> i) & 1) caps.push(i + 32);
  return caps;
}

/** Parses a revision-2 (20 bytes) or revision-3 (24 bytes, with a root uid) value; null otherwise. */
export function decodeFileCapabilities(bytes: Uint8Array): FileCapabilities | null {
  if (bytes.length !== 20 && bytes.length !== 24) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, true);
  const revision = (magic & VFS_CAP_REVISION_MASK) >>> 0;
  if (revision !== 0x02000000 && revision !== 0x03000000) return null;
  return {
    permitted: capsOf(view.getUint32(4, true), view.getUint32(12, true)),
    inheritable: capsOf(view.getUint32(8, true), view.getUint32(16, true)),
    effective: (magic & VFS_CAP_FLAGS_EFFECTIVE) !== 0,
  };
}
