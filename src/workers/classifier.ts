// The Workers classifier: the ONNX model read once per isolate from the R2 binding (it is over the
// Workers script size limit, see README), its hash checked against the bundled metadata, then
// served by onnxruntime-web through the same runtime-free serving logic as on Node.

import { ModelLoadError } from '../classifier/errors.ts';
import type { ModelMetadata } from '../classifier/model-metadata.ts';
import { createOnnxClassifier, type OnnxClassifier } from '../classifier/onnx-session.ts';
import { toHex } from '../digest.ts';
import { createWebOnnxSession, WORKERS_MAX_CELLS_PER_RUN, type CompiledWasm } from './onnx-web-session.ts';

export interface WorkersClassifierOptions {
  readonly bucket: R2Bucket;
  readonly key: string;
  readonly metadata: ModelMetadata;
  /** ORT's WebAssembly runtime, compiled at deploy. */
  readonly wasm: CompiledWasm;
}

export async function loadWorkersClassifier(options: WorkersClassifierOptions): Promise<OnnxClassifier> {
  const where = `r2://${options.key}`;
  const object = await options.bucket.get(options.key);
  if (!object) throw new ModelLoadError(where, 'model object not found in the MODELS bucket (upload it: see README, Workers)');
  const model = new Uint8Array(await object.arrayBuffer());
  const sha256 = toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', model)));
  if (sha256 !== options.metadata.onnxSha256) {
    throw new ModelLoadError(where, `model object does not match the bundled metadata (sha256 ${sha256.slice(0, 12)}…, expected ${options.metadata.onnxSha256.slice(0, 12)}…)`);
  }
  try {
    const session = await createWebOnnxSession({ wasm: options.wasm, model, metadata: options.metadata });
    return createOnnxClassifier(options.metadata, session, { maxCellsPerRun: WORKERS_MAX_CELLS_PER_RUN });
  } catch (error) {
    throw new ModelLoadError(where, `onnxruntime-web rejected the model: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}
