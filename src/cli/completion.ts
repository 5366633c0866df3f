// Shell completion. The scripts of `vc-coredns completion bash|zsh|fish` are thin: on TAB they run the
// hidden `vc-coredns __complete -- WORD... CURRENT` and show what it prints. What to offer is decided
// here, in one pure function of the command tree (read from commander), the words typed so far and the
// values known (versions from the cache, platforms, Kubernetes releases), the same for every shell.
//
// `__complete` prints a directive line, then one candidate per line (`value` or `value<TAB>description`):
//   :values    the candidates below
//   :nospace   the candidates below; no space after the one chosen (a list or prefix goes on)
//   :files     complete file names instead (no candidates)
// No npm library is used: @bomb.sh/tab (0.0.x) prints through console.log from a module-wide instance
// (so not through the CLI's Io, which the tests drive) and names its command `complete`; the protocol
// here is its (and cobra's) idea in a few lines.
import type { Command, Help } from 'commander';
import semver from 'semver';

export interface OptionSpec {
  /** `--platforms` */
  long: string;
  /** `-V`, or undefined */
  short: string | undefined;
  description: string;
  takesValue: boolean;
}

export interface CommandSpec {
  name: string;
  description: string;
  options: OptionSpec[];
  /** positional arguments, in order */
  args: string[];
}

export interface CompletionSpec {
  commands: CommandSpec[];
  /** the program's own options (--help, --version, --debug) */
  options: OptionSpec[];
}

function optionsOf(help: Help, cmd: Command): OptionSpec[] {
  return help
    .visibleOptions(cmd)
    .flatMap((o) =>
      o.long
        ? [{ long: o.long, short: o.short, description: o.description, takesValue: o.required || o.optional }]
        : [],
    );
}

/** The command tree as commander holds it (visible commands and options only). */
export function specOf(program: Command): CompletionSpec {
  const help = program.createHelp();
  return {
    options: optionsOf(help, program),
    commands: help.visibleCommands(program).map((c) => ({
      name: c.name(),
      description: c.description(),
      options: optionsOf(help, c),
      args: c.registeredArguments.map((a) => a.name()),
    })),
  };
}

/** What completion can offer for values, read by the CLI (the cache) or taken from the tables. */
export interface ValueSources {
  /** versions the cache knows (any order) */
  versions: string[];
  /** every platform some release builds, or those of the release a `--version` names */
  platforms(version: string | undefined): string[];
  /** Kubernetes releases of the table (`1.31`) */
  kubernetes: string[];
  shells: readonly string[];
  progressModes: readonly string[];
}

export interface Candidate {
  value: string;
  description?: string;
}

export type Completion = { kind: 'values'; candidates: Candidate[]; nospace: boolean } | { kind: 'files' };

const FILES: Completion = { kind: 'files' };
const values = (candidates: Candidate[], nospace = false): Completion => ({
  kind: 'values',
  candidates,
  nospace,
});

/** Option values that are paths: file name completion. */
const PATH_OPTIONS = new Set([
  '--repo',
  '--source',
  '--dir',
  '--summary',
  '--kubernetes-map',
  '--write-patch',
  '--key',
  '--sign-key',
  '--output-prefix',
  '--attestations-dir',
  '--ca-file',
  '--go',
]);

/** Fixed choices of option values (the flags validate the same lists). */
const CHOICES: Record<string, readonly string[]> = {
  '--format': ['github', 'json'],
  '--strategy': ['auto', 'ast', 'text'],
  '--go-toolchain': ['local', 'auto'],
};

const OUTPUT_KINDS: Candidate[] = [
  { value: 'oci:', description: 'an OCI image layout folder' },
  { value: 'docker-archive:', description: 'a docker load tarball' },
  { value: 'binaries:', description: 'a folder of coredns binaries' },
];

function newestFirst(versions: string[]): string[] {
  return [...new Set(versions)].filter((v) => semver.valid(v)).sort(semver.rcompare);
}

/** Versions as the user writes them: `v1.9.3`, or `1.9.3` once they typed a digit first. */
function versionCandidates(current: string, known: string[], extra: string[]): Candidate[] {
  const bare = /^\d/.test(current);
  return [...newestFirst(known).map((v) => (bare ? v.replace(/^v/, '') : v)), ...extra]
    .filter((v) => v.startsWith(current))
    .map((value) => ({ value }));
}

/** A comma-separated list: the items not yet in it, after what is typed up to the last comma. */
function listCandidates(current: string, items: string[]): Completion {
  const cut = current.lastIndexOf(',') + 1;
  const head = current.slice(0, cut);
  const have = new Set(head.split(',').filter(Boolean));
  const tail = current.slice(cut);
  return values(
    items.filter((i) => !have.has(i) && i.startsWith(tail)).map((i) => ({ value: `${head}${i}` })),
    true,
  );
}

