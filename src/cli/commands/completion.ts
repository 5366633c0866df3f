import type { Command } from 'commander';
import { parseChoice } from '../options.js';
import type { CommandEnv } from './shared.js';

/** `__complete -- WORD... CURRENT`: what the completion scripts ask on TAB (see cli/completion.ts). */
async function runComplete(program: Command, argv: string[], env: CommandEnv): Promise<number> {
  const [{ complete, formatCompletion, specOf }, { SHELLS }, { PROGRESS_MODES }, source, versions] =
    await Promise.all([
      import('../completion.js'),
      import('../completion-scripts.js'),
      import('../progress-mode.js'),
      import('../../source/index.js'),
      import('../../versions/index.js'),
    ]);
  const words = argv.length > 0 ? argv.slice(0, -1) : [];
  const current = argv.at(-1) ?? '';
  // The repository whose cached tags to offer: --repo as typed, else VC_COREDNS_REPO or upstream.
  let url: string | undefined;
  const repoAt = words.lastIndexOf('--repo');
  try {
    url = source.resolveRepoUrl(repoAt >= 0 ? words[repoAt + 1] : undefined, env.io.env);
  } catch {
    url = undefined;
  }
  const allPlatforms = [
    ...new Set(versions.ERAS.flatMap((e) => versions.platformsForEra(e).map(versions.formatPlatform))),
  ];
  const result = complete(specOf(program), words, current, {
    versions: await source.knownVersions(source.defaultCacheDir(env.io.env), url),
    platforms: (version) => {
      try {
        if (version === undefined) return allPlatforms;
        return versions.platformsForEra(versions.eraFor(version)).map(versions.formatPlatform);
      } catch {
        return allPlatforms;
      }
    },
    kubernetes: versions.knownKubernetesMinors(),
    shells: SHELLS,
    progressModes: PROGRESS_MODES,
  });
  env.io.out(formatCompletion(result));
  return 0;
}

export function registerCompletion(program: Command, env: CommandEnv): void {
  program
    .command('completion')
    .description('print the shell completion script (commands, flags, platforms, cached versions)')
    .argument('<shell>', 'bash, zsh or fish')
    .addHelpText(
      'after',
      `
Examples:
  $ source <(vc-coredns completion bash)
  $ vc-coredns completion zsh > "\${fpath[1]}/_vc-coredns"
  $ vc-coredns completion fish > ~/.config/fish/completions/vc-coredns.fish`,
    )
    .action(async (shell: string) => {
      const { SHELLS, completionScript } = await import('../completion-scripts.js');
      env.io.out(completionScript(parseChoice('shell', shell, SHELLS)));
      env.exit(0);
    });
  program
    .command('__complete', { hidden: true })
    .description('what the completion scripts ask on TAB')
    .argument('[words...]')
    .helpOption(false)
    .allowUnknownOption()
    .action(async (words: string[]) => env.exit(await runComplete(program, words, env)));
}
