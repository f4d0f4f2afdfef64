// Per-row symmetric int8 (or int4) quantisation of the embedding table: each row keeps its own float32 scale
// (max |value| / 127), so a quarter of the float32 size holds every row to within half a step of
// its largest value. The ONNX graph gathers int8 rows and folds the row scale into the mean's
// weights; the trainer rounds its own table to the same values so its forward pass stays the reference.

export interface Int8Rows {
  readonly values: Int8Array;
  readonly scales: Float32Array;
}

/** `levels` = the largest stored magnitude: 127 for int8, 7 for int4 (packed two to a byte by the export). */
export function quantizeRowsInt8(table: Float32Array, rows: number, dim: number, levels = 127): Int8Rows {
  const values = new Int8Array(rows * dim);
  const scales = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let max = 0;
    for (let d = 0; d < dim; d++) max = Math.max(max, Math.abs(table[r * dim + d]!));
    if (max === 0) continue;
    const scale = Math.fround(max / levels);
    scales[r] = scale;
    for (let d = 0; d < dim; d++) values[r * dim + d] = Math.max(-levels, Math.min(levels, Math.round(table[r * dim + d]! / scale)));
  }
  return { values, scales };
}

export function dequantizeRowsInt8({ values, scales }: Int8Rows, dim: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i]! * scales[Math.floor(i / dim)]!;
  return out;
}

/** Replace every value by its int8 reconstruction (what the ONNX file will hold), in place. */
export function roundToInt8Rows(table: Float32Array, rows: number, dim: number, levels = 127): void {
  table.set(dequantizeRowsInt8(quantizeRowsInt8(table, rows, dim, levels), dim));
}

/** int4 rows: 15 levels (-7…7) per row, so 8 replicas fit the 25 MB budget (measured cost on run Z: none). */
export const INT4_LEVELS = 7;
