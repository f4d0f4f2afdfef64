// Node: loads the moderation classifier the guards score with. The one place the production
// model is chosen; main.ts and demo.ts refuse to start when it fails.

import { loadOnnxClassifier } from './onnx-classifier.ts';
import type { Classifier } from '../classifier/types.ts';
import { loadThreadedClassifier } from './classifier-thread.ts';

export const DEFAULT_CLASSIFIER_MODEL = 'models/moderation-classifier.onnx';

/**
 * Loads the ONNX classifier at `modelPath` (metadata JSON beside it). A missing or corrupt file
 * throws a ModelLoadError naming the path. By default it runs in one worker thread
 * (classifier-thread.ts), off the event loop; `threads: 0` runs it on the calling thread.
 */
export async function loadClassifier(modelPath: string, options: { intraOpThreads?: number; threads?: number } = {}): Promise<Classifier> {
  const threads = options.threads ?? 1;
  if (threads === 0) return loadOnnxClassifier({ modelPath, intraOpThreads: options.intraOpThreads });
  return loadThreadedClassifier({ modelPath, threads, intraOpThreads: options.intraOpThreads });
}
