// publish/: sinks behind one interface (Sink in src/types.ts).
export * from './daemon.js';
export * from './docker-archive.js';
export * from './oci-layout.js';
