// The ONNX classifier's serving logic, runtime-free: model metadata checked by its schema, texts
// featurized into windows (sliding, or runs of blocks), packed into padded batches and run through an injected session,
// then reduced to a per-head max over each text's windows with the worst window's span. Concurrent
// calls are micro-batched into one run. Node (onnxruntime-node) and Workers (onnxruntime-web)
// supply only the session.

import type { ClassifierHead } from '../categories.ts';
import { Featurizer } from '../text/featurize.ts';
import { ModelLoadError } from './errors.ts';
import { MicroBatcher } from './micro-batcher.ts';
import { defaultThresholds, modelMetadataSchema, type ModelMetadata } from './model-metadata.ts';
import { hasClassifiableContent } from './content.ts';
import type { Classifier, ClassifierScores } from './types.ts';
import { featurizeAll, featurizeAllBlocks, packBatches, packBlockBatches, reduceWindows, type PackedBatch, type ScoredRef } from './window-batch.ts';

/** One loaded model in some ONNX runtime. */
export interface OnnxSession {
  /** Runs one packed batch through the graph; the output probabilities, row-major [batch, heads]. */
  run(batch: PackedBatch): Promise<Float32Array>;
  release(): Promise<void>;
}

/** What both ORT packages' InferenceSession offer (onnxruntime-node, onnxruntime-web), over their own tensor type. */
export interface OrtInferenceSession<Tensor> {
  run(feeds: Record<string, Tensor>): Promise<Readonly<Record<string, { readonly data: unknown } | undefined>>>;
  release(): Promise<void>;
}

/** The package's Tensor constructor, as `new ort.Tensor(type, data, dims)`. */
export type OrtTensorFactory<Tensor> = (type: 'int64' | 'float32', data: BigInt64Array | Float32Array, dims: number[]) => Tensor;

/**
 * An OnnxSession over an ORT InferenceSession: the packed batch as the model's inputs (ids and
 * weights; for the 'blocks' layout also each window's parts and scale; named in its metadata),
 * the probabilities read from its output.
 */
export function ortOnnxSession<Tensor>(session: OrtInferenceSession<Tensor>, tensor: OrtTensorFactory<Tensor>, metadata: ModelMetadata): OnnxSession {
  return {
    async run(batch) {
      const dims = [batch.rows, batch.length];
      const feeds: Record<string, Tensor> = { [metadata.inputs.ids]: tensor('int64', batch.ids, dims), [metadata.inputs.weights]: tensor('float32', batch.weights, dims) };
      const { parts, scale } = metadata.inputs;
      if (parts && scale) {
        if (!batch.parts || !batch.scale || !batch.partsPerWindow) throw new Error('this model sums blocks per window: the batch has no parts');
        feeds[parts] = tensor('int64', batch.parts, [batch.batch, batch.partsPerWindow]);
        feeds[scale] = tensor('float32', batch.scale, [batch.batch]);
      }
      const output = await session.run(feeds);
      const probabilities = output[metadata.output];
      if (!probabilities) throw new Error(`ONNX output ${metadata.output} missing`);
      return probabilities.data as Float32Array;
    },
    release: () => session.release(),
  };
}

/**
 * Id cells per ONNX run on Node (Workers has its own, WORKERS_MAX_CELLS_PER_RUN: its wasm heap never shrinks). Each run allocates
 * its intermediates afresh (the arena is off) in proportion to its cells (gathered int4 rows,
 * unpacked, cast to float; on Workers the heap reached 758 MB at 262,144 cells), and glibc keeps
 * what a big run freed: at the former 262,144 the proxy stayed near 600 MiB after a long-text load.
 * At 16,384 it stayed near 430 MiB, and batched long texts scored about 1.7× faster; at 4,096 (a
 * batch of 64 short texts still about one run) 404-415 MiB, at the same speed (docs/performance.md).
 */
export const DEFAULT_MAX_CELLS_PER_RUN = 4_096;

export interface ClassifierServingOptions {
  /** Most texts scored in one micro-batch. Default 64. */
  readonly maxBatch?: number;
  /** How long a lone request waits for others; 0 = until the current event-loop turn ends. */
  readonly maxWaitMs?: number;
  /** Most id cells (windows × padded length) per ONNX run. Default DEFAULT_MAX_CELLS_PER_RUN. */
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

/** The metadata file's JSON text, checked by its schema; `path` names it in errors. */
export function parseModelMetadata(text: string, path: string): ModelMetadata {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ModelLoadError(path, 'metadata file is not valid JSON', { cause: error });
  }
  const parsed = modelMetadataSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ModelLoadError(path, `metadata field ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  const { featurizer, inputs } = parsed.data;
  const blocks = featurizer.windowLayout === 'blocks';
  if (blocks !== Boolean(inputs.parts && inputs.scale)) throw new ModelLoadError(path, "metadata field inputs: the 'blocks' window layout and the parts and scale inputs go together");
  if (blocks && featurizer.windowTokens % featurizer.windowStride !== 0) throw new ModelLoadError(path, "metadata field featurizer.windowStride: the 'blocks' window layout needs windowTokens to be a multiple of it");
  return parsed.data;
}

export function createOnnxClassifier(metadata: ModelMetadata, session: OnnxSession, options: ClassifierServingOptions = {}): OnnxClassifier {
  const featurizer = new Featurizer(metadata.featurizer);
  const heads = metadata.heads;
  const maxCells = options.maxCellsPerRun ?? DEFAULT_MAX_CELLS_PER_RUN;

  async function score(texts: readonly string[]): Promise<ClassifierScores[]> {
    // Text with no word token gets no window, hence no run and no score (reduceWindows: unscored).
    const scorable = texts.map((text) => (hasClassifiableContent(text) ? text : null));
    const packed = featurizer.blockLayout
      ? packBlockBatches(featurizeAllBlocks(featurizer, scorable), { maxBatch: 1024, maxCells, partsPerWindow: featurizer.blocksPerWindow })
      : packBatches(featurizeAll(featurizer, scorable), { maxBatch: 1024, maxCells });
    const results: Array<{ refs: readonly ScoredRef[]; probabilities: Float32Array }> = [];
    for (const batch of packed) {
      const probabilities = await session.run(batch);
      options.onRun?.(batch.batch);
      results.push({ refs: batch.refs, probabilities });
    }
    return reduceWindows({ textCount: texts.length, heads, batches: results });
  }

  const batcher = new MicroBatcher<string, ClassifierScores>({ run: score, maxBatch: options.maxBatch ?? 64, maxWaitMs: options.maxWaitMs ?? 0 });
  return {
    version: metadata.version,
    heads,
    metadata,
    thresholds: defaultThresholds(metadata),
    classify: (texts) => batcher.submit(texts),
    close: () => session.release(),
  };
}
