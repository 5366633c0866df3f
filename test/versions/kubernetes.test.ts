import { describe, expect, it } from 'vitest';
import { isVcError, type VcError } from '../../src/errors.js';
import {
  coreDnsForKubernetes,
  describeDropped,
  KUBERNETES_COREDNS,
  knownKubernetesMinors,
  mergeKubernetesTables,
  parseKubernetesList,
  parseKubernetesMap,
  parseKubernetesRelease,
  resolveKubernetes,
} from '../../src/versions/index.js';
import { expectBadInput } from './expect-error.js';
import { REAL_TAG_NAMES } from './real-tags.js';

// KUBERNETES.md, as written there: minor, CoreDNS at .0, CoreDNS at the newest patch.
const KUBERNETES_MD: [string, string, string][] = [
  ['1.11', '1.1.3', '1.1.3'],
  ['1.12', '1.2.2', '1.2.2'],
  ['1.13', '1.2.6', '1.2.6'],
  ['1.14', '1.3.1', '1.3.1'],
  ['1.15', '1.3.1', '1.3.1'],
  ['1.16', '1.6.2', '1.6.2'],
  ['1.17', '1.6.5', '1.6.5'],
  ['1.18', '1.6.7', '1.6.7'],
  ['1.19', '1.7.0', '1.7.0'],
  ['1.20', '1.7.0', '1.7.0'],
  ['1.21', 'v1.8.0', 'v1.8.0'],
  ['1.22', 'v1.8.4', 'v1.8.4'],
  ['1.23', 'v1.8.6', 'v1.8.6'],
  ['1.24', 'v1.8.6', 'v1.8.6'],
  ['1.25', 'v1.9.3', 'v1.9.3'],
  ['1.26', 'v1.9.3', 'v1.9.3'],
  ['1.27', 'v1.10.1', 'v1.10.1'],
  ['1.28', 'v1.10.1', 'v1.10.1'],
  ['1.29', 'v1.11.1', 'v1.11.1'],
  ['1.30', 'v1.11.1', 'v1.11.3'],
  ['1.31', 'v1.11.1', 'v1.11.3'],
  ['1.32', 'v1.11.3', 'v1.11.3'],
  ['1.33', 'v1.12.0', 'v1.12.0'],
  ['1.34', 'v1.12.1', 'v1.12.1'],
  ['1.35', 'v1.13.1', 'v1.13.1'],
  ['1.36', 'v1.14.2', 'v1.14.2'],
  ['1.37', 'v1.14.6', 'v1.14.6'],
];
const withV = (v: string) => (v.startsWith('v') ? v : `v${v}`);

describe('the Kubernetes table', () => {
  it.each(KUBERNETES_MD)('Kubernetes %s: %s at .0, %s at the newest patch', (minor, atZero, newest) => {
    expect(coreDnsForKubernetes(`${minor}.0`)).toBe(withV(atZero));
    expect(coreDnsForKubernetes(minor)).toBe(withV(newest));
    expect(coreDnsForKubernetes(`v${minor}`)).toBe(withV(newest));
    expect(coreDnsForKubernetes(`${minor}.99`)).toBe(withV(newest));
  });

  it('has exactly the minors of KUBERNETES.md', () => {
    expect(knownKubernetesMinors()).toEqual(KUBERNETES_MD.map(([m]) => m));
    expect(KUBERNETES_COREDNS.get('1.37')?.note).toBe('from its release candidate; not confirmed at .0');
  });

  it('switches 1.30 to v1.11.3 at 1.30.5 and 1.31 at 1.31.1', () => {
    for (const p of [0, 1, 2, 3, 4]) expect(coreDnsForKubernetes(`1.30.${p}`)).toBe('v1.11.1');
    for (const p of [5, 6, 14]) expect(coreDnsForKubernetes(`1.30.${p}`)).toBe('v1.11.3');
    expect(coreDnsForKubernetes('1.31.0')).toBe('v1.11.1');
    expect(coreDnsForKubernetes('v1.31.1')).toBe('v1.11.3');
    expect(coreDnsForKubernetes('1.31')).toBe('v1.11.3');
    expect(coreDnsForKubernetes({ minor: '1.30', patch: 2 })).toBe('v1.11.1');
  });

  it('writes the pre-1.21 constants with a v', () => {
    expect(coreDnsForKubernetes('1.19')).toBe('v1.7.0');
    expect(KUBERNETES_COREDNS.get('1.16')?.steps).toEqual([{ fromPatch: 0, coredns: 'v1.6.2' }]);
  });

  it('returns the unsupported CoreDNS of Kubernetes 1.11 and 1.12 for the caller to drop', () => {
    expect(coreDnsForKubernetes('1.11')).toBe('v1.1.3');
    expect(coreDnsForKubernetes('1.12.4')).toBe('v1.2.2');
  });

  it('refuses an unknown release, listing the known minors', () => {
    expectBadInput(() => coreDnsForKubernetes('1.38'), {
      code: 'UNKNOWN_KUBERNETES',
      message: 'unknown Kubernetes release 1.38',
      hint:
        `known Kubernetes minors: ${KUBERNETES_MD.map(([m]) => m).join(', ')}; --kubernetes-map FILE adds ` +
        'others, e.g. {"1.38": "v1.14.8"} or {"1.38": {"0": "v1.14.8", "3": "v1.14.9"}} (the latter: v1.14.9 from 1.38.3)',
    });
    expectBadInput(() => coreDnsForKubernetes('1.10.3'), {
      code: 'UNKNOWN_KUBERNETES',
      message: 'unknown Kubernetes release 1.10.3',
    });
  });
});

