// Versions, ranges and Kubernetes releases too long or with numbers too large for exact arithmetic are
// bad input with one short error line, never a semver TypeError.

import { describe, expect, it } from 'vitest';
import { parseLsRemote } from '../../src/source/tags.js';
import {
  classifySpec,
  eraFor,
  filterSemverTags,
  isReleaseTag,
  parseKubernetesList,
  parseKubernetesMap,
  parseVersion,
  quoteInput,
  resolveSpec,
} from '../../src/versions/index.js';
import { expectBadInput } from './expect-error.js';

const LONG = `v1.${'1'.repeat(300)}.0`;
const SPEC_HINT =
  "use a version (v1.9.3), a semver range ('>=1.8.0 <1.10', 1.8.x, ^1.9), latest, or a comma-separated list of them";

describe('oversized versions and ranges', () => {
  it('parseVersion refuses a number beyond 2^53 and a string of more than 256 characters', () => {
    expectBadInput(() => parseVersion('v1.9.99999999999999999'), {
      code: 'BAD_VERSION',
      message: 'CoreDNS version "v1.9.99999999999999999" has a number too large ("99999999999999999")',
    });
    expectBadInput(() => parseVersion(LONG), {
      code: 'BAD_VERSION',
      message: `CoreDNS version "${LONG.slice(0, 40)}..." (305 characters) is longer than 256 characters`,
    });
    expectBadInput(() => eraFor('v99999999999999999.0.0'), {
      code: 'BAD_VERSION',
      message: 'CoreDNS version "v99999999999999999.0.0" has a number too large ("99999999999999999")',
    });
  });

  it('classifySpec and resolveSpec refuse them as versions and as ranges', () => {
    for (const spec of ['v99999999999999999.0.0', '>=1.99999999999999999.0', '^9007199254740993']) {
      const err = expectBadInput(() => resolveSpec(spec, ['v1.9.3']), {
        code: 'BAD_VERSION',
        message: `version or range ${JSON.stringify(spec)} has a number too large (${JSON.stringify(
          /\d{16,}/.exec(spec)?.[0],
        )})`,
      });
      expect(err.hint).toBe(SPEC_HINT);
    }
    const range = `${'1.x || '.repeat(40)}1.x`;
    expectBadInput(() => classifySpec(range), {
      code: 'BAD_VERSION',
      message: `version or range ${quoteInput(range)} is longer than 256 characters`,
    });
    // the largest safe number is still a number
    expect(classifySpec('v9007199254740991.0.0')).toEqual({
      kind: 'version',
      version: 'v9007199254740991.0.0',
    });
  });

  it('Kubernetes releases and map files', () => {
    expectBadInput(() => parseKubernetesList('1.30,1.99999999999999999999'), {
      code: 'BAD_KUBERNETES',
      message: 'Kubernetes release "1.99999999999999999999" has a number too large ("99999999999999999999")',
    });
    expectBadInput(() => parseKubernetesMap('{"1.99999999999999999999": "v1.9.3"}'), {
      code: 'BAD_KUBERNETES_MAP',
      message: '--kubernetes-map: key "1.99999999999999999999" is not a Kubernetes minor like 1.38',
    });
    expectBadInput(() => parseKubernetesMap('{"1.38": {"0": "v1.9.3", "99999999999999999999": "v1.9.4"}}'), {
      code: 'BAD_KUBERNETES_MAP',
      message: '--kubernetes-map: Kubernetes 1.38: "99999999999999999999" is not a patch number',
    });
    expectBadInput(() => parseKubernetesMap(JSON.stringify({ '1.38': LONG })), {
      code: 'BAD_KUBERNETES_MAP',
      message: `--kubernetes-map: Kubernetes 1.38: ${quoteInput(LONG)} is not a CoreDNS version like v1.14.8`,
    });
  });

  it("a repository's oversized tags are not release tags (sorting them would throw)", () => {
    expect(isReleaseTag('v99999999999999999.0.0')).toBe(false);
    expect(filterSemverTags(['v1.9.3', 'v99999999999999999.0.0', LONG, 'v1.12.0'])).toEqual([
      'v1.9.3',
      'v1.12.0',
    ]);
    const sha = 'a'.repeat(40);
    expect(parseLsRemote(`${sha}\trefs/tags/v99999999999999999.0.0\n${sha}\trefs/tags/v1.9.3\n`)).toEqual([
      { version: 'v1.9.3', commit: sha },
    ]);
  });
});
