// Node: loads the moderation classifier the guards score with. The one place the production
// model is chosen; main.ts and demo.ts refuse to start when it fails.

import { availableParallelism } from 'node:os';
import { loadOnnxClassifier } from './onnx-classifier.ts';
import type { Classifier } from '../classifier/types.ts';
import { loadThreadedClassifier } from './classifier-thread.ts';

export const DEFAULT_CLASSIFIER_MODEL = 'models/moderation-classifier.onnx';

/** The default most classifier threads: the cores one of `workers` proxy processes has to itself, and never fewer than `threads`. */
export function defaultMaxClassifierThreads(threads: number, workers = 1): number {
  return Math.max(threads, Math.floor(availableParallelism() / workers));
}

/**
 * Loads the ONNX classifier at `modelPath` (metadata JSON beside it). A missing or corrupt file
 * throws a ModelLoadError naming the path. By default it runs in one worker thread
 * (classifier-thread.ts), off the event loop, growing to `maxThreads` under load; `threads: 0`
 * runs it on the calling thread.
 */
export async function loadClassifier(modelPath: string, options: { intraOpThreads?: number; threads?: number; maxThreads?: number; idleMs?: number; idleReleaseMs?: number } = {}): Promise<Classifier> {
  const threads = options.threads ?? 1;
  if (threads === 0) return loadOnnxClassifier({ modelPath, intraOpThreads: options.intraOpThreads });
  return loadThreadedClassifier({ modelPath, threads, maxThreads: options.maxThreads, idleMs: options.idleMs, idleReleaseMs: options.idleReleaseMs, intraOpThreads: options.intraOpThreads });
}
