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
// Ensembles whose replicas weigh words differently, and int4 tables (two values per byte: half of
// int8), use groupedGraph below: same inputs and output, so serving is unchanged.

import { readInitializers, floatsOf, ModelProto, ATTRIBUTE_INT, ATTRIBUTE_INTS, TENSOR_FLOAT, TENSOR_FLOAT16, TENSOR_INT8, TENSOR_INT64, TENSOR_UINT8 } from './onnx-proto.ts';
import { encodeFloat16 } from './float16.ts';
import { dequantizeRowsInt8, INT4_LEVELS, quantizeRowsInt8 } from './int8.ts';
import { pooledSize } from './model.ts';
import type { ModelParams } from './model.ts';
import type { DecodedTensor } from './onnx-proto.ts';

export const ONNX_INPUT_IDS = 'ids';
export const ONNX_INPUT_WEIGHTS = 'weights';
/** The 'blocks' layout's inputs: each window's block rows [windows, parts] (-1 = none), and 1/n per window [windows]. */
export const ONNX_INPUT_PARTS = 'parts';
export const ONNX_INPUT_SCALE = 'scale';
export const ONNX_OUTPUT = 'probabilities';

/** Whether the graph can sum block rows per window: the first layer's input is then linear in the rows' ids (mean pooling, one weight for every word). */
export const canSumBlocks = (model: ModelParams): boolean => model.pooling === 'mean' && !model.wordWeights;

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

function uint8Tensor(name: string, dims: number[], data: Uint8Array) {
  return { name, dims, dataType: TENSOR_UINT8, rawData: data };
}

function int64Tensor(name: string, values: number[], dims = [values.length]) {
  const data = BigInt64Array.from(values.map((v) => BigInt(v)));
  return { name, dims, dataType: TENSOR_INT64, rawData: new Uint8Array(data.buffer) };
}

const node = (opType: string, input: string[], output: string[], attribute: object[] = []) => ({
  opType,
  input,
  output,
  name: `${opType}_${output[0]}`,
  attribute,
});
const gather = (table: string, out: string) => node('Gather', [table, ONNX_INPUT_IDS], [out], [{ name: 'axis', i: 0, type: ATTRIBUTE_INT }]);
const toFloat = (input: string, out: string) => node('Cast', [input], [out], [{ name: 'to', i: TENSOR_FLOAT, type: ATTRIBUTE_INT }]);

