// The Node classifier: the committed ONNX model (models/moderation-classifier.onnx) served with
// onnxruntime-node. Loaded once at start-up; a missing or corrupt file is a ModelLoadError.
// Concurrent calls are micro-batched into one ONNX run; long texts are scored over sliding windows
// (max per head) and report the worst window's span in original offsets.

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { ClassifierHead } from '../categories.ts';
import { Featurizer } from '../text/featurize.ts';
import { ModelLoadError } from '../classifier/errors.ts';
import { MicroBatcher } from '../classifier/micro-batcher.ts';
import { defaultThresholds, modelMetadataSchema } from '../classifier/model-metadata.ts';
import type { ModelMetadata } from '../classifier/model-metadata.ts';
import type { Classifier, ClassifierScores } from '../classifier/types.ts';
import { featurizeAll, packBatches, reduceWindows } from '../classifier/window-batch.ts';
import type { WindowRef } from '../classifier/window-batch.ts';

export interface OnnxClassifierOptions {
  /** Path of the .onnx file; its metadata JSON sits beside it with the same base name. */
  readonly modelPath: string;
  /** Defaults to modelPath with `.json` instead of `.onnx`. */
  readonly metadataPath?: string;
  /** onnxruntime intra-op threads (1 = one core). Default 1. */
  readonly intraOpThreads?: number;
  /** Most texts scored in one micro-batch. Default 64. */
  readonly maxBatch?: number;
  /** How long a lone request waits for others; 0 = until the current event-loop turn ends. */
  readonly maxWaitMs?: number;
  /** Most id cells (windows × padded length) per ONNX run. Default 262,144. */
  readonly maxCellsPerRun?: number;
  /** Called once per ONNX run with its window count (metrics, tests). */
  readonly onRun?: (windows: number) => void;
}

export interface OnnxClassifier extends Classifier {
  readonly metadata: ModelMetadata;
  /** Default per-head thresholds chosen at training time. */
  readonly thresholds: Readonly<Partial<Record<ClassifierHead, number>>>;
  close(): Promise<void>;
}

async function readModelFile(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ModelLoadError(path, code === 'ENOENT' ? `${what} not found` : `${what} unreadable (${code ?? 'error'})`, { cause: error });
  }
}

async function readMetadata(path: string): Promise<ModelMetadata> {
  const raw = await readModelFile(path, 'metadata file');
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch (error) {
    throw new ModelLoadError(path, 'metadata file is not valid JSON', { cause: error });
  }
  const parsed = modelMetadataSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ModelLoadError(path, `metadata field ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

export async function loadOnnxClassifier(options: OnnxClassifierOptions): Promise<OnnxClassifier> {
  const { modelPath } = options;
  const metadataPath = options.metadataPath ?? join(dirname(modelPath), `${modelPath.replace(/^.*[\\/]/, '').replace(/\.onnx$/, '')}.json`);
  const metadata = await readMetadata(metadataPath);
  const bytes = await readModelFile(modelPath, 'model file');
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (sha256 !== metadata.onnxSha256) {
    throw new ModelLoadError(modelPath, `model file is corrupt or does not match ${metadataPath} (sha256 ${sha256.slice(0, 12)}…, expected ${metadata.onnxSha256.slice(0, 12)}…)`);
  }
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, {
      intraOpNumThreads: options.intraOpThreads ?? 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
  } catch (error) {
    throw new ModelLoadError(modelPath, `onnxruntime rejected the model: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const featurizer = new Featurizer(metadata.featurizer);
  const heads = metadata.heads;
  const maxCells = options.maxCellsPerRun ?? 262_144;

  async function score(texts: readonly string[]): Promise<ClassifierScores[]> {
    const refs = featurizeAll(featurizer, texts);
    const results: Array<{ refs: readonly WindowRef[]; probabilities: Float32Array }> = [];
    for (const batch of packBatches(refs, { maxBatch: 1024, maxCells })) {
      const feeds = {
        [metadata.inputs.ids]: new ort.Tensor('int64', batch.ids, [batch.batch, batch.length]),
        [metadata.inputs.weights]: new ort.Tensor('float32', batch.weights, [batch.batch, batch.length]),
      };
      const output = await session.run(feeds);
      options.onRun?.(batch.batch);
      const tensor = output[metadata.output];
      if (!tensor) throw new Error(`ONNX output ${metadata.output} missing`);
      results.push({ refs: batch.refs, probabilities: tensor.data as Float32Array });
    }
    return reduceWindows({ textCount: texts.length, heads, batches: results });
  }

  const batcher = new MicroBatcher<string, ClassifierScores>({
    run: score,
    maxBatch: options.maxBatch ?? 64,
    maxWaitMs: options.maxWaitMs ?? 0,
  });
  const thresholds = defaultThresholds(metadata);

  return {
    version: metadata.version,
    heads,
    metadata,
    thresholds,
    classify: (texts) => batcher.submit(texts),
    close: () => session.release(),
  };
}
