// What every stage may need from the outside world (read once by the CLI), and the contract of what the
// pipeline tells about long work. The CLI implements Reporter (plain lines, a TTY task list); nothing
// here knows how it looks.

/**
 * The stages of one version, in the order a build passes them. smoke, sign and attest are reserved for
 * `build --smoke`, `--sign-key` and the SBOM/provenance attachments; a stage added here needs a text in
 * the CLI's reporters (cli/progress.ts, cli/tty-progress.ts).
 */
export const STAGES = [
  'resolve',
  'skip-check',
  'checkout',
  'patch',
  'build',
  'assemble',
  'smoke',
  'publish',
  'sign',
  'attest',
] as const;

export type Stage = (typeof STAGES)[number];

/** What the pipeline tells about long work; the CLI decides how it looks. */
export interface Reporter {
  /** a stage of one version began (detail: e.g. the URL being cloned) */
  stage(version: string, stage: Stage, detail?: string): void;
  /** one platform's build or upload changed state */
  platform(version: string, platform: string, state: 'start' | 'done' | 'failed', detail?: string): void;
  /** the version finished: ok, skipped or failed */
  finish(version: string, outcome: 'built' | 'skipped' | 'failed', detail?: string): void;
  info(message: string): void;
  warn(message: string): void;
  /** stops timers; call once at the end */
  close(): void;
}

/** What every stage may need from the outside world, read once by the CLI. */
export interface Context {
  env: NodeJS.ProcessEnv;
  cwd: string;
  cacheDir: string;
  signal: AbortSignal;
  reporter: Reporter;
  /** told the versions once they are known (a TTY task list needs them up front) */
  onResolved?: (versions: string[]) => void;
  /** `--verbose`: told each make and go command before it runs (registry requests: the CLI's client) */
  trace?: (line: string) => void;
}
