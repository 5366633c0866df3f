// The run's Markdown table (build --summary FILE and the GitHub step summary): one pure function.
import { describe, expect, it } from 'vitest';
import { COLUMNS, renderSummary, type SummaryEntry, summaryRows } from '../../src/cli/summary-table.js';
import type { BuildSummary } from '../../src/pipeline/build.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;

function entry(version: string, fields: Partial<SummaryEntry> = {}): SummaryEntry {
  return {
    version,
    commit: 'c'.repeat(40),
    platforms: ['linux/amd64', 'linux/arm64'],
    digest: DIGEST,
    refs: [`127.0.0.1:5000/coredns:${version}@${DIGEST}`],
    skipped: false,
    go: { version: '1.17.13', path: '/cache/go/1.17.13/bin/go', source: 'download' },
    seconds: 12.34,
    ...fields,
  };
}

/** The table's rows as cells (header and separator left out). */
function cells(markdown: string): string[][] {
  return markdown
    .split('\n')
    .filter((l) => l.startsWith('|'))
    .slice(2)
    .map((l) =>
      l
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((c) => c.trim()),
    );
}

describe('renderSummary', () => {
  it('has the columns the issue names, in order', () => {
    expect(COLUMNS.map((c) => c.title)).toEqual([
      'version',
      'era',
      'platforms',
      'Go',
      'build time',
      'digest',
      'refs',
      'smoke',
      'skipped',
    ]);
  });

  it('shows built, skipped and failed versions in version order; what is not known is -', () => {
    const summary: BuildSummary = {
      builds: [
        entry('v1.12.0', { skipped: true, seconds: 0.4 }),
        entry('v1.6.8', { digest: null, refs: ['/out/linux/amd64/coredns', '/out/linux/arm64/coredns'] }),
      ],
      failed: [
        { version: 'v1.9.4', error: 'building CoreDNS v1.9.4 failed\nlast lines of the log', seconds: 3 },
      ],
    };
    const md = renderSummary(summary);
    expect(md.split('\n').slice(0, 4)).toEqual([
      '### vc-coredns build',
      '',
      '1 built, 1 skipped, 1 failed',
      '',
    ]);
    expect(cells(md)).toEqual([
      [
        'v1.6.8',
        'v1.6.5 - v1.6.9 (single-stack)',
        'linux/amd64, linux/arm64',
        '1.17.13 (download)',
        '12.3 s',
        '-',
        '`/out/linux/amd64/coredns`<br>`/out/linux/arm64/coredns`',
        '-',
        'no',
      ],
      ['v1.9.4', 'v1.8.5 - v1.10.1 (dual-stack)', '-', '-', '3.0 s', '**failed**', '-', '-', '-'],
      [
        'v1.12.0',
        'v1.11.4 - v1.14.2 (dual-stack)',
        'linux/amd64, linux/arm64',
        '1.17.13 (download)',
        '0.4 s',
        `\`${DIGEST}\``,
        `\`127.0.0.1:5000/coredns:v1.12.0@${DIGEST}\``,
        '-',
        'yes',
      ],
    ]);
    expect(md).toContain('#### Failures\n\n- **v1.9.4**: building CoreDNS v1.9.4 failed\n');
    expect(md).not.toContain('last lines of the log');
  });

  it('shows the Go and how it was had, and the smoke verdict with the cases that held and where it ran', () => {
    const md = renderSummary({
      builds: [
        entry('v1.9.3', {
          go: { version: '1.23.4', path: null, source: 'installed' },
          smoke: { platform: 'linux/amd64', verdict: 'not-patched', passed: 5, cases: 8, seconds: 2.5 },
        }),
      ],
      failed: [],
    });
    const [row] = cells(md);
    expect(row?.[3]).toBe('1.23.4 (installed)');
    expect(row?.[7]).toBe('not-patched (5/8, linux/amd64)');
  });

  it('keeps a cell in its column whatever it holds', () => {
    const md = renderSummary({
      builds: [entry('v1.9.3', { refs: ['oci:/tmp/a|b:v1.9.3\nsecond line'] })],
      failed: [],
    });
    const [row] = cells(md);
    expect(row).toHaveLength(COLUMNS.length);
    expect(row?.[6]).toBe('`oci:/tmp/a\\|b:v1.9.3<br>second line`');
  });

  it('says so when there was nothing to build', () => {
    expect(renderSummary({ builds: [], failed: [] })).toContain('_no versions_');
    expect(summaryRows({ builds: [], failed: [] })).toEqual([]);
  });
});
