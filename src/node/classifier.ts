// Node: loads the moderation classifier the guards score with. The one place the production
// model is chosen; main.ts and demo.ts refuse to start when it fails.

import { loadOnnxClassifier } from './onnx-classifier.ts';
import type { Classifier } from '../classifier/types.ts';

export const DEFAULT_CLASSIFIER_MODEL = 'models/moderation-classifier.onnx';

/**
 * Loads the ONNX classifier at `modelPath` (metadata JSON beside it). A missing or corrupt file
 * throws a ModelLoadError naming the path.
 */
export async function loadClassifier(modelPath: string, options: { intraOpThreads?: number } = {}): Promise<Classifier> {
  return loadOnnxClassifier({ modelPath, ...options });
}
