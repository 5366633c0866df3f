// image/: deterministic layers, configs, manifests and indexes from bytes, and the one image reader. Pure:
// bytes in, values out (pipeline/load.ts reads the files it needs).
export * from './assemble.js';
export * from './base.js';
export * from './canonical-json.js';
export * from './capability.js';
export * from './digest.js';
export * from './gzip.js';
export * from './labels.js';
export * from './layer.js';
export * from './oci.js';
export * from './read.js';
export * from './read-image.js';
export * from './tar.js';
