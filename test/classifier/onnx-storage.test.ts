// The trainer's export paths (scripts/train): every embedding storage (float32, float16, per-row
// int8, int4), with mean or mean+max pooling, and an ensemble of replicas (also with per-replica word weights) must run in onnxruntime-node exactly as the trainer's forward
// pass predicts, and import back to the same parameters.

import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { roundToFloat16 } from '../../scripts/train/float16.ts';
import { dequantizeRowsInt8, INT4_LEVELS, quantizeRowsInt8, roundToInt8Rows } from '../../scripts/train/int8.ts';
import { attentionTableOf, createActivations, createRng, ensembleOf, forwardLogits, forwardProbabilities, initModel } from '../../scripts/train/model.ts';
import type { ModelParams, Pooling } from '../../scripts/train/model.ts';
import { canSumBlocks, exportOnnx, importOnnx, quantizationLevels } from '../../scripts/train/onnx-export.ts';
import type { EmbeddingStorage } from '../../scripts/train/onnx-export.ts';
import { readInitializers } from '../../scripts/train/onnx-proto.ts';

const shape = { rows: 50, dim: 8, hidden: 6, heads: 3 };
const windows = [Int32Array.from([1, 2, 3]), Int32Array.from([4, 4, 49, 7, 10]), Int32Array.from([25])];

async function runOnnx(bytes: Uint8Array, ids: Int32Array[]): Promise<Float32Array[]> {
  const session = await ort.InferenceSession.create(bytes);
  const length = Math.max(...ids.map((w) => w.length));
  const flatIds = new BigInt64Array(ids.length * length);
  const weights = new Float32Array(ids.length * length);
  ids.forEach((w, b) => w.forEach((id, i) => {
    flatIds[b * length + i] = BigInt(id);
    weights[b * length + i] = 1 / w.length;
  }));
  const out = await session.run({
    ids: new ort.Tensor('int64', flatIds, [ids.length, length]),
    weights: new ort.Tensor('float32', weights, [ids.length, length]),
  });
  const data = out.probabilities!.data as Float32Array;
  await session.release();
  return ids.map((_, b) => data.slice(b * shape.heads, (b + 1) * shape.heads));
}

/** onnxruntime's probabilities for `windows` equal the trainer's forward pass within 1e-6. */
async function expectOrtMatchesForward(bytes: Uint8Array, model: ModelParams): Promise<void> {
  const got = await runOnnx(bytes, windows);
  windows.forEach((ids, b) => {
    const expected = forwardProbabilities(model, ids);
    for (let k = 0; k < shape.heads; k++) expect(Math.abs(got[b]![k]! - expected[k]!)).toBeLessThanOrEqual(1e-6);
  });
}

function roundedModel(storage: EmbeddingStorage, pooling: Pooling, seed = 7): ModelParams {
  const model = initModel({ ...shape, pooling }, createRng(seed));
  // Spread the rows so quantisation is not trivially exact.
  for (let i = shape.dim; i < model.embedding.length; i++) model.embedding[i]! *= 1 + (i % 13);
  if (storage === 'float16') roundToFloat16(model.embedding);
  if (storage === 'int8') roundToInt8Rows(model.embedding, model.rows, model.dim);
  return model;
}

describe('ONNX export storage', () => {
  for (const [storage, pooling] of [['float32', 'mean'], ['float16', 'mean'], ['int8', 'mean'], ['float32', 'mean+max'], ['int8', 'mean+max']] as const) {
    it(`runs a ${storage} table with ${pooling} pooling in onnxruntime as the trainer's forward pass predicts`, async () => {
      const model = roundedModel(storage, pooling);
      const bytes = exportOnnx(model, 'test', { embedding: storage });
      await expectOrtMatchesForward(bytes, model);
      const back = importOnnx(bytes);
      expect(back.pooling).toBe(pooling);
      expect(back.embedding).toEqual(model.embedding);
      expect(back.w2).toEqual(model.w2);
    });
  }
});

describe('int8 rows', () => {
  it('reconstructs every value within half a step of its row scale and keeps zero rows zero', () => {
    const table = Float32Array.from({ length: 4 * 5 }, (_, i) => (i < 5 ? 0 : Math.sin(i) * (i % 4 + 1)));
    const q = quantizeRowsInt8(table, 4, 5);
    const back = dequantizeRowsInt8(q, 5);
    expect(Array.from(back.subarray(0, 5))).toEqual([0, 0, 0, 0, 0]);
    for (let i = 5; i < table.length; i++) expect(Math.abs(back[i]! - table[i]!)).toBeLessThanOrEqual(q.scales[Math.floor(i / 5)]! / 2 + 1e-7);
  });
});

