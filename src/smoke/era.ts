// What the fake API pretends to be for a CoreDNS version (pure): the newest Kubernetes release whose
// kubeadm installed this CoreDNS or an older one (KUBERNETES.md), and whether Services are dual-stack.
import semver from 'semver';
import { eraFor } from '../versions/eras.js';
import { KUBERNETES_COREDNS } from '../versions/kubernetes.js';

export interface SmokeEra {
  /** the Kubernetes minor `/version` reports, e.g. `1.26` */
  kubernetes: string;
  dualStack: boolean;
}

function minorOrder(a: string, b: string): number {
  const [a1, a2] = a.split('.').map(Number);
  const [b1, b2] = b.split('.').map(Number);
  return (a1 ?? 0) - (b1 ?? 0) || (a2 ?? 0) - (b2 ?? 0);
}

/** `version` null (the binary did not say): the newest Kubernetes and dual-stack. */
export function smokeEra(version: string | null): SmokeEra {
  const minors = [...KUBERNETES_COREDNS.keys()].sort(minorOrder);
  const newest = minors[minors.length - 1] as string;
  if (version === null) return { kubernetes: newest, dualStack: true };
  let kubernetes = minors[0] as string;
  for (const minor of minors) {
    const steps = KUBERNETES_COREDNS.get(minor)?.steps ?? [];
    if (steps.some((s) => semver.lte(s.coredns, version))) kubernetes = minor;
  }
  return { kubernetes, dualStack: eraFor(version).shape === 'dual-stack' };
}
