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
  logFileName,
} from './compile.js';
export {
  compareGoVersions,
  type GoVersion,
  parseGoVersion,
  sameGoRelease,
  satisfiesGoMinimum,
} from './go-version.js';
export { failureHints, type HintContext } from './hints.js';
export { execaRunner, type Runner, type RunOptions, type RunResult } from './runner.js';
export {
  checkGoRequirement,
  checkTools,
  type Env,
  findGo,
  findOnPath,
  type GoInfo,
  type GoRequirement,
  goModMinimum,
  type Tools,
} from './tools.js';
