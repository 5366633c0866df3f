// A BuildRequest for tests of the plan and the preflight: the defaults of `build` with the flags given.
import { DEFAULT_ANNOTATION, parseAnnotationKey } from '../../src/patch/annotation-key.js';
import type { BuildRequest } from '../../src/pipeline/plan.js';
import { parseOutputs } from '../../src/publish/outputs.js';

export function buildRequest(
  over: Partial<BuildRequest> & { output?: string[]; push?: string[]; load?: boolean; cwd?: string } = {},
): BuildRequest {
  const { output, push, load, cwd, ...rest } = over;
  return {
    selection: { spec: '>=1.7.0', buildable: true },
    repoUrl: 'file:///srv/coredns',
    outputs: parseOutputs({ output, push, load }, cwd ?? '/work'),
    key: parseAnnotationKey(DEFAULT_ANNOTATION),
    jobs: 0,
    force: false,
    go: { kind: 'auto' },
    goFallback: false,
    goSearch: [],
    buildEnv: {},
    releaseMakefile: false,
    tagSuffix: '',
    alsoTag: [],
    ...rest,
  };
}
