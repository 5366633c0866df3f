// pipeline/: composes the stages. resolve -> (prepare | plan -> preflight -> build) ; verify reads an
// image through the one image reader and checks it. The only folder that knows every stage; the CLI
// passes values and effects in and implements the Reporter.
export * from './build.js';
export * from './context.js';
export * from './image-source.js';
export * from './load.js';
export * from './plan.js';
export * from './preflight.js';
export * from './prepare.js';
export * from './resolve.js';
export * from './verify.js';
