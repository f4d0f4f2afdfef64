// Where a Workers deployment finds its ONNX model in R2: keyed by the model's content hash from
// the bundled metadata, so a deploy can never pair the metadata with another model's bytes.

import type { ModelMetadata } from '../classifier/model-metadata.ts';

export function modelObjectKey(metadata: Pick<ModelMetadata, 'name' | 'onnxSha256'>): string {
  return `${metadata.name}/${metadata.onnxSha256}.onnx`;
}