describe('parseKubernetesRelease / parseKubernetesList', () => {
  it('parses minors and patches, with or without v', () => {
    expect(parseKubernetesRelease('1.30')).toEqual({ minor: '1.30', patch: null });
    expect(parseKubernetesRelease('v1.30.2')).toEqual({ minor: '1.30', patch: 2 });
    expect(parseKubernetesList('1.28, 1.29,v1.28,1.30.5')).toEqual([
      { minor: '1.28', patch: null },
      { minor: '1.29', patch: null },
      { minor: '1.30', patch: 5 },
    ]);
  });

  it.each(['1', 'latest', '1.30.x', '1.30.2-rc.1', ''])('refuses %j', (input) => {
    expectBadInput(() => parseKubernetesRelease(input), {
      code: 'BAD_KUBERNETES',
      message: `invalid Kubernetes release "${input}"`,
      hint: 'a Kubernetes release looks like 1.30 (its newest patch) or 1.30.2',
    });
  });

  it('refuses empty list entries', () => {
    expectBadInput(() => parseKubernetesList('1.28,,1.29'), {
      code: 'BAD_KUBERNETES',
      message: 'invalid Kubernetes list "1.28,,1.29"',
    });
  });
});

describe('resolveKubernetes', () => {
  it('maps a list to supported CoreDNS versions, oldest first, without duplicates', () => {
    expect(resolveKubernetes('1.29,1.28,1.27,1.30.2', { availableTags: REAL_TAG_NAMES })).toEqual({
      versions: ['v1.10.1', 'v1.11.1'],
      dropped: [],
      pairs: [
        { kubernetes: '1.29', coredns: 'v1.11.1' },
        { kubernetes: '1.28', coredns: 'v1.10.1' },
        { kubernetes: '1.27', coredns: 'v1.10.1' },
        { kubernetes: '1.30.2', coredns: 'v1.11.1' },
      ],
    });
  });

  it('drops Kubernetes 1.11 and 1.12 (and 1.13-1.15 for a build) with a message', () => {
    const r = resolveKubernetes('1.11,1.12,1.13,1.16');
    expect(r.versions).toEqual(['v1.2.6', 'v1.6.2']);
    expect(r.dropped).toEqual(['v1.1.3', 'v1.2.2']);
    expect(describeDropped(r.dropped)).toBe(
      'dropped v1.1.3, v1.2.2: before v1.2.3, the first supported release',
    );
    const b = resolveKubernetes('1.13,1.15,1.16', { buildable: true });
    expect(b).toMatchObject({ versions: ['v1.6.2'], dropped: ['v1.2.6', 'v1.3.1'] });
  });

  it('refuses a list with nothing supported left', () => {
    expectBadInput(() => resolveKubernetes('1.11,1.12'), {
      code: 'EMPTY_RANGE',
      message: 'no supported CoreDNS for Kubernetes 1.11, 1.12',
      hint: 'Kubernetes 1.11 uses v1.1.3, 1.12 uses v1.2.2; dropped v1.1.3, v1.2.2: before v1.2.3, the first supported release',
    });
    expectBadInput(() => resolveKubernetes('1.14', { buildable: true }), {
      code: 'EMPTY_RANGE',
      message: 'no buildable CoreDNS for Kubernetes 1.14',
    });
  });

  it('refuses a mapped version the repository has no tag for', () => {
    const table = mergeKubernetesTables(KUBERNETES_COREDNS, parseKubernetesMap('{"1.38": "v1.14.99"}'));
    expectBadInput(() => resolveKubernetes('1.37,1.38', { table, availableTags: REAL_TAG_NAMES }), {
      code: 'UNKNOWN_VERSION',
      message: 'Kubernetes 1.38 uses CoreDNS v1.14.99, which has no tag in the repository',
    });
  });
});

