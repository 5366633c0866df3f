// The smoke verdict (pure): `ok` when every case holds; `not-patched` when each failing case got exactly
// what an unpatched CoreDNS answers and the rest hold (the binary works, the patch is missing); `failed`
// for anything else (a wrong answer of another kind, no reply, or a binary that did not start).
import type { DnsAnswer, SmokeCase } from './cases.js';

export type Verdict = 'ok' | 'not-patched' | 'failed';

export interface CaseResult {
  case: SmokeCase;
  /** null: no reply (timeout or a closed connection) */
  got: DnsAnswer | null;
  ok: boolean;
  /** why there was no reply */
  error?: string;
}

export function sameAnswer(a: DnsAnswer | null, b: DnsAnswer): boolean {
  return (
    a !== null &&
    a.rcode === b.rcode &&
    a.data.length === b.data.length &&
    a.data.every((d, i) => d === b.data[i])
  );
}

export function judge(c: SmokeCase, got: DnsAnswer | null, error?: string): CaseResult {
  return { case: c, got, ok: sameAnswer(got, c.want), ...(error ? { error } : {}) };
}

/** `started`: false when the binary did not start or stopped before the cases ran. */
export function verdictOf(results: readonly CaseResult[], started = true): Verdict {
  if (!started || results.length === 0) return 'failed';
  const failing = results.filter((r) => !r.ok);
  if (failing.length === 0) return 'ok';
  const unpatched = failing.every(
    (r) => !sameAnswer(r.case.unpatched, r.case.want) && sameAnswer(r.got, r.case.unpatched),
  );
  return unpatched ? 'not-patched' : 'failed';
}
