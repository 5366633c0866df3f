// image/: deterministic layers, configs, manifests and indexes from bytes, and their readers. Pure except
// for load.ts, which reads the CA bundle shipped in assets/ and the built binaries.
export * from './assemble.js';
export * from './base.js';
export * from './canonical-json.js';
export * from './capability.js';
export * from './digest.js';
export * from './gzip.js';
export * from './labels.js';
export * from './layer.js';
export * from './load.js';
export * from './oci.js';
export * from './read.js';
export * from './tar.js';
