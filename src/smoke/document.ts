// The smoke result as users see it (pure): the `smoke --json` document of DESIGN.md, also the `smoke`
// member of `verify --smoke --json`, and the failure a run ends with.
import { VcError } from '../errors.js';
import { formatAnswer } from './cases.js';
import type { SmokeRun } from './run.js';

/** DESIGN.md's `{ref, platform, coredns, annotation, ok, verdict, cases}`, plus `kubernetes`, `seconds`, `error`, `log`. */
export interface SmokeDocument {
  ref: string;
  platform: string;
  coredns: string | null;
  annotation: string;
  ok: boolean;
  verdict: SmokeRun['verdict'];
  cases: {
    name: string;
    question: string;
    type: string;
    transport: string;
    want: string;
    got: string;
    ok: boolean;
  }[];
  /** the Kubernetes minor the fake API reported */
  kubernetes: string;
  seconds: number;
  /** why it failed other than by an answer (did not start, crashed, timed out), else null */
  error: string | null;
  /** the binary's last log lines when it failed */
  log: string[];
}

export function smokeDocument(
  ref: string,
  platform: string,
  annotation: string,
  run: SmokeRun,
): SmokeDocument {
  return {
    ref,
    platform,
    coredns: run.coredns,
    annotation,
    ok: run.ok,
    verdict: run.verdict,
    cases: run.cases.map((r) => ({
      name: r.case.name,
      question: r.case.question,
      type: r.case.type,
      transport: r.case.transport,
      want: formatAnswer(r.case.want),
      got: r.got === null ? `no reply (${r.error ?? 'timeout'})` : formatAnswer(r.got),
      ok: r.ok,
    })),
    kubernetes: run.kubernetes,
    seconds: run.seconds,
    error: run.error,
    log: run.logTail,
  };
}

/** The VcError (exit 1) a smoke run that did not pass ends with, or null. */
export function smokeFailure(
  doc: Pick<SmokeDocument, 'ok' | 'verdict' | 'error' | 'cases'>,
  what: string,
): VcError | null {
  if (doc.ok) return null;
  if (doc.verdict === 'not-patched') {
    return new VcError(`${what} answers with the Services' own cluster IPs: it is not patched`, {
      code: 'SMOKE_NOT_PATCHED',
      hint: 'build it with vc-coredns, or check --annotation against the key it was patched for',
    });
  }
  const failed = doc.cases.filter((c) => !c.ok).length;
  return new VcError(
    doc.error ? `${what} failed the smoke test: ${doc.error}` : `${what} failed ${failed} smoke case(s)`,
    { code: 'SMOKE_FAILED' },
  );
}

/** The failing cases (`a annotation: A single... want 10.96.0.99, got 10.0.0.5`) and the last log lines. */
export function smokeDetails(doc: Pick<SmokeDocument, 'cases' | 'log'>, logLines = 5): string[] {
  const cases = doc.cases
    .filter((c) => !c.ok)
    .map(
      (c) =>
        `${c.name}: ${c.type} ${c.question}${c.transport === 'tcp' ? ' (tcp)' : ''} want ${c.want}, got ${c.got}`,
    );
  const log = doc.log.slice(-logLines).map((l) => `coredns: ${l}`);
  return [...cases, ...log];
}
