// The run's Markdown table: what `build --summary FILE` writes and what GitHub Actions shows as the step
// summary. One pure function of the build summary. A column is one line of COLUMNS; a column whose data
// an entry does not carry (yet) shows `-`.
import { markdownTable } from 'markdown-table';
import semver from 'semver';
import type { BuildEntry, BuildFailure, BuildSummary } from '../pipeline/build.js';
import { eraFor, formatEraRange } from '../versions/index.js';

/** A build entry as the table reads it. */
export type SummaryEntry = BuildEntry;

/** A row: a version built or skipped, or one that failed. */
export type SummaryRow = (SummaryEntry & { failed?: false }) | (BuildFailure & { failed: true });

interface Column {
  title: string;
  cell(row: SummaryRow): string | undefined;
}

/** Inline code, with what would end it or the cell escaped. */
const code = (text: string) => `\`${text.replaceAll('`', "'")}\``;
const built = (row: SummaryRow): SummaryEntry | null => (row.failed ? null : row);

function era(version: string): string {
  try {
    const e = eraFor(version);
    return `${formatEraRange(e)} (${e.shape})`;
  } catch {
    return '-';
  }
}

/** The Go and how it was had: `1.17.13 (download)`. */
function goText(go: SummaryEntry['go'] | undefined): string | undefined {
  return go ? `${go.version} (${go.source})` : undefined;
}

/**
 * The smoke verdict, the cases that held and the platform that ran: `ok (12/12, linux/amd64)`; `-`
 * without --smoke or when skipped.
 */
function smokeText(smoke: SummaryEntry['smoke'] | undefined): string | undefined {
  return smoke ? `${smoke.verdict} (${smoke.passed}/${smoke.cases}, ${smoke.platform})` : undefined;
}

export const COLUMNS: readonly Column[] = [
  { title: 'version', cell: (r) => r.version },
  { title: 'era', cell: (r) => era(r.version) },
  { title: 'platforms', cell: (r) => built(r)?.platforms.join(', ') },
  { title: 'Go', cell: (r) => goText(built(r)?.go) },
  { title: 'build time', cell: (r) => `${r.seconds.toFixed(1)} s` },
  { title: 'digest', cell: (r) => (r.failed ? '**failed**' : r.digest ? code(r.digest) : undefined) },
  { title: 'refs', cell: (r) => built(r)?.refs.map(code).join('<br>') },
  { title: 'smoke', cell: (r) => smokeText(built(r)?.smoke) },
  { title: 'skipped', cell: (r) => (r.failed ? undefined : r.skipped ? 'yes' : 'no') },
];

/** A cell's text on one line: `|` escaped, line breaks as <br>; nothing known is `-`. */
function cellText(text: string | undefined): string {
  if (text === undefined || text === '') return '-';
  return text.replaceAll('|', '\\|').replace(/\r?\n/g, '<br>');
}

/** The rows of a run: every version, in the order they were asked for (built, skipped and failed). */
export function summaryRows(summary: BuildSummary): SummaryRow[] {
  const rows: SummaryRow[] = [
    ...summary.builds.map((b) => ({ ...(b as SummaryEntry), failed: false as const })),
    ...summary.failed.map((f) => ({ ...f, failed: true as const })),
  ];
  return rows.sort((a, b) => semver.compare(a.version, b.version));
}

/**
 * The Markdown of a run: a heading, the table and each failure's message (its first line; the rest is
 * the build log's tail, in the run's log). `title` e.g. the tool and its version.
 */
export function renderSummary(summary: BuildSummary, title = 'vc-coredns build'): string {
  const rows = summaryRows(summary);
  const table = markdownTable([
    COLUMNS.map((c) => c.title),
    ...rows.map((r) => COLUMNS.map((c) => cellText(c.cell(r)))),
  ]);
  const failures = summary.failed.map((f) => `- **${f.version}**: ${f.error.split('\n')[0]}`);
  const built = summary.builds.filter((b) => !b.skipped).length;
  const skipped = summary.builds.length - built;
  const counts = `${built} built, ${skipped} skipped, ${summary.failed.length} failed`;
  return [
    `### ${title}`,
    '',
    counts,
    '',
    rows.length > 0 ? table : '_no versions_',
    ...(failures.length > 0 ? ['', '#### Failures', '', ...failures] : []),
    '',
  ].join('\n');
}
