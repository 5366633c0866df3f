// versions/: pure data and parsing: the era table, tags, specs, platforms, Kubernetes (the file read of
// `--kubernetes-map` is cli/load-kubernetes-map.ts).
export * from './eras.js';
export * from './kubernetes.js';
export * from './platforms.js';
export * from './resolve.js';
export * from './upstream-go.js';
export * from './version.js';
