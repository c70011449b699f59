// A run's worker thread starts here: module hooks registered by the main thread do not reach worker threads
// on Node 20, so the worker registers tsx itself before loading the TypeScript entry.
import { register } from 'tsx/esm/api';

register();
await import('./run-worker.ts');
