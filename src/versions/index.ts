// versions/: pure data and parsing (the era table, tags, specs, platforms, Kubernetes), plus the one
// file read of `--kubernetes-map`.
export * from './eras.js';
export * from './kubernetes.js';
export * from './load-kubernetes-map.js';
export * from './platforms.js';
export * from './resolve.js';
export * from './upstream-go.js';
export * from './version.js';
