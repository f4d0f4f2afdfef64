// The Node classifier: the committed ONNX model (models/moderation-classifier.onnx) served with
// onnxruntime-node through the runtime-free serving logic in src/classifier/onnx-session.ts.
// Loaded once at start-up; a missing, corrupt or mismatched file is a ModelLoadError.

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { ModelLoadError } from '../classifier/errors.ts';
import { createOnnxClassifier, ortOnnxSession, parseModelMetadata, type ClassifierServingOptions, type OnnxClassifier } from '../classifier/onnx-session.ts';

export interface OnnxClassifierOptions extends ClassifierServingOptions {
  /** Path of the .onnx file; its metadata JSON sits beside it with the same base name. */
  readonly modelPath: string;
  /** Defaults to modelPath with `.json` instead of `.onnx`. */
  readonly metadataPath?: string;
  /** onnxruntime intra-op threads (1 = one core). Default 1. */
  readonly intraOpThreads?: number;
}

async function readModelFile(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ModelLoadError(path, code === 'ENOENT' ? `${what} not found` : `${what} unreadable (${code ?? 'error'})`, { cause: error });
  }
}

export async function loadOnnxClassifier(options: OnnxClassifierOptions): Promise<OnnxClassifier> {
  const { modelPath } = options;
  const metadataPath = options.metadataPath ?? join(dirname(modelPath), `${modelPath.replace(/^.*[\\/]/, '').replace(/\.onnx$/, '')}.json`);
  const metadata = parseModelMetadata((await readModelFile(metadataPath, 'metadata file')).toString('utf8'), metadataPath);
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
      // Bounded memory: the CPU arena keeps the high-water mark of the largest batch ever run (a
      // long text's windows) for the life of the process, and memory patterns pre-plan a buffer per
      // distinct input shape; both grew resident memory to 1.3-1.5 GB after long-text work, never
      // returned. Without them each run allocates what it needs and frees it.
      enableCpuMemArena: false,
      enableMemPattern: false,
    });
  } catch (error) {
    throw new ModelLoadError(modelPath, `onnxruntime rejected the model: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const tensor = (type: 'int64' | 'float32', data: BigInt64Array | Float32Array, dims: number[]) => new ort.Tensor(type, data, dims);
  return createOnnxClassifier(metadata, ortOnnxSession(session, tensor, metadata), options);
}
