// Schema of the JSON written beside the ONNX file (models/moderation-classifier.json): heads in
// output order, featurizer settings, default thresholds and the ONNX file's content hash; and the
// trainer's full view of the same file (calibration, run settings, held-out figures).

import { z } from 'zod';
import { CLASSIFIER_HEADS } from '../categories.ts';
import type { ClassifierHead } from '../categories.ts';

const headSchema = z.enum(CLASSIFIER_HEADS as [ClassifierHead, ...ClassifierHead[]]);

export const modelMetadataSchema = z.object({
  name: z.string().min(1),
  version: z.string().min(1),
  onnxFile: z.string().min(1),
  onnxSha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** `parts` and `scale`: the 'blocks' layout's graph, which sums each window's block rows (featurizer.windowLayout). */
  inputs: z.object({ ids: z.string(), weights: z.string(), parts: z.string().optional(), scale: z.string().optional() }),
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
    windowLayout: z.enum(['sliding', 'blocks']).optional(),
  }),
});

export type ModelMetadata = z.infer<typeof modelMetadataSchema>;

const count = z.number().int().nonnegative();
/** A figure over no heads (0/0) is NaN, which JSON writes as null. */
const figure = z.number().nullable();

/**
 * The whole file as the trainer writes it (scripts/train/metadata.ts): the fields above plus the
 * calibration, the training run's settings and sizes, and its held-out figures. Serving reads only
 * `modelMetadataSchema` (unknown keys stripped, not refused); the trainer checks what it writes with this.
 */
export const trainedModelMetadataSchema = modelMetadataSchema.extend({
  calibration: z.object({ a: z.array(z.number()), b: z.array(z.number()), note: z.string() }),
  training: z.object({
    seed: z.number().int(),
    epochs: z.number().int().positive(),
    lr: z.number().positive(),
    hidden: z.number().int().positive(),
    pooling: z.enum(['mean', 'mean+max', 'mean+attention']),
    maxLrScale: z.number().nonnegative(),
    wordWeight: z.number().int().positive(),
    /** Present only when the replicas' word weights differ. */
    wordWeights: z.array(z.number().int().positive()).optional(),
    embeddingLrScale: z.number().nonnegative(),
    dropout: z.number().min(0).lt(1),
    positiveWeightCap: z.number().positive(),
    benignSourceWeight: z.number().nonnegative(),
    /** Present only when some source's loss weight was set (`--source-weight`). */
    sourceWeights: z.record(z.string(), z.number().nonnegative()).optional(),
    averageFrom: count,
    pick: z.enum(['last', 'best', 'average']),
    replicas: z.number().int().positive(),
    embedding: z.enum(['float32', 'float16', 'int8', 'int4']),
    dim: z.number().int().positive(),
    rows: z.number().int().positive(),
    gloveRows: count,
    examples: z.object({ unique: count, train: count, validation: count, test: count }),
    trainSeconds: count,
    totalSeconds: count,
    epochLosses: z.array(figure),
    bySource: z.record(z.string(), z.object({ train: count, validation: count, test: count, duplicates: count })),
  }),
  heldout: z.object({
    meanAuprcCovered: figure,
    validationMeanAuprcCovered: figure,
    coveredHeads: z.array(headSchema),
    meanAuprcMeasurable: figure,
    meanAuprcWithinSource: figure,
    withinSource: z.array(z.object({ head: headSchema, source: z.string(), auprc: z.number() })),
    measurableHeads: z.array(headSchema),
    perHead: z.array(
      z.object({
        head: headSchema,
        auprc: figure,
        validationAuprc: figure,
        precision: z.number(),
        recall: z.number(),
        threshold: z.number(),
        positives: count,
        negatives: count,
      }),
    ),
  }),
});

export type TrainedModelMetadata = z.infer<typeof trainedModelMetadataSchema>;

/** Default thresholds per head (the "default" profile's starting point). */
export function defaultThresholds(metadata: ModelMetadata): Partial<Record<ClassifierHead, number>> {
  const out: Partial<Record<ClassifierHead, number>> = {};
  for (const head of metadata.heads) {
    const t = metadata.thresholds[head];
    if (t !== undefined) out[head] = t;
  }
  return out;
}
