// Writes the trained network as an ONNX model (opset 13) with protobufjs, calibration folded into
// the last layer so the output `probabilities` are calibrated. Graph:
//   ids int64 [B, L], weights float [B, L]
//   MatMul(Unsqueeze(weights) [B, 1, L], Gather(embedding, ids) [→ Cast to float] [B, L, D]) → Squeeze
//   [with max pooling: Concat(that mean, Relu(ReduceMax over the tokens of the gathered rows)) → [B, 2D]]
//   → MatMul+Add → Relu → MatMul+Add → Sigmoid → probabilities [B, K]
// Callers pass weights summing to 1 over a window's ids (1/n each, or count/n for a folded repeat)
// and 0 for padding, so the first MatMul is the window mean. Padding gathers the zero row 0, and the
// trainer's max pooling is max(0, max_i e_i) (the Relu), so zero rows never change the max: no mask.
// `embedding` picks how the table is stored: float32; float16 (half the file, gathered rows widened
// by a Cast); or int8 with a float32 scale per row (a quarter of the file: gathered rows are cast to
// float and each row's scale is folded into its mean weight). For float16 and int8 the caller must
// have rounded `model.embedding` to the stored values (roundToFloat16, roundToInt8Rows) so its
// forward pass is the exact reference.

import { readInitializers, floatsOf, ModelProto, ATTRIBUTE_INT, ATTRIBUTE_INTS, TENSOR_FLOAT, TENSOR_FLOAT16, TENSOR_INT8, TENSOR_INT64 } from './onnx-proto.ts';
import { encodeFloat16 } from './float16.ts';
import { dequantizeRowsInt8, quantizeRowsInt8 } from './int8.ts';
import { pooledSize } from './model.ts';
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

function int8Tensor(name: string, dims: number[], data: Int8Array) {
  return { name, dims, dataType: TENSOR_INT8, rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
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

export type EmbeddingStorage = 'float32' | 'float16' | 'int8';

/** Serialise a (calibration-folded) model to ONNX bytes. */
export function exportOnnx(model: ModelParams, docString: string, options: { embedding?: EmbeddingStorage } = {}): Uint8Array {
  const storage = options.embedding ?? 'float32';
  const { rows, dim, hidden, heads } = model;
  const node = (opType: string, input: string[], output: string[], attribute: object[] = []) => ({
    opType,
    input,
    output,
    name: `${opType}_${output[0]}`,
    attribute,
  });
  const gather = (table: string, out: string) => node('Gather', [table, ONNX_INPUT_IDS], [out], [{ name: 'axis', i: 0, type: ATTRIBUTE_INT }]);
  const toFloat = (input: string, out: string) => node('Cast', [input], [out], [{ name: 'to', i: TENSOR_FLOAT, type: ATTRIBUTE_INT }]);
  // The window mean is a batched MatMul of the weights as a row ([B, 1, L]) with the gathered rows
  // ([B, L, dim]): one pass over the gathered tensor, where Mul + ReduceSum made two and wrote a
  // second [B, L, dim] tensor (the gathered tensor is what a run spends its time on).
  const lookup =
    storage === 'float32'
      ? [gather('embedding', 'gathered'), node('Unsqueeze', [ONNX_INPUT_WEIGHTS, 'axis_tokens'], ['weights_row'])]
      : storage === 'float16'
        ? [gather('embedding', 'gathered16'), toFloat('gathered16', 'gathered'), node('Unsqueeze', [ONNX_INPUT_WEIGHTS, 'axis_tokens'], ['weights_row'])]
        : [
            gather('embedding', 'gathered8'),
            toFloat('gathered8', 'gathered'),
            gather('embedding_scale', 'row_scale'),
            node('Mul', ['row_scale', ONNX_INPUT_WEIGHTS], ['scaled_weights']),
            node('Unsqueeze', ['scaled_weights', 'axis_tokens'], ['weights_row']),
          ];
  // Max pooling reads each gathered row at its true scale: for int8 the row scale multiplies the
  // gathered rows (the mean keeps folding it into the weights).
  const withMax = model.pooling === 'mean+max';
  const maxRows = storage === 'int8' ? 'gathered_scaled' : 'gathered';
  const pooling = withMax
    ? [
        ...(storage === 'int8'
          ? [node('Unsqueeze', ['row_scale', 'axis_dims'], ['row_scale_column']), node('Mul', ['gathered', 'row_scale_column'], ['gathered_scaled'])]
          : []),
        node('MatMul', ['weights_row', 'gathered'], ['mean_row']),
        node('Squeeze', ['mean_row', 'axis_tokens'], ['mean']),
        node('ReduceMax', [maxRows], ['max_rows'], [
          { name: 'axes', ints: [1], type: ATTRIBUTE_INTS },
          { name: 'keepdims', i: 0, type: ATTRIBUTE_INT },
        ]),
        // The zero floor: max(0, ·), also what a padded window's zero rows would give.
        node('Relu', ['max_rows'], ['max']),
        node('Concat', ['mean', 'max'], ['pooled'], [{ name: 'axis', i: 1, type: ATTRIBUTE_INT }]),
      ]
    : [node('MatMul', ['weights_row', 'gathered'], ['pooled_row']), node('Squeeze', ['pooled_row', 'axis_tokens'], ['pooled'])];
  const table =
    storage === 'float32'
      ? [floatTensor('embedding', [rows, dim], model.embedding)]
      : storage === 'float16'
        ? [float16Tensor('embedding', [rows, dim], model.embedding)]
        : (() => {
            const q = quantizeRowsInt8(model.embedding, rows, dim);
            return [int8Tensor('embedding', [rows, dim], q.values), floatTensor('embedding_scale', [rows], q.scales)];
          })();
  const graph = {
    name: 'moderation_classifier',
    node: [
      ...lookup,
      ...pooling,
      node('MatMul', ['pooled', 'w1'], ['hidden_mm']),
      node('Add', ['hidden_mm', 'b1'], ['hidden_pre']),
      node('Relu', ['hidden_pre'], ['hidden']),
      node('MatMul', ['hidden', 'w2'], ['logits_mm']),
      node('Add', ['logits_mm', 'b2'], ['logits']),
      node('Sigmoid', ['logits'], [ONNX_OUTPUT]),
    ],
    initializer: [
      ...table,
      floatTensor('w1', [pooledSize(model), hidden], model.w1),
      floatTensor('b1', [hidden], model.b1),
      floatTensor('w2', [hidden, heads], model.w2),
      floatTensor('b2', [heads], model.b2),
      int64Tensor('axis_tokens', [1]),
      ...(withMax && storage === 'int8' ? [int64Tensor('axis_dims', [2])] : []),
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
  const scales = tensors.get('embedding_scale');
  const w1 = get('w1');
  const w2 = get('w2');
  const dim = embedding.dims[1]!;
  return {
    // The first layer reads 2·dim inputs exactly when the graph max-pools.
    pooling: w1.dims[0] === 2 * dim ? 'mean+max' : 'mean',
    rows: embedding.dims[0]!,
    dim,
    hidden: w2.dims[0]!,
    heads: w2.dims[1]!,
    embedding: scales ? dequantizeRowsInt8({ values: new Int8Array(embedding.rawData.buffer, embedding.rawData.byteOffset, embedding.rawData.byteLength), scales: floatsOf(scales) }, dim) : floatsOf(embedding),
    w1: floatsOf(w1),
    b1: floatsOf(get('b1')),
    w2: floatsOf(w2),
    b2: floatsOf(get('b2')),
  };
}