describe('--kubernetes-map', () => {
  it('parses the short and the per-patch forms', () => {
    const extra = parseKubernetesMap('{"1.38": "v1.14.8", "v1.39": {"3": "1.15.1", "0": "v1.15.0"}}');
    expect([...extra.values()]).toEqual([
      { minor: '1.38', steps: [{ fromPatch: 0, coredns: 'v1.14.8' }] },
      {
        minor: '1.39',
        steps: [
          { fromPatch: 0, coredns: 'v1.15.0' },
          { fromPatch: 3, coredns: 'v1.15.1' },
        ],
      },
    ]);
    const table = mergeKubernetesTables(KUBERNETES_COREDNS, extra);
    expect(coreDnsForKubernetes('1.38', table)).toBe('v1.14.8');
    expect(coreDnsForKubernetes('1.39.2', table)).toBe('v1.15.0');
    expect(coreDnsForKubernetes('1.39.3', table)).toBe('v1.15.1');
    expect(coreDnsForKubernetes('1.39', table)).toBe('v1.15.1');
    expect(knownKubernetesMinors(table).slice(-3)).toEqual(['1.37', '1.38', '1.39']);
    expect(KUBERNETES_COREDNS.has('1.38')).toBe(false);
  });

  it('overrides a whole minor', () => {
    const table = mergeKubernetesTables(
      KUBERNETES_COREDNS,
      parseKubernetesMap('{"1.30": {"0": "v1.11.1", "5": "v1.11.3", "12": "v1.11.4"}}'),
    );
    expect(coreDnsForKubernetes('1.30.4', table)).toBe('v1.11.1');
    expect(coreDnsForKubernetes('1.30.11', table)).toBe('v1.11.3');
    expect(coreDnsForKubernetes('1.30', table)).toBe('v1.11.4');
    expect(coreDnsForKubernetes('1.29', table)).toBe('v1.11.1');
  });

  const HINT =
    'the format is {"1.38": "v1.14.8"} or {"1.38": {"0": "v1.14.8", "3": "v1.14.9"}} (the latter: v1.14.9 from 1.38.3)';
  it.each([
    ['{"1.38": ', '--kubernetes-map: not valid JSON ('],
    ['["1.38"]', '--kubernetes-map: expected a JSON object keyed by Kubernetes minor'],
    ['"x"', '--kubernetes-map: expected a JSON object keyed by Kubernetes minor'],
    [
      '{"1.38.1": "v1.14.8"}',
      '--kubernetes-map: key "1.38.1" is not a Kubernetes minor like 1.38 (give patches inside the minor\'s object)',
    ],
    ['{"next": "v1.14.8"}', '--kubernetes-map: key "next" is not a Kubernetes minor like 1.38'],
    ['{"1.38": "v1.14"}', '--kubernetes-map: Kubernetes 1.38: "v1.14" is not a CoreDNS version like v1.14.8'],
    ['{"1.38": 1.14}', '--kubernetes-map: Kubernetes 1.38: 1.14 is not a CoreDNS version like v1.14.8'],
    [
      '{"1.38": {"3": "v1.14.9"}}',
      '--kubernetes-map: Kubernetes 1.38: the patch object needs a "0" entry (the CoreDNS at 1.38.0)',
    ],
    [
      '{"1.38": {"0": "v1.14.8", "x": "v1.14.9"}}',
      '--kubernetes-map: Kubernetes 1.38: "x" is not a patch number',
    ],
    [
      '{"1.38": {"0": "v1.14.8", "3": null}}',
      '--kubernetes-map: Kubernetes 1.38.3: null is not a CoreDNS version like v1.14.8',
    ],
    ['{"1.38": "v1.14.8", "v1.38": "v1.14.9"}', '--kubernetes-map: Kubernetes 1.38 is given twice'],
  ])('refuses %s', (text, message) => {
    let caught: unknown;
    try {
      parseKubernetesMap(text);
    } catch (e) {
      caught = e;
    }
    expect(isVcError(caught)).toBe(true);
    const err = caught as VcError;
    expect(err.code).toBe('BAD_KUBERNETES_MAP');
    expect(err.exitCode).toBe(2);
    expect(err.hint).toBe(HINT);
    if (message.endsWith('(')) expect(err.message.startsWith(message)).toBe(true);
    else expect(err.message).toBe(message);
  });
});
