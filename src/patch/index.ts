export {
  type AnnotationKey,
  annotationKeyProblem,
  DEFAULT_ANNOTATION,
  goStringLiteral,
  parseAnnotationKey,
} from './annotation-key.js';
export { SERVICE_GO, unifiedDiff } from './diff.js';
export { applyEdits, type Edit } from './edits.js';
export { findGofmt, type GoFmt } from './gofmt.js';
export { loadGoParser, tryLoadGoParser } from './grammar.js';
export { findExistingPatch } from './markers.js';
export {
  defaultPatchDeps,
  locateServiceGo,
  type PatchDeps,
  type PatchOutcome,
  type PatchRequest,
  patchServiceGo,
  patchSource,
} from './patch-file.js';
export { type PatchPlan, type Planned, planPatch, type Strategy } from './plan.js';
export { patchId, patchRulesVersion } from './templates.js';
export { verifyPatched } from './verify.js';
