// The Markdown table of a build run (build --summary FILE; the GitHub step summary writes the same).
import { describe, expect, it } from 'vitest';
import { formatDuration, summaryMarkdown } from '../../src/cli/summary-table.js';
import type { BuildSummary } from '../../src/pipeline/build.js';

const DIGEST = `sha256:${'ab'.repeat(32)}`;

describe('summaryMarkdown', () => {
  it('one row per version, the failures under the table', () => {
    const summary: BuildSummary = {
      builds: [
        {
          version: 'v1.6.8',
          commit: 'c'.repeat(40),
          platforms: ['linux/amd64', 'linux/arm64'],
          digest: DIGEST,
          refs: ['oci:/tmp/x|y:v1.6.8', 'reg.example/coredns:v1.6.8'],
          skipped: false,
          go: { version: '1.14.15', path: '/go/bin/go', source: 'toolchain' },
          smoke: { platform: 'linux/amd64', verdict: 'ok', passed: 12, cases: 12, seconds: 2.1 },
          seconds: 312.4,
        },
        {
          version: 'v1.14.7',
          commit: 'd'.repeat(40),
          platforms: ['linux/amd64'],
          digest: null,
          refs: ['/tmp/bin/linux/amd64/coredns'],
          skipped: true,
          go: { version: '1.26.6', path: null, source: 'installed' },
          seconds: 0.4,
        },
      ],
      failed: [{ version: 'v1.11.0', error: 'building CoreDNS v1.11.0 failed\nhint: the log' }],
    };
    const text = summaryMarkdown(summary, { tool: '1.2.3', date: new Date('2026-11-29T12:00:00Z') });
    expect(text.split('\n')).toEqual([
      '### vc-coredns build: 1 built, 1 skipped, 1 failed',
      '',
      'vc-coredns 1.2.3, 2026-11-29T12:00:00.000Z',
      '',
      '| version | era | platforms | Go | build time | digest | refs | smoke | skipped |',
      '|---|---|---|---|---|---|---|---|---|',
      `| v1.6.8 | single-stack v1.6.5 - v1.6.9 | linux/amd64, linux/arm64 | 1.14.15 (toolchain) | 5 min 12 s | \`${DIGEST}\` | \`oci:/tmp/x\\|y:v1.6.8\`<br>\`reg.example/coredns:v1.6.8\` | ok (12/12, linux/amd64) | no |`,
      '| v1.14.7 | dual-stack v1.14.4 - | linux/amd64 | 1.26.6 (installed) | 0.4 s | - | `/tmp/bin/linux/amd64/coredns` | - | yes |',
      '',
      'Failed:',
      '',
      '- v1.11.0: building CoreDNS v1.11.0 failed',
      '',
    ]);
  });

  it('a run with nothing built has no table', () => {
    const text = summaryMarkdown(
      { builds: [], failed: [{ version: 'v1.9.3', error: 'x' }] },
      { tool: '0.1.0', date: new Date(0) },
    );
    expect(text).toBe(
      '### vc-coredns build: 0 built, 0 skipped, 1 failed\n\nvc-coredns 0.1.0, 1970-01-01T00:00:00.000Z\n\nFailed:\n\n- v1.9.3: x\n',
    );
  });

  it('formats build times', () => {
    expect([0, 0.44, 59.94, 60, 61.6, 3599.6].map(formatDuration)).toEqual([
      '0.0 s',
      '0.4 s',
      '59.9 s',
      '1 min 00 s',
      '1 min 02 s',
      '60 min 00 s',
    ]);
  });
});
