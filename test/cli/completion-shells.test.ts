// The completion scripts, run by the shells themselves against the compiled CLI (on PATH as
// `vc-coredns`), with versions the cache learned from a real `vc-coredns versions` of the fixture:
// - bash: the script sourced in a bash subprocess, `complete -p` and the function bash calls on TAB,
//   with COMP_LINE/COMP_POINT/COMP_WORDS/COMP_CWORD as bash sets them (COMP_WORDBREAKS splits at = and :);
// - zsh: an interactive zsh on a pseudo-terminal (zsh's own zpty) with compinit; TAB is typed and the
//   matches the completion system adds are read back;
// - fish: fish's own `complete -C LINE`.
// scripts/setup.sh installs zsh and fish (Debian's); each script also passes its shell's syntax check.
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, vc } from '../support/cli.js';
import { createFixtureRepo, type FixtureRepo } from '../support/fixture.js';

let work: string;
let repo: FixtureRepo;
let env: Record<string, string>;
const script: Record<string, string> = {};

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'vc-shells-'));
  repo = await createFixtureRepo(join(work, 'repo'));
  const bin = join(work, 'bin');
  await mkdir(bin);
  // `vc-coredns` as an installed package has it: a command on PATH
  await writeFile(join(bin, 'vc-coredns'), `#!/bin/sh\nexec '${process.execPath}' '${CLI}' "$@"\n`);
  await chmod(join(bin, 'vc-coredns'), 0o755);
  env = {
    PATH: `${bin}:${process.env.PATH ?? ''}`,
    HOME: work,
    VC_COREDNS_CACHE: join(work, 'cache'),
    VC_COREDNS_REPO: repo.url,
    TERM: 'xterm',
  };
  // the cache learns the fixture's versions as it does in use
  const listed = await vc(['versions', '--json'], { env });
  expect(listed.exitCode, listed.stderr).toBe(0);
  for (const shell of ['bash', 'zsh', 'fish']) {
    const r = await vc(['completion', shell], { env });
    expect(r.exitCode).toBe(0);
    script[shell] = join(work, `completion.${shell}`);
    await writeFile(script[shell] as string, r.stdout);
  }
  await mkdir(join(work, 'trees', 'coredns-checkout'), { recursive: true });
}, 120_000);
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

// The fixture's buildable versions, newest first (v1.1.0 has no service.go, yet it is a release tag).
const VERSIONS = ['v1.12.0', 'v1.9.3', 'v1.7.1', 'v1.6.8', 'v1.6.2', 'v1.1.0'];

/** Output in sections: a `--- LINE` header, then that line's candidates, one per line. */
function sections(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current: string[] = [];
  for (const l of text.split('\n')) {
    if (l.startsWith('--- ')) {
      current = [];
      out.set(l.slice(4), current);
    } else if (l !== '') current.push(l);
  }
  return out;
}

/** Cases every shell must complete alike: the line typed, then what TAB offers. */
const CASES: [string, string[]][] = [
  ['vc-coredns bu', ['build']],
  ['vc-coredns build --plat', ['--platforms']],
  ['vc-coredns build --progress ', ['auto', 'tty', 'plain', 'json']],
  [
    'vc-coredns build --platforms linux/amd64,linux/arm',
    ['linux/amd64,linux/arm/v7', 'linux/amd64,linux/arm64'],
  ],
  ['vc-coredns build --version v', VERSIONS],
  ['vc-coredns completion ', ['bash', 'zsh', 'fish']],
];

