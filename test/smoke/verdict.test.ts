// The smoke cases and the verdict, as data: what a patched, an unpatched and a broken CoreDNS answer.
import { describe, expect, it } from 'vitest';
import { type DnsAnswer, formatAnswer, smokeScenario } from '../../src/smoke/cases.js';
import { corefile, parsePlugins, parseVersionLine } from '../../src/smoke/corefile.js';
import { smokeEra } from '../../src/smoke/era.js';
import { runnablePlatforms, smokeBuildPlatform, smokePlatform } from '../../src/smoke/image-binary.js';
import { versionText } from '../../src/smoke/run.js';
import { judge, verdictOf } from '../../src/smoke/verdict.js';
import { thrown } from '../support/errors.js';

const KEY = 'transparency.tenancy.x-k8s.io/clusterIP';

function run(
  answer: (c: ReturnType<typeof smokeScenario>['cases'][number]) => DnsAnswer | null,
  dualStack = true,
) {
  return smokeScenario({ key: KEY, dualStack }).cases.map((c) => judge(c, answer(c)));
}

describe('verdict', () => {
  it('ok when every case gets what a patched CoreDNS answers', () => {
    expect(verdictOf(run((c) => c.want))).toBe('ok');
  });

  it('not-patched when exactly the patch-dependent cases get the Services own IPs', () => {
    const results = run((c) => c.unpatched);
    expect(verdictOf(results)).toBe('not-patched');
    expect(results.filter((r) => !r.ok).map((r) => `${r.case.name} ${r.case.type}`)).toEqual([
      'a annotation A',
      'b dual-stack A',
      'b dual-stack AAAA',
      'g reverse PTR',
      'a over tcp A',
    ]);
  });

  it('failed when a case that does not depend on the patch is wrong, or a reply is missing', () => {
    const headlessWrong = run((c) =>
      c.name === 'e headless' ? { rcode: 'SERVFAIL', data: [] } : c.unpatched,
    );
    expect(verdictOf(headlessWrong)).toBe('failed');
    const noReply = run((c) => (c.transport === 'tcp' ? null : c.want));
    expect(verdictOf(noReply)).toBe('failed');
    // the annotation IP with the spec IP beside it is neither patched nor unpatched
    const both = run((c) =>
      c.name === 'a annotation' ? { rcode: 'NOERROR', data: ['10.0.0.5', '10.96.0.99'] } : c.want,
    );
    expect(verdictOf(both)).toBe('failed');
    expect(
      verdictOf(
        run((c) => c.want),
        false,
      ),
    ).toBe('failed');
    expect(verdictOf([])).toBe('failed');
  });

  it('single-stack eras serve b and c as single-stack: no AAAA anywhere, patched or not', () => {
    const { cases, objects } = smokeScenario({ key: KEY, dualStack: false });
    expect(cases.filter((c) => c.type === 'AAAA').map((c) => [c.want, c.unpatched])).toEqual(
      Array(3).fill([
        { rcode: 'NOERROR', data: [] },
        { rcode: 'NOERROR', data: [] },
      ]),
    );
    const dual = objects.services.find((s) => s.metadata.name === 'dual');
    expect(dual?.spec).toEqual({
      type: 'ClusterIP',
      clusterIP: '10.0.0.6',
      ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 }],
      sessionAffinity: 'None',
    });
    expect(verdictOf(run((c) => c.unpatched, false))).toBe('not-patched');
  });

  it('case f carries another key than the one in use, whatever that is', () => {
    for (const key of [KEY, 'example.com/clusterIP']) {
      const f = smokeScenario({ key, dualStack: true }).objects.services.find(
        (s) => s.metadata.name === 'other-key',
      );
      const annotations = f?.metadata.annotations as Record<string, string>;
      expect(Object.keys(annotations)).toHaveLength(1);
      expect(annotations[key]).toBeUndefined();
    }
  });

  it('formats answers as the table shows them', () => {
    expect(formatAnswer({ rcode: 'NOERROR', data: ['10.1.0.1', '10.1.0.2'] })).toBe('10.1.0.1 10.1.0.2');
    expect(formatAnswer({ rcode: 'NOERROR', data: [] })).toBe('NOERROR, no answer');
    expect(formatAnswer({ rcode: 'NXDOMAIN', data: [] })).toBe('NXDOMAIN');
    expect(formatAnswer(null)).toBe('no reply');
  });
});