describe('ensembleOf', () => {
  it.each(['mean', 'mean+max'] as const)('is one network whose logits are the mean of its replicas’ logits (%s pooling)', async (pooling) => {
    const replicas = [1, 2, 3].map((seed) => initModel({ ...shape, pooling }, createRng(seed)));
    const merged = ensembleOf(replicas);
    expect(merged.pooling).toBe(pooling);
    expect([merged.dim, merged.hidden, merged.rows]).toEqual([24, 18, 50]);
    for (const ids of windows) {
      const act = createActivations(merged);
      forwardLogits(merged, ids, act);
      const mean = new Float32Array(shape.heads);
      for (const r of replicas) {
        const a = createActivations(r);
        forwardLogits(r, ids, a);
        a.logits.forEach((z, k) => (mean[k]! += z / replicas.length));
      }
      for (let k = 0; k < shape.heads; k++) expect(act.logits[k]).toBeCloseTo(mean[k]!, 5);
    }
    await expectOrtMatchesForward(exportOnnx(merged, 'test'), merged);
  });
});

describe('ensembles of replicas with different word weights (grouped graph)', () => {
  const wordIdLimit = 20;
  const wordWeights = [1, 1, 4];
  /** What replica r saw in training: each word id repeated k times (the featurizer's wordWeight). */
  const repeatWords = (ids: Int32Array, k: number) => Int32Array.from([...ids].flatMap((id) => (id < wordIdLimit ? new Array<number>(k).fill(id) : [id])));

  it('pools each replica block with its own word weight: the logits are the mean of the replicas’ on their own ids', () => {
    const replicas = [1, 2, 3].map((seed) => initModel(shape, createRng(seed)));
    const merged = ensembleOf(replicas, { wordWeights, wordIdLimit });
    for (const ids of windows) {
      const act = createActivations(merged);
      forwardLogits(merged, ids, act);
      const mean = new Float32Array(shape.heads);
      replicas.forEach((r, i) => {
        const a = createActivations(r);
        forwardLogits(r, repeatWords(ids, wordWeights[i]!), a);
        a.logits.forEach((z, k) => (mean[k]! += z / replicas.length));
      });
      for (let k = 0; k < shape.heads; k++) expect(act.logits[k]).toBeCloseTo(mean[k]!, 5);
    }
  });

  for (const storage of ['float32', 'int8', 'int4'] as const) {
    it(`runs a ${storage} table in onnxruntime as the trainer's forward pass predicts and imports back`, async () => {
      const replicas = [1, 2, 3].map((seed) => roundedModel('float32', 'mean', seed));
      const merged = ensembleOf(replicas, { wordWeights, wordIdLimit });
      const levels = quantizationLevels(storage);
      if (levels) roundToInt8Rows(merged.embedding, merged.rows, merged.dim, levels);
      const bytes = exportOnnx(merged, 'test', { embedding: storage });
      await expectOrtMatchesForward(bytes, merged);
      const back = importOnnx(bytes);
      expect([back.replicas, back.wordWeights, back.wordIdLimit]).toEqual([3, wordWeights, wordIdLimit]);
      expect(back.embedding).toEqual(merged.embedding);
      expect(back.w1).toEqual(merged.w1);
    });
  }

  it('stores an int4 table in half the bytes of int8 and keeps every value within half a step', () => {
    const merged = ensembleOf([1, 2].map((seed) => roundedModel('float32', 'mean', seed)));
    const original = Float32Array.from(merged.embedding);
    const q = quantizeRowsInt8(original, merged.rows, merged.dim, INT4_LEVELS);
    for (let i = 0; i < original.length; i++) expect(Math.abs(q.values[i]!)).toBeLessThanOrEqual(7);
    roundToInt8Rows(merged.embedding, merged.rows, merged.dim, INT4_LEVELS);
    for (let i = 0; i < original.length; i++) expect(Math.abs(merged.embedding[i]! - original[i]!)).toBeLessThanOrEqual(q.scales[Math.floor(i / merged.dim)]! / 2 + 1e-6);
    const int4 = exportOnnx(merged, 'test', { embedding: 'int4' });
    expect(readInitializers(int4).get('embedding_0')!.rawData.byteLength).toBe((merged.rows * merged.dim) / 2);
    expect(readInitializers(exportOnnx(merged, 'test', { embedding: 'int8' })).get('embedding')!.rawData.byteLength).toBe(merged.rows * merged.dim);
    expect(importOnnx(int4).embedding).toEqual(merged.embedding);
  });
});

