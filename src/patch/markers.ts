import type { Shape } from '../types.js';
import { fromGoStringLiteral } from './annotation-key.js';

const LIT = '("(?:[^"\\\\\\r\\n]|\\\\.)*")';

const SINGLE_MARKER = new RegExp(
  `// into the annotation ${LIT}, or the Service's own cluster IP when there is none\\. Added by vc-coredns\\.`,
);
const DUAL_MARKER = new RegExp(
  `// Added by vc-coredns: the super cluster's IP from the annotation ${LIT} wins`,
);
/** The one-line patch of the documented manual recipe (the sed of the VirtualCluster document). */
const SED_PATCH = new RegExp(
  `func\\(sCIP string\\) string \\{ if sCIP == "" \\{ return \\w+\\.Spec\\.ClusterIP \\} else \\{ return sCIP \\} \\} \\(\\w+\\.Annotations\\[${LIT}\\]\\)`,
);

export interface ExistingPatch {
  via: 'marker' | 'documented-sed';
  shape: Shape;
  key: string;
}

/** Finds our marker, or the documented sed patch, in a file. */
export function findExistingPatch(source: string): ExistingPatch | null {
  const single = SINGLE_MARKER.exec(source);
  if (single) return { via: 'marker', shape: 'single-stack', key: fromGoStringLiteral(single[1] as string) };
  const dual = DUAL_MARKER.exec(source);
  if (dual) return { via: 'marker', shape: 'dual-stack', key: fromGoStringLiteral(dual[1] as string) };
  const sed = SED_PATCH.exec(source);
  if (sed)
    return { via: 'documented-sed', shape: 'single-stack', key: fromGoStringLiteral(sed[1] as string) };
  return null;
}

/** The shape as far as plain text tells (for reporting on files that are not planned). */
export function textualShape(source: string): Shape {
  return /\bClusterIPs\b/.test(source) ? 'dual-stack' : 'single-stack';
}
