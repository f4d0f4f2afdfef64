// Schema of the JSON written beside the ONNX file (models/moderation-classifier.json): heads in
// output order, featurizer settings, default thresholds and the ONNX file's content hash.

import { z } from 'zod';
import { CLASSIFIER_HEADS } from '../categories.ts';
import type { ClassifierHead } from '../categories.ts';

const headSchema = z.enum(CLASSIFIER_HEADS as [ClassifierHead, ...ClassifierHead[]]);

export const modelMetadataSchema = z.object({
  name: z.string().min(1),
  version: z.string().min(1),
  onnxFile: z.string().min(1),
  onnxSha256: z.string().regex(/^[0-9a-f]{64}$/),
  inputs: z.object({ ids: z.string(), weights: z.string() }),
  output: z.string(),
  heads: z.array(headSchema).min(1),
  thresholds: z.record(z.string(), z.number().min(0).max(1)),
  featurizer: z.object({
    vocabulary: z.array(z.string()),
    buckets: z.number().int().positive(),
    charNgramMin: z.number().int().positive(),
    charNgramMax: z.number().int().positive(),
    wordNgrams: z.number().int().min(1).max(2),
    wordWeight: z.number().int().min(1).max(16).optional(),
    windowTokens: z.number().int().positive(),
    windowStride: z.number().int().positive(),
  }),
});

export type ModelMetadata = z.infer<typeof modelMetadataSchema>;

/** Default thresholds per head (the "default" profile's starting point). */
export function defaultThresholds(metadata: ModelMetadata): Partial<Record<ClassifierHead, number>> {
  const out: Partial<Record<ClassifierHead, number>> = {};
  for (const head of metadata.heads) {
    const t = metadata.thresholds[head];
    if (t !== undefined) out[head] = t;
  }
  return out;
}
