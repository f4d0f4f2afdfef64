// Writes the trained network as an ONNX model (opset 13) with protobufjs, calibration folded into
// the last layer so the output `probabilities` are calibrated. Graph:
//   ids int64 [B, L], weights float [B, L]
//   Gather(embedding, ids) [→ Cast float16→float] * Unsqueeze(weights) → ReduceSum(axis 1) → MatMul+Add → Relu
//   → MatMul+Add → Sigmoid → probabilities [B, K]
// Callers pass weights 1/n for a window's n ids and 0 for padding, so ReduceSum is the mean.
// With `embeddingFloat16` the table is stored as float16 (half the file) and only gathered rows are
// widened; the caller must have rounded `model.embedding` to float16 values so its forward pass is exact.

import { readInitializers, floatsOf, ModelProto, ATTRIBUTE_INT, TENSOR_FLOAT, TENSOR_FLOAT16, TENSOR_INT64 } from './onnx-proto.ts';
import { encodeFloat16 } from './float16.ts';
import type { ModelParams } from './model.ts';

export const ONNX_INPUT_IDS = 'ids';
export const ONNX_INPUT_WEIGHTS = 'weights';
export const ONNX_OUTPUT = 'probabilities';

function floatTensor(name: string, dims: number[], data: Float32Array) {
  return { name, dims, dataType: TENSOR_FLOAT, rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

function float16Tensor(name: string, dims: number[], data: Float32Array) {
  const bits = encodeFloat16(data);
  return { name, dims, dataType: TENSOR_FLOAT16, rawData: new Uint8Array(bits.buffer, bits.byteOffset, bits.byteLength) };
}

function int64Tensor(name: string, values: number[]) {
  const data = BigInt64Array.from(values.map((v) => BigInt(v)));
  return { name, dims: [values.length], dataType: TENSOR_INT64, rawData: new Uint8Array(data.buffer) };
}

function valueInfo(name: string, elemType: number, dims: Array<string | number>) {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
      },
    },
  };
}

/** Serialise a (calibration-folded) model to ONNX bytes. */
export function exportOnnx(model: ModelParams, docString: string, options: { embeddingFloat16?: boolean } = {}): Uint8Array {
  const half = options.embeddingFloat16 === true;
  const { rows, dim, hidden, heads } = model;
  const node = (opType: string, input: string[], output: string[], attribute: object[] = []) => ({
    opType,
    input,
    output,
    name: `${opType}_${output[0]}`,
    attribute,
  });
  const graph = {
    name: 'moderation_classifier',
    node: [
      ...(half
        ? [
            node('Gather', ['embedding', ONNX_INPUT_IDS], ['gathered16'], [{ name: 'axis', i: 0, type: ATTRIBUTE_INT }]),
            node('Cast', ['gathered16'], ['gathered'], [{ name: 'to', i: TENSOR_FLOAT, type: ATTRIBUTE_INT }]),
          ]
        : [node('Gather', ['embedding', ONNX_INPUT_IDS], ['gathered'], [{ name: 'axis', i: 0, type: ATTRIBUTE_INT }])]),
      node('Unsqueeze', [ONNX_INPUT_WEIGHTS, 'axis_last'], ['weights3']),
      node('Mul', ['gathered', 'weights3'], ['weighted']),
      node('ReduceSum', ['weighted', 'axis_tokens'], ['pooled'], [{ name: 'keepdims', i: 0, type: ATTRIBUTE_INT }]),
      node('MatMul', ['pooled', 'w1'], ['hidden_mm']),
      node('Add', ['hidden_mm', 'b1'], ['hidden_pre']),
      node('Relu', ['hidden_pre'], ['hidden']),
      node('MatMul', ['hidden', 'w2'], ['logits_mm']),
      node('Add', ['logits_mm', 'b2'], ['logits']),
      node('Sigmoid', ['logits'], [ONNX_OUTPUT]),
    ],
    initializer: [
      (half ? float16Tensor : floatTensor)('embedding', [rows, dim], model.embedding),
      floatTensor('w1', [dim, hidden], model.w1),
      floatTensor('b1', [hidden], model.b1),
      floatTensor('w2', [hidden, heads], model.w2),
      floatTensor('b2', [heads], model.b2),
      int64Tensor('axis_last', [2]),
      int64Tensor('axis_tokens', [1]),
    ],
    input: [valueInfo(ONNX_INPUT_IDS, TENSOR_INT64, ['batch', 'length']), valueInfo(ONNX_INPUT_WEIGHTS, TENSOR_FLOAT, ['batch', 'length'])],
    output: [valueInfo(ONNX_OUTPUT, TENSOR_FLOAT, ['batch', heads])],
  };
  const message = ModelProto.fromObject({
    irVersion: 7,
    producerName: 'guardrail-proxy-trainer',
    producerVersion: '1',
    docString,
    opsetImport: [{ domain: '', version: 13 }],
    graph,
  });
  return ModelProto.encode(message).finish();
}

/** Rebuild trainer parameters from an exported file (used by the ORT-equivalence test). */
export function importOnnx(bytes: Uint8Array): ModelParams {
  const tensors = readInitializers(bytes);
  const get = (name: string) => {
    const t = tensors.get(name);
    if (!t) throw new Error(`ONNX initializer ${name} missing`);
    return t;
  };
  const embedding = get('embedding');
  const w2 = get('w2');
  return {
    rows: embedding.dims[0]!,
    dim: embedding.dims[1]!,
    hidden: w2.dims[0]!,
    heads: w2.dims[1]!,
    embedding: floatsOf(embedding),
    w1: floatsOf(get('w1')),
    b1: floatsOf(get('b1')),
    w2: floatsOf(w2),
    b2: floatsOf(get('b2')),
  };
}