/** The value of an option in the words typed, or undefined. */
function optionValue(words: readonly string[], long: string): string | undefined {
  for (let i = words.length - 1; i >= 0; i--) {
    const w = words[i] as string;
    if (w === long) return words[i + 1];
    if (w.startsWith(`${long}=`)) return w.slice(long.length + 1);
  }
  return undefined;
}

function optionValues(
  option: OptionSpec,
  command: CommandSpec,
  words: readonly string[],
  current: string,
  src: ValueSources,
): Completion {
  const { long } = option;
  if (PATH_OPTIONS.has(long)) return FILES;
  const choices = CHOICES[long];
  const pick = (list: readonly string[]) =>
    values(list.filter((c) => c.startsWith(current)).map((value) => ({ value })));
  if (choices) return pick(choices);
  switch (long) {
    case '--progress':
      return pick(src.progressModes);
    case '--version':
      return values(versionCandidates(current, src.versions, command.name === 'build' ? ['latest'] : []));
    case '--range':
      return values(versionCandidates(current, src.versions, ['latest']));
    case '--platforms':
      return listCandidates(current, src.platforms(optionValue(words, '--version')));
    case '--platform':
      return pick(src.platforms(undefined));
    case '--kubernetes':
      return listCandidates(current, src.kubernetes);
    case '--output':
      return current.includes(':')
        ? FILES
        : values(
            OUTPUT_KINDS.filter((k) => k.value.startsWith(current)),
            true,
          );
    default:
      return values([]);
  }
}

function findOption(options: OptionSpec[], word: string): OptionSpec | undefined {
  return options.find((o) => o.long === word || o.short === word);
}

/**
 * What to offer for `current`, the word at the cursor, after `words` (the words before it, the program
 * name left out). Candidates start with `current`.
 */
export function complete(
  spec: CompletionSpec,
  words: readonly string[],
  current: string,
  src: ValueSources,
): Completion {
  const flags = (options: OptionSpec[]) =>
    values(
      options
        .filter((o) => o.long.startsWith(current))
        .map((o) => ({ value: o.long, description: o.description })),
    );
  const index = words.findIndex((w) => !w.startsWith('-'));
  const command = index < 0 ? undefined : spec.commands.find((c) => c.name === words[index]);
  if (index < 0) {
    if (current.startsWith('-')) return flags(spec.options);
    return values(
      spec.commands
        .filter((c) => c.name.startsWith(current))
        .map((c) => ({ value: c.name, description: c.description })),
    );
  }
  if (!command) return values([]);
  const rest = words.slice(index + 1);
  // `--flag=value` at the cursor
  const eq = current.indexOf('=');
  if (current.startsWith('--') && eq > 0) {
    const option = findOption(command.options, current.slice(0, eq));
    if (!option?.takesValue) return values([]);
    const prefix = current.slice(0, eq + 1);
    const inner = optionValues(option, command, rest, current.slice(eq + 1), src);
    if (inner.kind === 'files') return inner;
    return values(
      inner.candidates.map((c) => ({ ...c, value: `${prefix}${c.value}` })),
      inner.nospace,
    );
  }
  // the value of the option before the cursor
  const previous = rest.at(-1);
  const option = previous === undefined ? undefined : findOption(command.options, previous);
  if (option?.takesValue) return optionValues(option, command, rest, current, src);
  if (current.startsWith('-')) return flags(command.options);
  // positional arguments: which one is at the cursor
  let position = 0;
  for (let i = 0; i < rest.length; i++) {
    const w = rest[i] as string;
    if (w.startsWith('-')) {
      if (!w.includes('=') && findOption(command.options, w)?.takesValue) i++;
    } else position++;
  }
  const arg = command.args[position];
  if (arg === undefined) return values([]);
  if (arg === 'shell') {
    return values(src.shells.filter((s) => s.startsWith(current)).map((value) => ({ value })));
  }
  if (arg === 'command')
    return values(
      spec.commands
        .filter((c) => c.name.startsWith(current))
        .map((c) => ({ value: c.name, description: c.description })),
    );
  return FILES;
}

/** What `__complete` prints: the directive line, then the candidates. */
export function formatCompletion(c: Completion): string {
  if (c.kind === 'files') return ':files\n';
  const lines = c.candidates.map((x) =>
    x.description ? `${x.value}\t${x.description.replace(/\s+/g, ' ')}` : x.value,
  );
  return `${[c.nospace ? ':nospace' : ':values', ...lines].join('\n')}\n`;
}
