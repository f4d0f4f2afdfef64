// The JSON written beside the ONNX file (models/moderation-classifier.json), typed and checked by
// the schema serving reads it with (src/classifier/model-metadata.ts) before it is written.

import { writeFileSync } from 'node:fs';
import { z } from 'zod';
import { CLASSIFIER_HEADS } from '../../src/categories.ts';
import { trainedModelMetadataSchema } from '../../src/classifier/model-metadata.ts';
import type { TrainedModelMetadata } from '../../src/classifier/model-metadata.ts';
import type { FeaturizerSettings } from '../../src/text/featurize.ts';
import type { DatasetStats } from './dataset.ts';
import type { Calibration, ModelShape } from './model.ts';
import type { TrainOptions } from './options.ts';
import type { HeadReport, SourceAuprc } from './report.ts';
import { ONNX_INPUT_IDS, ONNX_INPUT_PARTS, ONNX_INPUT_SCALE, ONNX_INPUT_WEIGHTS } from './onnx-export.ts';

export const MODEL_BASENAME = 'moderation-classifier';

export interface MetadataInput {
  options: TrainOptions;
  /** SHA-256 (hex) of the ONNX file's bytes. */
  onnxSha256: string;
  thresholds: Record<string, number>;
  calibration: Calibration;
  settings: FeaturizerSettings;
  model: Pick<ModelShape, 'dim' | 'rows'>;
  gloveRows: number;
  examples: { unique: number; validation: number; test: number };
  trainSeconds: number;
  totalSeconds: number;
  /** Epoch losses of the first replica. */
  losses: number[];
  bySource: DatasetStats['bySource'];
  /** Calibrated test figures per head, in head order. */
  reports: HeadReport[];
  withinSource: SourceAuprc[];
}

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const rounded = (x: number) => (Number.isNaN(x) ? null : Number(x.toFixed(4)));

/** The graph's input names: the 'blocks' window layout adds each window's parts and scale (onnx-export). */
export function modelInputs(settings: FeaturizerSettings): TrainedModelMetadata['inputs'] {
  return settings.windowLayout === 'blocks' ? { ids: ONNX_INPUT_IDS, weights: ONNX_INPUT_WEIGHTS, parts: ONNX_INPUT_PARTS, scale: ONNX_INPUT_SCALE } : { ids: ONNX_INPUT_IDS, weights: ONNX_INPUT_WEIGHTS };
}

/** The metadata of a trained model, keys in the order the file has always had them. */
export function buildModelMetadata(input: MetadataInput): TrainedModelMetadata {
  const { options, reports, withinSource } = input;
  // "Covered": heads with at least 300 held-out positives, i.e. categories the corpora label in bulk.
  const covered = reports.filter((r) => r.positives >= 300 && !Number.isNaN(r.auprc));
  const measurable = reports.filter((r) => r.positives >= 20 && !Number.isNaN(r.auprc));
  return {
    name: MODEL_BASENAME,
    version: `${MODEL_BASENAME}@${input.onnxSha256.slice(0, 12)}`,
    onnxFile: `${MODEL_BASENAME}.onnx`,
    onnxSha256: input.onnxSha256,
    inputs: modelInputs(input.settings),
    output: 'probabilities',
    heads: [...CLASSIFIER_HEADS],
    thresholds: input.thresholds,
    calibration: { a: Array.from(input.calibration.a), b: Array.from(input.calibration.b), note: 'Platt scaling, already folded into the ONNX last layer' },
    featurizer: { ...input.settings, vocabulary: [...input.settings.vocabulary] },
    training: {
      seed: options.seed,
      epochs: options.epochs,
      lr: options.lr,
      hidden: options.hidden,
      pooling: options.pooling,
      maxLrScale: options.maxLrScale,
      wordWeight: options.wordWeight,
      ...(options.wordWeights ? { wordWeights: options.wordWeights } : {}),
      embeddingLrScale: options.embeddingLrScale,
      dropout: options.dropout,
      positiveWeightCap: options.positiveWeightCap,
      benignSourceWeight: options.benignSourceWeight,
      ...(Object.keys(options.sourceWeights).length > 0 ? { sourceWeights: options.sourceWeights } : {}),
      averageFrom: options.averageFrom,
      pick: options.pick,
      replicas: options.replicas,
      embedding: options.embedding,
      dim: input.model.dim,
      rows: input.model.rows,
      gloveRows: input.gloveRows,
      examples: { unique: input.examples.unique, train: input.examples.unique - input.examples.validation - input.examples.test, validation: input.examples.validation, test: input.examples.test },
      trainSeconds: Math.round(input.trainSeconds),
      totalSeconds: Math.round(input.totalSeconds),
      epochLosses: input.losses.map((l) => Number(l.toFixed(5))),
      bySource: input.bySource,
    },
    heldout: {
      meanAuprcCovered: mean(covered.map((r) => r.auprc)),
      validationMeanAuprcCovered: mean(covered.map((r) => r.validationAuprc)),
      coveredHeads: covered.map((r) => r.head),
      meanAuprcMeasurable: mean(measurable.map((r) => r.auprc)),
      meanAuprcWithinSource: mean(withinSource.map((w) => w.auprc)),
      withinSource: withinSource.map((w) => ({ ...w, auprc: Number(w.auprc.toFixed(4)) })),
      measurableHeads: measurable.map((r) => r.head),
      perHead: reports.map((r) => ({ ...r, auprc: rounded(r.auprc), validationAuprc: rounded(r.validationAuprc) })),
    },
  };
}

/**
 * The file's text (`JSON.stringify(meta, null, 1)` and a newline), after checking that it parses
 * back, NaN figures written as null, to a value the schema accepts: what serving will read.
 */
export function formatModelMetadata(meta: TrainedModelMetadata): string {
  const text = `${JSON.stringify(meta, null, 1)}\n`;
  const checked = trainedModelMetadataSchema.safeParse(JSON.parse(text));
  if (!checked.success) throw new Error(`model metadata does not match its schema:\n${z.prettifyError(checked.error)}`);
  return text;
}

export function writeModelMetadata(path: string, meta: TrainedModelMetadata): void {
  writeFileSync(path, formatModelMetadata(meta));
}