/** Flat index of w1[replica block r: input d, unit j] in the dense block-diagonal matrix and in its stored blocks. */
function blockIndices(r: number, d: number, j: number, shape: { width: number; blockHidden: number; hidden: number }): { dense: number; block: number } {
  const input = r * shape.width + d;
  return { dense: input * shape.hidden + r * shape.blockHidden + j, block: input * shape.blockHidden + j };
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

export type EmbeddingStorage = 'float32' | 'float16' | 'int8' | 'int4';

/** Largest stored magnitude of a quantised table (int8 127, int4 7); null for float storage. */
export const quantizationLevels = (storage: EmbeddingStorage): number | null => (storage === 'int8' ? 127 : storage === 'int4' ? INT4_LEVELS : null);

export interface ExportOptions {
  readonly embedding?: EmbeddingStorage;
  /**
   * The 'blocks' window layout (FeaturizerSettings.windowLayout): rows are a text's blocks with
   * each id's count as its weight, and the graph sums each window's rows after the first layer's
   * product (linear in them), × 1/n, before the bias: a block is pooled once, not once per window.
   * Needs canSumBlocks(model).
   */
  readonly blocks?: boolean;
}

/** Serialise a (calibration-folded) model to ONNX bytes. */
export function exportOnnx(model: ModelParams, docString: string, options: ExportOptions = {}): Uint8Array {
  const storage = options.embedding ?? 'float32';
  const blocks = options.blocks ?? false;
  if (blocks && !canSumBlocks(model)) throw new Error('the blocks layout needs mean pooling and one word weight');
  if (storage === 'int4' || model.wordWeights || model.pooling === 'mean+attention') return encodeModel(docString, groupedGraph(model, storage, blocks));
  const { rows, dim, hidden, heads } = model;
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
  const graph = graphWithHead(
    model,
    blocks,
    [...lookup, ...pooling, node('MatMul', ['pooled', 'w1'], ['hidden_mm'])],
    [
      ...table,
      floatTensor('w1', [pooledSize(model), hidden], model.w1),
      int64Tensor('axis_tokens', [1]),
      ...(withMax && storage === 'int8' ? [int64Tensor('axis_dims', [2])] : []),
    ],
  );
  return encodeModel(docString, graph);
}

/**
 * The graph from the first layer's product `hidden_mm` on: + b1 → Relu → MatMul+Add → Sigmoid, and
 * its inputs and output. With `blocks`, `hidden_mm` holds one row per block: each window's rows
 * (`parts`, -1 = the zero row appended here) are gathered and summed and × `scale` (1/n) first.
 */
function graphWithHead(model: ModelParams, blocks: boolean, nodes: object[], initializer: object[]): object {
  const { hidden, heads } = model;
  const windows = blocks
    ? [
        node('Concat', ['hidden_mm', 'zero_hidden'], ['hidden_mm_rows'], [{ name: 'axis', i: 0, type: ATTRIBUTE_INT }]),
        node('Gather', ['hidden_mm_rows', ONNX_INPUT_PARTS], ['hidden_parts'], [{ name: 'axis', i: 0, type: ATTRIBUTE_INT }]),
        node('ReduceSum', ['hidden_parts', 'axis_tokens'], ['hidden_sum'], [{ name: 'keepdims', i: 0, type: ATTRIBUTE_INT }]),
        node('Unsqueeze', [ONNX_INPUT_SCALE, 'axis_tokens'], ['scale_column']),
        node('Mul', ['hidden_sum', 'scale_column'], ['hidden_window']),
      ]
    : [];
  const rows = blocks ? 'windows' : 'batch';
  return {
    name: 'moderation_classifier',
    node: [
      ...nodes,
      ...windows,
      node('Add', [blocks ? 'hidden_window' : 'hidden_mm', 'b1'], ['hidden_pre']),
      node('Relu', ['hidden_pre'], ['hidden']),
      node('MatMul', ['hidden', 'w2'], ['logits_mm']),
      node('Add', ['logits_mm', 'b2'], ['logits']),
      node('Sigmoid', ['logits'], [ONNX_OUTPUT]),
    ],
    initializer: [
      ...initializer,
      ...(blocks ? [floatTensor('zero_hidden', [1, hidden], new Float32Array(hidden))] : []),
      floatTensor('b1', [hidden], model.b1),
      floatTensor('w2', [hidden, heads], model.w2),
      floatTensor('b2', [heads], model.b2),
    ],
    input: [
      valueInfo(ONNX_INPUT_IDS, TENSOR_INT64, ['batch', 'length']),
      valueInfo(ONNX_INPUT_WEIGHTS, TENSOR_FLOAT, ['batch', 'length']),
      ...(blocks ? [valueInfo(ONNX_INPUT_PARTS, TENSOR_INT64, ['windows', 'parts']), valueInfo(ONNX_INPUT_SCALE, TENSOR_FLOAT, ['windows'])] : []),
    ],
    output: [valueInfo(ONNX_OUTPUT, TENSOR_FLOAT, [rows, heads])],
  };
}

function encodeModel(docString: string, graph: object): Uint8Array {
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

/** Contiguous runs of replicas with one word weight: each run is one table and one pooling. */
function replicaGroups(model: ModelParams): Array<{ from: number; to: number; wordWeight: number }> {
  const replicas = model.replicas ?? 1;
  const weights = model.wordWeights ?? new Array<number>(replicas).fill(1);
  const groups: Array<{ from: number; to: number; wordWeight: number }> = [];
  weights.forEach((k, r) => {
    const last = groups.at(-1);
    if (last && last.wordWeight === k) last.to = r + 1;
    else groups.push({ from: r, to: r + 1, wordWeight: k });
  });
  return groups;
}

/**
 * The graph for ensembles whose replicas weigh words differently and/or int4 tables (mean pooling):
 *   per group of replicas with word weight k: weights·(1 + (k−1)·[id is a word]), renormalised per
 *   window (k = 1 keeps the caller's count/n); × the row scale; the window mean over that group's
 *   own columns of the table (int4: two values per byte, low nibble = column j, high = j + width/2,
 *   both stored +8: Floor(byte/16) is the high value, the low one's mean is mean(byte) − 16·mean(high),
 *   and −8·Σweights removes the offset);
 *   the groups' means side by side → a block-diagonal first layer stored as blocks [n, dim/n, hidden/n]
 *   and run as one product per replica (n times fewer multiplications than the dense matrix) →
 *   Relu → MatMul+Add → Sigmoid.
 * The inputs and output are the other graph's, so serving does not change.
 */
function groupedGraph(model: ModelParams, storage: EmbeddingStorage, sumBlocks: boolean): object {
  if (model.pooling === 'mean+max') throw new Error('word weights and int4 tables need mean or mean+attention pooling');
  const withAttention = model.pooling === 'mean+attention';
  if (withAttention && !model.attentionTable) throw new Error('mean+attention export needs model.attentionTable (attentionTableOf)');
  const { rows, dim, hidden } = model;
  const replicas = model.replicas ?? 1;
  const width = dim / replicas;
  const blockHidden = hidden / replicas;
  const nodes: object[] = [];
  const initializer: object[] = [int64Tensor('axis_tokens', [1])];
  const levels = quantizationLevels(storage);
  const q = levels ? quantizeRowsInt8(model.embedding, rows, dim, levels) : null;
  if (q) {
    initializer.push(floatTensor('embedding_scale', [rows], q.scales));
    nodes.push(gather('embedding_scale', 'row_scale'));
  }
  if (storage === 'int4') initializer.push(int64Tensor('axis_last', [2]), floatTensor('sixteen', [], Float32Array.of(16)), floatTensor('sixteenth', [], Float32Array.of(1 / 16)), floatTensor('eight', [], Float32Array.of(8)));
  if (withAttention) {
    // log(count/n) of each folded id (padding's 0 → log 1e-30: no weight), the softmax's count term.
    initializer.push(floatTensor('tiny', [], Float32Array.of(1e-30)), int64Tensor('axis_heads', [1]));
    nodes.push(node('Max', [ONNX_INPUT_WEIGHTS, 'tiny'], ['weights_floor']), node('Log', ['weights_floor'], ['log_weights']), node('Unsqueeze', ['log_weights', 'axis_last_att'], ['log_weights_column']));
    initializer.push(int64Tensor('axis_last_att', [2]));
  }
  if (model.wordWeights) {
    initializer.push(int64Tensor('word_id_limit', [model.wordIdLimit ?? 0], []), floatTensor('one', [], Float32Array.of(1)));
    nodes.push(node('Less', [ONNX_INPUT_IDS, 'word_id_limit'], ['is_word_bool']), node('Cast', ['is_word_bool'], ['is_word'], [{ name: 'to', i: TENSOR_FLOAT, type: ATTRIBUTE_INT }]));
  }
  const pooledGroups: string[] = [];
  const attentionGroups: string[] = [];
  /**
   * Attention weights of replicas [from, to) as rows [B, n, L]: softmax over the window's ids of
   * the stored score e·q (float16 table [rows, n]) + log(count/n) (+ log k for words), times the
   * row scale for quantised tables (as the mean's weights are).
   */
  const attentionRows = (g: number, from: number, to: number, wordWeight: number): string => {
    const n = to - from;
    const replicas = model.replicas ?? 1;
    const table = new Float32Array(rows * n);
    for (let id = 0; id < rows; id++) for (let r = 0; r < n; r++) table[id * n + r] = model.attentionTable![id * replicas + from + r]!;
    initializer.push(float16Tensor(`attention_table_${g}`, [rows, n], table));
    nodes.push(gather(`attention_table_${g}`, `attention_scores16_${g}`), toFloat(`attention_scores16_${g}`, `attention_scores_${g}`));
    let logits = `attention_logits_${g}`;
    nodes.push(node('Add', [`attention_scores_${g}`, 'log_weights_column'], [logits]));
    if (wordWeight !== 1) {
      initializer.push(floatTensor(`log_word_weight_${g}`, [], Float32Array.of(Math.log(wordWeight))));
      nodes.push(
        node('Mul', ['is_word', `log_word_weight_${g}`], [`log_word_${g}`]),
        node('Unsqueeze', [`log_word_${g}`, 'axis_last_att'], [`log_word_column_${g}`]),
        node('Add', [logits, `log_word_column_${g}`], [`attention_logits_word_${g}`]),
      );
      logits = `attention_logits_word_${g}`;
    }
    nodes.push(
      node('Softmax', [logits], [`attention_alpha_${g}`], [{ name: 'axis', i: 1, type: ATTRIBUTE_INT }]),
      node('Transpose', [`attention_alpha_${g}`], [`attention_alpha_rows_${g}`], [{ name: 'perm', ints: [0, 2, 1], type: ATTRIBUTE_INTS }]),
    );
    if (!q) return `attention_alpha_rows_${g}`;
    nodes.push(node('Mul', [`attention_alpha_rows_${g}`, 'row_scale_row'], [`attention_rows_${g}`]));
    return `attention_rows_${g}`;
  };
  if (withAttention && q) nodes.push(node('Unsqueeze', ['row_scale', 'axis_tokens'], ['row_scale_row']));
  replicaGroups(model).forEach(({ from, to, wordWeight }, g) => {
    const columns = (to - from) * width;
    const firstColumn = from * width;
    // This group's columns of every row, from the stored (quantised or float) table.
    const groupColumns = <T extends Int8Array | Float32Array>(source: T, out: T): T => {
      for (let r = 0; r < rows; r++) out.set(source.subarray(r * dim + firstColumn, r * dim + firstColumn + columns), r * columns);
      return out;
    };
    const qTable = q ? groupColumns(q.values, new Int8Array(rows * columns)) : null;
    let weights = ONNX_INPUT_WEIGHTS;
    if (wordWeight !== 1) {
      initializer.push(floatTensor(`word_extra_${g}`, [], Float32Array.of(wordWeight - 1)));
      nodes.push(
        node('Mul', ['is_word', `word_extra_${g}`], [`word_extra_ids_${g}`]),
        node('Add', [`word_extra_ids_${g}`, 'one'], [`word_factor_${g}`]),
        node('Mul', [ONNX_INPUT_WEIGHTS, `word_factor_${g}`], [`word_weighted_${g}`]),
        node('ReduceSum', [`word_weighted_${g}`, 'axis_tokens'], [`word_total_${g}`], [{ name: 'keepdims', i: 1, type: ATTRIBUTE_INT }]),
        node('Div', [`word_weighted_${g}`, `word_total_${g}`], [`group_weights_${g}`]),
      );
      weights = `group_weights_${g}`;
    }
    if (q) {
      nodes.push(node('Mul', [weights, 'row_scale'], [`scaled_weights_${g}`]));
      weights = `scaled_weights_${g}`;
    }
    const row = `weights_row_${g}`;
    nodes.push(node('Unsqueeze', [weights, 'axis_tokens'], [row]));
    const raw = `gathered_raw_${g}`;
    const gathered = `gathered_${g}`;
    if (qTable && storage === 'int4') {
      const half = columns / 2;
      if (!Number.isInteger(half)) throw new Error('int4 tables need an even number of columns per group');
      // Byte j of a row holds columns j (low nibble) and j + half (high), each stored +8. Vectorised
      // arithmetic splits them (in ORT a lookup table per byte measured 4× slower, Mod and a uint8
      // BitShift slower too); each half gets its own window mean, and −8·Σweights removes the offset.
      const packed = new Uint8Array(rows * half);
      for (let r = 0; r < rows; r++) {
        for (let j = 0; j < half; j++) packed[r * half + j] = (qTable[r * columns + j]! + 8) | ((qTable[r * columns + half + j]! + 8) << 4);
      }
      initializer.push(uint8Tensor(`embedding_${g}`, [rows, half], packed));
      nodes.push(gather(`embedding_${g}`, raw), toFloat(raw, gathered), node('Mul', [gathered, 'sixteenth'], [`high_frac_${g}`]), node('Floor', [`high_frac_${g}`], [`high_${g}`]));
      // mean(low) = mean(byte) − 16·mean(high): two small subtractions instead of two full passes.
      // `weightRows` [B, n, L] gives n weighted sums [B, n, columns] (n = 1 for the plain mean).
      const weightedSums = (weightRows: string, tag: string, out: string) =>
        nodes.push(
          node('MatMul', [weightRows, gathered], [`${tag}_bytes_${g}`]),
          node('MatMul', [weightRows, `high_${g}`], [`${tag}_high_${g}`]),
          node('Mul', [`${tag}_high_${g}`, 'sixteen'], [`${tag}_high_shifted_${g}`]),
          node('Sub', [`${tag}_bytes_${g}`, `${tag}_high_shifted_${g}`], [`${tag}_low_${g}`]),
          node('Concat', [`${tag}_low_${g}`, `${tag}_high_${g}`], [`${tag}_offset_${g}`], [{ name: 'axis', i: 2, type: ATTRIBUTE_INT }]),
          node('ReduceSum', [weightRows, 'axis_last'], [`${tag}_weight_total_${g}`], [{ name: 'keepdims', i: 1, type: ATTRIBUTE_INT }]),
          node('Mul', [`${tag}_weight_total_${g}`, 'eight'], [`${tag}_offset_total_${g}`]),
          node('Sub', [`${tag}_offset_${g}`, `${tag}_offset_total_${g}`], [out]),
        );
      weightedSums(row, 'mean', `pooled_${g}`);
      if (withAttention) weightedSums(attentionRows(g, from, to, wordWeight), 'attention', `attention_all_${g}`);
    } else {
      const dims = [rows, columns];
      const table = qTable ? null : groupColumns(model.embedding, new Float32Array(rows * columns));
      initializer.push(qTable ? int8Tensor(`embedding_${g}`, dims, qTable) : storage === 'float16' ? float16Tensor(`embedding_${g}`, dims, table!) : floatTensor(`embedding_${g}`, dims, table!));
      nodes.push(gather(`embedding_${g}`, raw), storage === 'float32' ? node('Identity', [raw], [gathered]) : toFloat(raw, gathered), node('MatMul', [row, gathered], [`pooled_${g}`]));
      if (withAttention) nodes.push(node('MatMul', [attentionRows(g, from, to, wordWeight), gathered], [`attention_all_${g}`]));
    }
    pooledGroups.push(`pooled_${g}`);
    if (withAttention) {
      // Replica r's attention weights apply to its own columns only: keep the diagonal blocks of
      // the [B, n, columns] sums (a 0/1 mask) and sum over n → [B, 1, columns].
      const n = to - from;
      const mask = new Float32Array(n * columns);
      for (let r = 0; r < n; r++) mask.fill(1, r * columns + r * width, r * columns + (r + 1) * width);
      initializer.push(floatTensor(`attention_mask_${g}`, [n, columns], mask));
      nodes.push(
        node('Mul', [`attention_all_${g}`, `attention_mask_${g}`], [`attention_masked_${g}`]),
        node('ReduceSum', [`attention_masked_${g}`, 'axis_heads'], [`attention_pooled_${g}`], [{ name: 'keepdims', i: 1, type: ATTRIBUTE_INT }]),
      );
      attentionGroups.push(`attention_pooled_${g}`);
    }
  });
  const allPooled = [...pooledGroups, ...attentionGroups];
  nodes.push(allPooled.length === 1 ? node('Identity', allPooled, ['pooled_row']) : node('Concat', allPooled, ['pooled_row'], [{ name: 'axis', i: 2, type: ATTRIBUTE_INT }]));
  // First layer: replica r's hidden units read only its own columns, so w1 is stored as its blocks
  // (with attention: its mean columns, then its attention columns, 2·width inputs per block).
  const parts = withAttention ? 2 : 1;
  const blocks = new Float32Array(replicas * parts * width * blockHidden);
  for (let r = 0; r < replicas; r++) {
    for (let part = 0; part < parts; part++) {
      for (let d = 0; d < width; d++) {
        for (let j = 0; j < blockHidden; j++) {
          const at = blockIndices(r, d, j, { width, blockHidden, hidden });
          blocks[(r * parts * width + part * width + d) * blockHidden + j] = model.w1[at.dense + part * dim * hidden]!;
        }
      }
    }
  }
  initializer.push(int64Tensor('hidden_shape', [-1, hidden]), floatTensor('w1_blocks', [replicas, parts * width, blockHidden], blocks));
  // [B, n·w] → [n, B, w]: one [B, w] × [w, h] product per replica, then back to [B, n·h]. With
  // attention [B, 2·n·w] → [B, 2, n, w] → [n, B, 2, w] → [n, B, 2·w].
  if (withAttention) {
    initializer.push(int64Tensor('blocks_shape', [-1, 2, replicas, width]), int64Tensor('block_inputs_shape', [replicas, -1, 2 * width]));
    nodes.push(
      node('Reshape', ['pooled_row', 'blocks_shape'], ['pooled_parts']),
      node('Transpose', ['pooled_parts'], ['pooled_parts_by_block'], [{ name: 'perm', ints: [2, 0, 1, 3], type: ATTRIBUTE_INTS }]),
      node('Reshape', ['pooled_parts_by_block', 'block_inputs_shape'], ['pooled_by_block']),
    );
  } else {
    initializer.push(int64Tensor('blocks_shape', [-1, replicas, width]));
    nodes.push(node('Reshape', ['pooled_row', 'blocks_shape'], ['pooled_blocks']), node('Transpose', ['pooled_blocks'], ['pooled_by_block'], [{ name: 'perm', ints: [1, 0, 2], type: ATTRIBUTE_INTS }]));
  }
  nodes.push(
    node('MatMul', ['pooled_by_block', 'w1_blocks'], ['hidden_by_block']),
    node('Transpose', ['hidden_by_block'], ['hidden_blocks'], [{ name: 'perm', ints: [1, 0, 2], type: ATTRIBUTE_INTS }]),
    node('Reshape', ['hidden_blocks', 'hidden_shape'], ['hidden_mm']),
  );
  return graphWithHead(model, sumBlocks, nodes, initializer);
}

/** Rebuild trainer parameters from an exported file (used by the ORT-equivalence test). */
export function importOnnx(bytes: Uint8Array): ModelParams {
  const tensors = readInitializers(bytes);
  const get = (name: string) => {
    const t = tensors.get(name);
    if (!t) throw new Error(`ONNX initializer ${name} missing`);
    return t;
  };
  if (tensors.has('w1_blocks')) return importGrouped(tensors, get);
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
    embedding: scales ? dequantizeRowsInt8({ values: int8Values(embedding), scales: floatsOf(scales) }, dim) : floatsOf(embedding),
    w1: floatsOf(w1),
    b1: floatsOf(get('b1')),
    w2: floatsOf(w2),
    b2: floatsOf(get('b2')),
  };
}

const int8Values = (t: DecodedTensor) => new Int8Array(t.rawData.buffer, t.rawData.byteOffset, t.rawData.byteLength);

/** The grouped graph (groupedGraph) back to one table, a dense block-diagonal w1 and per-replica word weights. */
function importGrouped(tensors: Map<string, DecodedTensor>, get: (name: string) => DecodedTensor): ModelParams {
  const withAttention = tensors.has('attention_table_0');
  const [replicas, blockInputs, blockHidden] = get('w1_blocks').dims as [number, number, number];
  const parts = withAttention ? 2 : 1;
  const width = blockInputs / parts;
  const w2 = get('w2');
  const scales = tensors.get('embedding_scale');
  const tables: DecodedTensor[] = [];
  for (let g = 0; tensors.has(`embedding_${g}`); g++) tables.push(get(`embedding_${g}`));
  const rows = tables[0]!.dims[0]!;
  const dim = replicas * width;
  const hidden = replicas * blockHidden;
  // Each group's columns as int8 values (int4: unpacked) or floats, then placed side by side.
  const values = new Int8Array(scales ? rows * dim : 0);
  const floats = new Float32Array(scales ? 0 : rows * dim);
  const wordWeights: number[] = [];
  let column = 0;
  tables.forEach((t, g) => {
    const packed = t.dataType === TENSOR_UINT8;
    const columns = packed ? 2 * t.dims[1]! : t.dims[1]!;
    const extra = tensors.get(`word_extra_${g}`);
    for (let r = 0; r < columns / width; r++) wordWeights.push(extra ? 1 + floatsOf(extra)[0]! : 1);
    const f = scales ? null : floatsOf(t);
    const stored = scales && !packed ? int8Values(t) : null;
    const half = columns / 2;
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < columns; j++) {
        const at = r * dim + column + j;
        if (f) floats[at] = f[r * columns + j]!;
        else if (stored) values[at] = stored[r * columns + j]!;
        else {
          const byte = t.rawData[r * half + (j % half)]!;
          values[at] = (j < half ? byte & 15 : byte >> 4) - 8;
        }
      }
    }
    column += columns;
  });
  const blocks = floatsOf(get('w1_blocks'));
  const w1 = new Float32Array(parts * dim * hidden);
  for (let r = 0; r < replicas; r++) {
    for (let part = 0; part < parts; part++) {
      for (let d = 0; d < width; d++) {
        for (let j = 0; j < blockHidden; j++) {
          const at = blockIndices(r, d, j, { width, blockHidden, hidden });
          w1[at.dense + part * dim * hidden] = blocks[(r * parts * width + part * width + d) * blockHidden + j]!;
        }
      }
    }
  }
  // Attention: the stored per-row scores, per group [rows, n], back to one [rows × replicas] table.
  let attentionTable: Float32Array | undefined;
  if (withAttention) {
    attentionTable = new Float32Array(rows * replicas);
    let from = 0;
    for (let g = 0; tensors.has(`attention_table_${g}`); g++) {
      const t = get(`attention_table_${g}`);
      const n = t.dims[1]!;
      const values = floatsOf(t);
      for (let id = 0; id < rows; id++) for (let r = 0; r < n; r++) attentionTable[id * replicas + from + r] = values[id * n + r]!;
      from += n;
    }
  }
  const limit = tensors.get('word_id_limit');
  return {
    pooling: withAttention ? 'mean+attention' : 'mean',
    ...(attentionTable ? { attentionTable } : {}),
    rows,
    dim,
    hidden,
    heads: w2.dims[1]!,
    replicas,
    ...(limit ? { wordWeights, wordIdLimit: Number(new BigInt64Array(Uint8Array.from(limit.rawData).buffer)[0]) } : {}),
    embedding: scales ? dequantizeRowsInt8({ values, scales: floatsOf(scales) }, dim) : floats,
    w1,
    b1: floatsOf(get('b1')),
    w2: floatsOf(w2),
    b2: floatsOf(get('b2')),
  };
}
