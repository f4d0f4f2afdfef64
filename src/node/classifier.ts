// Node: loads the moderation classifier the guards score with. The one place the production
// model is chosen; main.ts and demo.ts refuse to start when it fails.

import type { Classifier } from '../classifier/types.ts';

export const DEFAULT_CLASSIFIER_MODEL = 'models/moderation-classifier.onnx';

/**
 * Loads the ONNX classifier at `modelPath`. Until the ONNX implementation (issue 4) is merged,
 * no model can be loaded and this throws, so the proxy never runs without its classifier.
 */
export async function loadClassifier(modelPath: string): Promise<Classifier> {
  throw new Error(`classifier model not available: ${modelPath} (the ONNX classifier is not wired in yet)`);
}
