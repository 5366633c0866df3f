// The Markdown table of a build run: one row per version (version, era, platforms, Go and how it was
// had, build time, digest, refs, smoke verdict, skipped), the failures under it. `build --summary FILE`
// writes it; the GitHub step summary (issue 15) appends the same text. Pure.
import type { BuildSummary } from '../pipeline/build.js';
import { eraFor, formatEraRange } from '../versions/index.js';

export interface SummaryMeta {
  /** vc-coredns's version */
  tool: string;
  /** when the run ended */
  date: Date;
}

export const SUMMARY_COLUMNS = [
  'version',
  'era',
  'platforms',
  'Go',
  'build time',
  'digest',
  'refs',
  'smoke',
  'skipped',
] as const;

/** A table cell: one line, no column breaks. */
function cell(text: string): string {
  return text.replace(/\r?\n/g, ' ').replaceAll('|', '\\|');
}

function code(text: string): string {
  return `\`${text.replaceAll('`', "'")}\``;
}

/** `0.4 s`, `59.9 s`, `4 min 05 s`. */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const whole = Math.round(seconds);
  return `${Math.floor(whole / 60)} min ${String(whole % 60).padStart(2, '0')} s`;
}

function row(b: BuildSummary['builds'][number]): string[] {
  const era = eraFor(b.version);
  const smoke = b.smoke
    ? `${b.smoke.verdict} (${b.smoke.passed}/${b.smoke.cases}, ${b.smoke.platform})`
    : '-';
  return [
    b.version,
    `${era.shape} ${formatEraRange(era)}`,
    b.platforms.join(', '),
    `${b.go.version} (${b.go.source})`,
    formatDuration(b.seconds),
    b.digest === null ? '-' : code(b.digest),
    b.refs.map(code).join('<br>'),
    smoke,
    b.skipped ? 'yes' : 'no',
  ];
}

/** The run's Markdown: a title line, the table (when anything was built or skipped), then the failures. */
export function summaryMarkdown(summary: BuildSummary, meta: SummaryMeta): string {
  const { builds, failed } = summary;
  const built = builds.filter((b) => !b.skipped).length;
  const counts = `${built} built, ${builds.length - built} skipped, ${failed.length} failed`;
  const lines = [
    `### vc-coredns build: ${counts}`,
    '',
    `vc-coredns ${meta.tool}, ${meta.date.toISOString()}`,
  ];
  if (builds.length > 0) {
    lines.push('', `| ${SUMMARY_COLUMNS.join(' | ')} |`, `|${SUMMARY_COLUMNS.map(() => '---').join('|')}|`);
    for (const b of builds) lines.push(`| ${row(b).map(cell).join(' | ')} |`);
  }
  if (failed.length > 0) {
    lines.push('', 'Failed:', '');
    for (const f of failed) lines.push(`- ${f.version}: ${cell(f.error.split('\n')[0] ?? '')}`);
  }
  return `${lines.join('\n')}\n`;
}
