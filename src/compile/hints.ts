// What to do about a failed build: the known hazards of the version (ERAS.md section 2) and what the
// build log says. Pure.
import { knownHazards } from '../versions/index.js';

interface LogRule {
  test: RegExp;
  hint: (m: RegExpExecArray, ctx: HintContext) => string;
}

export interface HintContext {
  version: string;
  goVersion: string;
  releaseMakefile: boolean;
  env: Record<string, string | undefined>;
}

const LOG_RULES: LogRule[] = [
  {
    test: /go\.mod requires go >= ?(\S+)/,
    hint: (m, c) =>
      `this CoreDNS needs Go >= ${m[1]?.replace(/[),;]+$/, '')} (the chosen Go is ${c.goVersion}): build with --go auto, or pass --go with a newer Go`,
  },
  {
    // Not a bare `golang.org/toolchain@`: a Go taken from the module cache names it in every GOROOT path.
    test: /go: (?:downloading|download) go\d|downloading golang\.org\/toolchain|toolchain not available|switching to go\d|GOTOOLCHAIN/,
    hint: () =>
      'Go tried to switch toolchains although vc-coredns passes GOTOOLCHAIN=local on the make command line: ' +
      'check the --build-env variables, or pass --go with the Go this CoreDNS asks for',
  },
  {
    test: /no required module provides package|is replaced but not required|missing go\.sum entry|updates to go\.mod needed/,
    hint: () =>
      "this CoreDNS's go.mod or go.sum lacks an entry that the Go of its time added while building: " +
      '--build-env GOFLAGS=-mod=mod lets Go add it (vc-coredns does so for go.mod files older than Go 1.16), ' +
      'taking the newest version the module proxy has',
  },
  {
    test: /module lookup disabled by GOPROXY=off|cannot find module providing package|dial tcp|reading https?:\/\/\S+: \d{3}|proxy\.golang\.org/,
    hint: (_m, c) =>
      'the modules this CoreDNS needs must be downloadable (upstream tags need module downloads): ' +
      `set GOPROXY to a reachable proxy (now ${c.env.GOPROXY ? `GOPROXY=${c.env.GOPROXY}` : "Go's default"}), ` +
      'or pre-fill GOMODCACHE and build with GOPROXY=off --build-env GOFLAGS=-mod=mod',
  },
  {
    test: /go:linkname/,
    hint: () =>
      'an old golang.org/x/sys does not build with this Go (go:linkname): build the Linux platforms only ' +
      "(drop --release-makefile, which also compiles darwin) or build with --go auto (upstream's Go)",
  },
  {
    test: /assume-no-moving-gc/,
    hint: (_m, c) =>
      'go4.org/unsafe/assume-no-moving-gc refuses newer Go releases: set ' +
      `ASSUME_NO_MOVING_GC_UNSAFE_RISK_IT_WITH=go${/^\d+\.\d+/.exec(c.goVersion)?.[0] ?? c.goVersion}`,
  },
  {
    test: /curl is not on PATH|No curl in|which curl/,
    hint: () =>
      'Makefile.release refuses to parse without curl on PATH: install curl, or drop --release-makefile',
  },
  {
    test: /manifest-tool/,
    hint: () =>
      "this Makefile.release refuses to parse without manifest-tool on PATH: drop --release-makefile (vc-coredns's own build needs neither)",
  },
];

/** Hints for a failed build: log matches first, then the version's known hazards; no duplicates. */
export function failureHints(log: string, ctx: HintContext): string[] {
  const hints: string[] = [];
  for (const rule of LOG_RULES) {
    const m = rule.test.exec(log);
    if (m) hints.push(rule.hint(m, ctx));
  }
  for (const h of knownHazards(ctx.version)) {
    // The x/sys hazard is about darwin: it matters when the log shows it or darwin was built.
    const aboutDarwin = h.includes('go:linkname');
    if (aboutDarwin && !ctx.releaseMakefile && !/go:linkname/.test(log)) continue;
    if (aboutDarwin && hints.some((x) => x.includes('go:linkname'))) {
      hints.splice(
        hints.findIndex((x) => x.includes('go:linkname')),
        1,
      );
    }
    if (h.includes('assume-no-moving-gc') && hints.some((x) => x.includes('assume-no-moving-gc'))) continue;
    hints.push(h);
  }
  return hints;
}

/** The last `n` lines of a log, without trailing blank lines. */
export function tail(text: string, n = 20): string[] {
  const lines = text.replace(/\s+$/, '').split('\n');
  return lines.slice(Math.max(0, lines.length - n));
}
