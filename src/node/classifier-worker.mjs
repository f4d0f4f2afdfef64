// Entry of a classifier worker thread (see classifier-thread.ts). Plain JavaScript so it starts
// the same under tsx, vitest or plain node: it registers tsx's loader for this thread, then loads
// the TypeScript module that serves the classifier.
import { register } from 'tsx/esm/api';

register();
await import('./classifier-worker.ts');
