// The shared protocol module: what the server and the viewer both import. No Node imports anywhere below.
export * from './frames.ts';
export * from './messages.ts';
export * from './render-packing.ts';