describe('bash', () => {
  /** Runs the completion function as bash does on TAB; prints COMPREPLY, one per line, per case. */
  const HARNESS = `
source "$1"; shift
complete -p vc-coredns
words_of() {   # COMP_WORDS as bash makes them: blanks separate, = and : are words of their own
  local line=$1 w="" c i
  COMP_WORDS=()
  for ((i = 0; i < \${#line}; i++)); do
    c=\${line:i:1}
    if [[ $c == [[:space:]] ]]; then [[ -n $w ]] && COMP_WORDS+=("$w"); w=""
    elif [[ $c == [=:] ]]; then [[ -n $w ]] && COMP_WORDS+=("$w"); COMP_WORDS+=("$c"); w=""
    else w+=$c; fi
  done
  [[ -n $w ]] && COMP_WORDS+=("$w")
  [[ $line == *[[:space:]] ]] && COMP_WORDS+=("")
  COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 ))
}
for line in "$@"; do
  COMP_LINE=$line; COMP_POINT=\${#line}; words_of "$line"
  COMPREPLY=()
  _vc_coredns
  printf '%s\\n' "--- $line" "\${COMPREPLY[@]}"
done`;

  async function bash(lines: string[]): Promise<{ registered: string; replies: Map<string, string[]> }> {
    const r = await execa(
      'bash',
      ['--noprofile', '--norc', '-c', HARNESS, 'bash', script.bash as string, ...lines],
      {
        env,
        extendEnv: false,
        cwd: join(work, 'trees'),
      },
    );
    const [registered = '', ...rest] = r.stdout.split('\n');
    return { registered, replies: sections(rest.join('\n')) };
  }

  it('passes bash -n and registers for vc-coredns', async () => {
    await execa('bash', ['-n', script.bash as string]);
    expect((await bash([])).registered).toBe('complete -F _vc_coredns vc-coredns');
  });

  it('completes commands, flags, values, platform lists and cached versions', async () => {
    const { replies } = await bash(CASES.map(([line]) => line));
    for (const [line, want] of CASES) expect(replies.get(line), line).toEqual(want);
  });

  it('completes after = and : the part bash replaces', async () => {
    const { replies } = await bash(['vc-coredns build --progress=j', 'vc-coredns build --version=v1.1']);
    // bash replaces only its last word (after the `=`), so the reply is that part
    expect(replies.get('vc-coredns build --progress=j')).toEqual(['json']);
    expect(replies.get('vc-coredns build --version=v1.1')).toEqual(['v1.12.0', 'v1.1.0']);
  });
});

describe('zsh', () => {
  /**
   * An interactive `zsh -f` on a pty (zsh/zpty), compinit, the script sourced; compadd wrapped so that
   * every match the completion system adds is printed between markers. For each line: type it and TAB,
   * read until the markers, print the matches, then Ctrl-U for the next line.
   */
  const DRIVER = `
zmodload zsh/zpty zsh/datetime
script=$1; shift
zpty vz 'zsh -f -i'
buf=
read_until() {
  local chunk deadline=$(( EPOCHREALTIME + 30 ))
  while (( EPOCHREALTIME < deadline )); do
    if zpty -r -t vz chunk; then
      buf+=$chunk
      [[ $buf == *"$1"* ]] && return 0
    else
      sleep 0.05
    fi
  done
  print -r -- "TIMEOUT waiting for $1 in: $buf"
  exit 1
}
zpty -w vz "PS1='%% '; autoload -Uz compinit; compinit -u -D; source $script"
zpty -w vz 'compadd() { local -a m; builtin compadd -O m "$@"; print -r -- "<m>\${(pj:|:)m}</m>"; builtin compadd "$@" }'
zpty -w vz 'print READY-$((40 + 2))'
read_until READY-42
for line in "$@"; do
  buf=
  zpty -n -w vz "$line"$'\\t'
  read_until '</m>'
  matches=\${buf##*<m>}
  print -r -- "--- $line"
  print -r -- "\${matches%%</m>*}"
  zpty -n -w vz $'\\C-u'
done
zpty -d vz`;

  it('passes zsh -n', async () => {
    await execa('zsh', ['-n', script.zsh as string]);
  });

  it('completes on TAB at an interactive prompt as for bash', async () => {
    const r = await execa(
      'zsh',
      ['-f', '-c', DRIVER, 'zsh', script.zsh as string, ...CASES.map(([l]) => l)],
      {
        env,
        extendEnv: false,
        cwd: join(work, 'trees'),
        reject: false,
      },
    );
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    const got = sections(r.stdout);
    for (const [line, want] of CASES) expect(got.get(line)?.[0]?.split('|'), line).toEqual(want);
  });
});

describe('fish', () => {
  async function fish(lines: string[]): Promise<Map<string, string[]>> {
    const body = lines.map((l) => `echo '--- ${l}'; complete -C '${l}'`).join('; ');
    const r = await execa('fish', ['--no-config', '-c', `source ${script.fish}; ${body}`], {
      env,
      extendEnv: false,
      cwd: join(work, 'trees'),
    });
    return sections(r.stdout);
  }

  it('passes fish --no-execute', async () => {
    await execa('fish', ['--no-execute', script.fish as string]);
  });

  it("completes with fish's own complete -C, descriptions beside values", async () => {
    const got = await fish([...CASES.map(([l]) => l), 'vc-coredns patch coredns-']);
    for (const [line, want] of CASES) {
      // fish sorts what it shows in its own order; descriptions follow a tab
      expect(
        got
          .get(line)
          ?.map((l) => l.split('\t')[0])
          .sort(),
        line,
      ).toEqual([...want].sort());
    }
    expect(got.get('vc-coredns bu')).toEqual([
      'build\tclone, patch and build CoreDNS, and write multi-arch images (or binaries)',
    ]);
    // file names where a path goes
    expect(got.get('vc-coredns patch coredns-')).toEqual(['coredns-checkout/']);
  });
});
