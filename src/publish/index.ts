// publish/: sinks behind one interface (Sink in src/types.ts), made per output by sinkFor.
export * from './daemon.js';
export * from './docker-archive.js';
export * from './oci-layout.js';
export * from './outputs.js';
export * from './registry.js';
export * from './sinks.js';
