// Re-exports a trained model in the 'blocks' window layout (FeaturizerSettings.windowLayout) from
// its ONNX file, without retraining: the same weights (the stored initializers are checked equal,
// bit for bit), the graph that sums each window's block rows, and the metadata's inputs, layout,
// hash and version updated. Short texts (one window) score as before; a long text's windows become
// runs of whole blocks, so its scores move slightly (the model card records the figures).
//
//   npx tsx scripts/train/relayout.ts [models/moderation-classifier.onnx]

import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { trainedModelMetadataSchema } from '../../src/classifier/model-metadata.ts';
import type { TrainedModelMetadata } from '../../src/classifier/model-metadata.ts';
import { MODEL_BASENAME, modelInputs, writeModelMetadata } from './metadata.ts';
import { canSumBlocks, exportOnnx, importOnnx } from './onnx-export.ts';
import type { EmbeddingStorage } from './onnx-export.ts';
import { ModelProto, readInitializers } from './onnx-proto.ts';

const onnxPath = process.argv[2] ?? `models/${MODEL_BASENAME}.onnx`;
const metaPath = onnxPath.replace(/\.onnx$/, '.json');
const bytes = readFileSync(onnxPath);
// The file as written (its key order kept), checked by the schema.
const raw = JSON.parse(readFileSync(metaPath, 'utf8')) as TrainedModelMetadata;
const meta = trainedModelMetadataSchema.parse(raw);
if (meta.featurizer.windowLayout === 'blocks') throw new Error(`${metaPath} is already in the blocks layout`);
const model = importOnnx(bytes);
if (!canSumBlocks(model)) throw new Error('this model cannot sum blocks (it needs mean pooling and one word weight)');
const docString = (ModelProto.decode(bytes) as unknown as { docString?: string }).docString ?? '';
const out = exportOnnx(model, docString, { embedding: meta.training.embedding as EmbeddingStorage, blocks: true });

// The same weights: every initializer of the old file is in the new one, byte for byte.
const before = readInitializers(bytes);
const after = readInitializers(out);
for (const [name, tensor] of before) {
  const same = after.get(name);
  if (!same || same.dataType !== tensor.dataType || same.dims.join() !== tensor.dims.join() || Buffer.compare(Buffer.from(same.rawData), Buffer.from(tensor.rawData)) !== 0) {
    throw new Error(`initializer ${name} differs after re-export`);
  }
}

const sha = createHash('sha256').update(out).digest('hex');
const featurizer = { ...raw.featurizer, windowLayout: 'blocks' as const };
writeFileSync(onnxPath, out);
writeModelMetadata(metaPath, { ...raw, version: `${MODEL_BASENAME}@${sha.slice(0, 12)}`, onnxSha256: sha, inputs: modelInputs(featurizer), featurizer });
process.stdout.write(`${onnxPath}: ${meta.version} → ${MODEL_BASENAME}@${sha.slice(0, 12)} (${before.size} initializers unchanged, ${out.byteLength} bytes)\n`);
