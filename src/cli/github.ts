// GitHub Actions: workflow commands on stderr (`::error`, `::warning`, `::group::`) and the step
// summary. The runner reads workflow commands from a step's stderr as from its stdout (actions/runner
// src/Runner.Worker/Handlers/ScriptHandler.cs hands both streams to the same OutputManager), so stdout
// keeps its one --json document. @actions/core is not used: it writes commands on stdout only and does
// not export its escaping, which is the few lines below.
import { appendFile } from 'node:fs/promises';
import { redact } from '../errors.js';
import type { Reporter } from '../pipeline/context.js';
import type { Io } from './io.js';

/** Whether this process runs as a step of GitHub Actions (the runner sets GITHUB_ACTIONS=true). */
export function inGitHubActions(env: NodeJS.ProcessEnv): boolean {
  return env.GITHUB_ACTIONS === 'true';
}

/** A command's message: `%`, CR and LF escaped, so that one command stays one line. */
export function escapeData(text: string): string {
  return text.replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A');
}

/** A property value: as data, and `:` and `,` too, which end a property or the property list. */
export function escapeProperty(text: string): string {
  return escapeData(text).replaceAll(':', '%3A').replaceAll(',', '%2C');
}

/** `::name key=value,...::message` (one line, with its newline). Secrets are redacted first. */
export function workflowCommand(
  name: string,
  message: string,
  properties: Record<string, string | undefined> = {},
): string {
  const props = Object.entries(properties)
    .filter((p): p is [string, string] => p[1] !== undefined && p[1] !== '')
    .map(([k, v]) => `${k}=${escapeProperty(redact(v))}`)
    .join(',');
  return `::${name}${props ? ` ${props}` : ''}::${escapeData(redact(message))}\n`;
}

/** One failure as an annotation: `::error title=...::message` on stderr. */
export function annotateError(io: Io, title: string, message: string): void {
  io.err(workflowCommand('error', message, { title }));
}

/**
 * Wraps a reporter for a GitHub Actions log: each version's lines inside a `::group::` (opened by the
 * version's first event, closed when it finishes), warnings also as `::warning` annotations. Versions
 * are built one after another, so groups never interleave; a line of another version closes the open
 * group first.
 */
export function githubReporter(inner: Reporter, io: Io): Reporter {
  let open: string | null = null;
  const endGroup = () => {
    if (open === null) return;
    io.err('::endgroup::\n');
    open = null;
  };
  const enter = (version: string) => {
    if (open === version) return;
    endGroup();
    io.err(workflowCommand('group', `CoreDNS ${version}`));
    open = version;
  };
  return {
    stage(version, stage, detail) {
      enter(version);
      inner.stage(version, stage, detail);
    },
    platform(version, platform, state, detail) {
      enter(version);
      inner.platform(version, platform, state, detail);
    },
    finish(version, outcome, detail) {
      enter(version);
      inner.finish(version, outcome, detail);
      endGroup();
    },
    info: (m) => inner.info(m),
    warn(m) {
      inner.warn(m);
      io.err(workflowCommand('warning', m, { title: 'vc-coredns' }));
    },
    close() {
      endGroup();
      inner.close();
    },
  };
}

/**
 * Appends Markdown to the step summary (`$GITHUB_STEP_SUMMARY`, a file the runner gives each step and
 * shows on the run's page). Nothing when not in Actions or when the runner gave no file.
 */
export async function appendStepSummary(env: NodeJS.ProcessEnv, markdown: string): Promise<boolean> {
  const file = env.GITHUB_STEP_SUMMARY;
  if (!inGitHubActions(env) || !file) return false;
  await appendFile(file, markdown.endsWith('\n') ? markdown : `${markdown}\n`);
  return true;
}