describe('what the runner reads and writes', () => {
  it('the Fake API era: the Kubernetes release of the CoreDNS, dual-stack from v1.8.1', () => {
    expect(smokeEra('v1.6.8')).toEqual({ kubernetes: '1.18', dualStack: false });
    expect(smokeEra('v1.8.0')).toEqual({ kubernetes: '1.21', dualStack: false });
    expect(smokeEra('v1.8.1')).toEqual({ kubernetes: '1.21', dualStack: true });
    expect(smokeEra('v1.9.3')).toEqual({ kubernetes: '1.26', dualStack: true });
    expect(smokeEra('v1.14.7')).toEqual({ kubernetes: '1.37', dualStack: true });
    expect(smokeEra(null)).toEqual({ kubernetes: '1.37', dualStack: true });
  });

  it('plugins, version line and Corefile', () => {
    const plugins = parsePlugins(
      'Server types:\n  dns\n\nCaddyfile loaders:\n  flag\n\nOther plugins:\n  dns.errors\n  dns.kubernetes\n  on\n',
    );
    expect([...plugins]).toEqual(['dns', 'flag', 'errors', 'kubernetes', 'on']);
    expect([...parsePlugins('acl\nbind\nerrors\nkubernetes\nlog\n')]).toEqual([
      'acl',
      'bind',
      'errors',
      'kubernetes',
      'log',
    ]);
    expect(parseVersionLine('CoreDNS-1.9.3\nlinux/amd64, go1.19.8, 45b0a11\n')).toBe('v1.9.3');
    expect(parseVersionLine('hello')).toBeNull();
    // CoreDNS v1.6.4's -version: the banner, each fact after `~ ` (as real v1.6.4 prints it)
    const banner = [
      '   ______                ____  _   _______',
      '  / ____/___  ________  / __ \\/ | / / ___/\t~ CoreDNS-1.6.4',
      ' / /   / __ \\/ ___/ _ \\/ / / /  |/ /\\__ \\ \t~ linux/amd64, go1.13.15, b139ba3',
      '/ /___/ /_/ / /  /  __/ /_/ / /|  /___/ / ',
      '\\____/\\____/_/   \\___/_____/_/ |_//____/  ',
      '',
    ].join('\n');
    expect(versionText(banner)).toBe('CoreDNS-1.6.4, linux/amd64, go1.13.15, b139ba3');
    expect(versionText('CoreDNS-1.9.3\nlinux/amd64, go1.19.8, 45b0a11\n')).toBe(
      'CoreDNS-1.9.3, linux/amd64, go1.19.8, 45b0a11',
    );
    expect(versionText('\n')).toBeNull();
    expect(
      corefile({ apiUrl: 'http://127.0.0.1:4000', plugins: new Set(['errors', 'kubernetes']) }),
    ).toBe(`. {
    errors
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        endpoint http://127.0.0.1:4000
    }
}
`);
  });
});

describe('which platform smoke runs', () => {
  it('the host runs its own Linux platform only; another OS none (exit 2 with a hint)', () => {
    expect(runnablePlatforms({ os: 'linux', arch: 'x64' })).toEqual([{ os: 'linux', arch: 'amd64' }]);
    expect(runnablePlatforms({ os: 'linux', arch: 'arm' })).toEqual([
      { os: 'linux', arch: 'arm', variant: 'v7' },
    ]);
    expect(smokePlatform('linux/arm64', { os: 'linux', arch: 'arm64' })).toEqual({
      os: 'linux',
      arch: 'arm64',
    });
    expect(thrown(() => smokePlatform(undefined, { os: 'darwin', arch: 'arm64' }))).toMatchObject({
      code: 'SMOKE_NEEDS_LINUX',
      exitCode: 2,
      message: 'smoke runs CoreDNS, a Linux binary, and this host runs darwin',
      hint: 'run the smoke test in CI (a Linux runner) or in a Linux VM',
    });
    expect(thrown(() => smokePlatform('linux/arm64', { os: 'linux', arch: 'x64' }))).toMatchObject({
      code: 'PLATFORM_NOT_RUNNABLE',
      exitCode: 2,
      message: 'this host cannot run linux/arm64 binaries natively',
      hint: 'it runs linux/amd64; smoke other platforms on a host of that architecture',
    });
  });

  it('build --smoke takes the host platform out of --platforms, or stops with exit 2', () => {
    const host = runnablePlatforms({ os: 'linux', arch: 'x64' });
    const arm64 = { os: 'linux', arch: 'arm64' };
    const amd64 = { os: 'linux', arch: 'amd64' };
    expect(smokeBuildPlatform([arm64, amd64], host)).toEqual(amd64);
    expect(
      thrown(() => smokeBuildPlatform([amd64], runnablePlatforms({ os: 'win32', arch: 'x64' }))),
    ).toMatchObject({
      code: 'SMOKE_NEEDS_LINUX',
      exitCode: 2,
    });
    expect(thrown(() => smokeBuildPlatform([arm64], host))).toMatchObject({
      code: 'SMOKE_PLATFORM_NOT_BUILT',
      exitCode: 2,
      message: "--smoke runs the host's platform (linux/amd64), which --platforms linux/arm64 does not build",
      hint: 'add linux/amd64 to --platforms, or leave out --smoke',
    });
  });
});
