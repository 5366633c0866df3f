// compile/: Go choice and per-platform builds through each release's own Makefile (ERAS.md section 2).

export {
  binaryPath,
  buildEnv,
  type Command,
  type CommandContext,
  formatCommand,
  perArchCommand,
  releaseCommand,
} from './commands.js';
export {
  type CompileProgress,
  type CompileRequest,
  type CompileStage,
  compileBinaries,
  defaultJobs,
  dryRunMake,
  logFileName,
} from './compile.js';
export { INHERITED, inheritedEnv, parseBuildEnv } from './environment.js';
export {
  type GoChoice,
  type GoChooser,
  type GoChooserOptions,
  type GoRequest,
  type GoSource,
  type GoUsed,
  type GoWant,
  goChooser,
  parseGoRequest,
} from './go-choice.js';
export { cachedGoRoot, downloadGo, goCacheDir } from './go-download.js';
export { findInstalledGos, type GoSearch, type InstalledGo } from './go-installed.js';
export { DEFAULT_GO_DOWNLOAD_URL, listArchives, listToolchainVersions } from './go-listings.js';
export {
  compareGoVersions,
  type GoVersion,
  goModFlags,
  parseGoVersion,
  sameGoRelease,
  satisfiesGoMinimum,
} from './go-version.js';
export { failureHints, type HintContext } from './hints.js';
export { execaRunner, type Runner, type RunOptions, type RunResult } from './runner.js';
export {
  checkGoRequirement,
  checkMakeTools,
  type Env,
  findGo,
  findOnPath,
  type GoInfo,
  type GoRequirement,
  goModMinimum,
} from './tools.js';
export { tracedRunner, traceLine } from './trace.js';