describe('mean+attention pooling (round 7)', () => {
  /** Replicas with non-trivial queries, so the attention weights differ from the mean's. */
  function attentionReplicas(count: number): ModelParams[] {
    const rng = createRng(7);
    return Array.from({ length: count }, () => {
      const m = initModel({ ...shape, pooling: 'mean+attention' as Pooling }, rng);
      for (let i = 0; i < m.attention!.length; i++) m.attention![i] = (rng() - 0.5) * 6;
      for (let i = shape.dim; i < m.embedding.length; i++) m.embedding[i] = (rng() - 0.5) * 2;
      return m;
    });
  }

  it('starts as the plain mean (zero queries weigh every row alike)', () => {
    const m = initModel({ ...shape, pooling: 'mean+attention' as Pooling }, createRng(3));
    const act = createActivations(m);
    forwardLogits(m, windows[1]!, act);
    for (let d = 0; d < shape.dim; d++) expect(act.pooled[shape.dim + d]!).toBeCloseTo(act.pooled[d]!, 6);
  });

  for (const storage of ['float32', 'int8', 'int4'] as const) {
    it(`exports a ${storage} ensemble with word weights whose onnxruntime output is the trainer's forward pass, and imports back`, async () => {
      let model = ensembleOf(attentionReplicas(4), { wordWeights: [1, 1, 4, 4], wordIdLimit: 10 });
      const levels = quantizationLevels(storage);
      if (levels) roundToInt8Rows(model.embedding, model.rows, model.dim, levels);
      model = { ...model, attentionTable: attentionTableOf(model, roundToFloat16) };
      const bytes = exportOnnx(model, 'test', { embedding: storage });
      await expectOrtMatchesForward(bytes, model);
      const imported = importOnnx(bytes);
      expect(imported.pooling).toBe('mean+attention');
      await expectOrtMatchesForward(bytes, imported);
    });
  }

  it('refuses to export without the stored score table', () => {
    const model = ensembleOf(attentionReplicas(2));
    expect(() => exportOnnx(model, 'test', { embedding: 'int4' })).toThrow(/attentionTable/);
  });
});

describe("the 'blocks' layout's graph (rows summed per window)", () => {
  // Three block rows; windows name them by index (-1: the graph's zero row), in any order.
  const blocks = [Int32Array.from([1, 2, 2, 3]), Int32Array.from([4, 49, 7]), Int32Array.from([2, 25])];
  const parts = [[0, 1], [1, 2], [2, -1], [0, 2]];

  async function runBlocks(bytes: Uint8Array): Promise<Float32Array[]> {
    const session = await ort.InferenceSession.create(bytes);
    const length = Math.max(...blocks.map((b) => b.length));
    const ids = new BigInt64Array(blocks.length * length);
    const weights = new Float32Array(blocks.length * length);
    // Each row's raw ids with weight 1 each (serving folds repeats into counts; the sum is the same).
    blocks.forEach((b, r) => b.forEach((id, i) => {
      ids[r * length + i] = BigInt(id);
      weights[r * length + i] = 1;
    }));
    const n = parts.map((p) => p.reduce((sum, r) => sum + (r < 0 ? 0 : blocks[r]!.length), 0));
    const out = await session.run({
      ids: new ort.Tensor('int64', ids, [blocks.length, length]),
      weights: new ort.Tensor('float32', weights, [blocks.length, length]),
      parts: new ort.Tensor('int64', BigInt64Array.from(parts.flat().map(BigInt)), [parts.length, 2]),
      scale: new ort.Tensor('float32', Float32Array.from(n.map((x) => 1 / x)), [parts.length]),
    });
    await session.release();
    const data = out.probabilities!.data as Float32Array;
    return parts.map((_, w) => data.slice(w * shape.heads, (w + 1) * shape.heads));
  }

  for (const storage of ['float32', 'int8', 'int4'] as const) {
    it(`gives each window of a ${storage} table the trainer's forward pass on its blocks' ids joined`, async () => {
      const model = roundedModel('float32', 'mean');
      const levels = quantizationLevels(storage);
      if (levels) roundToInt8Rows(model.embedding, model.rows, model.dim, levels);
      const got = await runBlocks(exportOnnx(model, 'test', { embedding: storage, blocks: true }));
      parts.forEach((p, w) => {
        const joined = Int32Array.from(p.flatMap((r) => (r < 0 ? [] : Array.from(blocks[r]!))));
        const expected = forwardProbabilities(model, joined);
        for (let k = 0; k < shape.heads; k++) expect(Math.abs(got[w]![k]! - expected[k]!)).toBeLessThanOrEqual(1e-6);
      });
    });
  }

  it('is refused where the first layer is not linear in the rows (max pooling, word weights)', () => {
    const withMax = roundedModel('float32', 'mean+max');
    expect(canSumBlocks(withMax)).toBe(false);
    expect(() => exportOnnx(withMax, 'test', { blocks: true })).toThrow(/blocks layout/);
    const weighted = ensembleOf([1, 2].map((seed) => initModel(shape, createRng(seed))), { wordWeights: [1, 4], wordIdLimit: 20 });
    expect(() => exportOnnx(weighted, 'test', { blocks: true })).toThrow(/blocks layout/);
  });
});
