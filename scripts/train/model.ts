// The fastText-style network the trainer fits and the ONNX export writes out:
// mean (and optionally max) of embedding rows (GloVe words + hashed n-grams) → dense + ReLU → dense
// → per-head Platt calibration → sigmoid. `forward` here is the reference the ONNX graph is tested against.

/**
 * How a window's rows become the bag vector. `mean`: their mean (fastText). `mean+max`: the mean
 * followed by the per-dimension max over the rows and a zero row, max(0, max_i e_i) (the zero row is
 * what padding gathers, so the graph needs no mask): a strong feature (a slur, a threat verb) is not
 * diluted by the rest of the window.
 */
export type Pooling = 'mean' | 'mean+max' | 'mean+attention';

export interface ModelShape {
  readonly rows: number;
  readonly dim: number;
  readonly hidden: number;
  readonly heads: number;
  /** `mean` when absent. */
  readonly pooling?: Pooling;
  /** Replicas merged by ensembleOf (1 when absent): `dim` and `hidden` split into equal blocks, w1 block-diagonal. */
  readonly replicas?: number;
  /**
   * Mean pooling only: per replica, how many times a vocabulary word's row counts against its
   * n-gram rows (the featurizer's `wordWeight`, applied here so replicas trained with different
   * word weights share one id list). Ids below `wordIdLimit` are words. Absent = 1 for every replica.
   */
  readonly wordWeights?: readonly number[];
  readonly wordIdLimit?: number;
}

/** Length of the bag vector the first layer reads: dim, or 2·dim with max pooling. */
export const pooledSize = (shape: ModelShape): number => (shape.pooling === 'mean+max' || shape.pooling === 'mean+attention' ? 2 * shape.dim : shape.dim);

export interface ModelParams extends ModelShape {
  /** rows × dim, row 0 (padding) stays zero. */
  readonly embedding: Float32Array;
  /** dim × hidden, row-major. */
  readonly w1: Float32Array;
  readonly b1: Float32Array;
  /** hidden × heads, row-major. */
  readonly w2: Float32Array;
  readonly b2: Float32Array;
  /**
   * `mean+attention` pooling (round 7): one query vector per replica block (dim values in all).
   * A window's rows are weighed by softmax_i(e_i·q + log c_i) (c_i its count, × the block's word
   * weight for words), and that weighted mean follows the plain mean in the bag vector: a strong
   * row (a slur, a threat verb) can take most of the weight instead of 1/n of it.
   */
  readonly attention?: Float32Array;
  /**
   * Export-ready form: e_id·q per row and replica block, rounded as the ONNX file stores it
   * (float16), [rows × replicas]; when present the forward pass reads it instead of computing e·q.
   */
  readonly attentionTable?: Float32Array;
}

/** Per-head Platt scaling p = sigmoid(a·logit + b); identity is a=1, b=0. */
export interface Calibration {
  readonly a: Float32Array;
  readonly b: Float32Array;
}

/** Deterministic PRNG (mulberry32) so a seed reproduces a run. */
export function createRng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function initModel(shape: ModelShape, rng: () => number): ModelParams {
  const { rows, dim, hidden, heads } = shape;
  const uniform = (n: number, scale: number) => {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = (rng() * 2 - 1) * scale;
    return out;
  };
  const embedding = uniform(rows * dim, 1 / dim);
  embedding.fill(0, 0, dim);
  return {
    ...shape,
    embedding,
    w1: uniform(pooledSize(shape) * hidden, Math.sqrt(6 / (pooledSize(shape) + hidden))),
    b1: new Float32Array(hidden),
    w2: uniform(hidden * heads, Math.sqrt(6 / (hidden + heads))),
    b2: new Float32Array(heads),
    ...(shape.pooling === 'mean+attention' ? { attention: new Float32Array(dim) } : {}),
  };
}

/** Activations of one example, kept for the backward pass. */
export interface Activations {
  /** Mean, then (max pooling) max: pooledSize(shape) values. */
  readonly pooled: Float32Array;
  /** Max pooling: the row id holding each dimension's max (0 where the zero row wins). */
  readonly argmax: Int32Array;
  readonly hidden: Float32Array;
  readonly logits: Float32Array;
  /** Attention pooling (one replica block, training): each id occurrence's softmax weight. */
  alpha: Float32Array;
}

export function createActivations(shape: ModelShape): Activations {
  return {
    pooled: new Float32Array(pooledSize(shape)),
    argmax: new Int32Array(shape.pooling === 'mean+max' ? shape.dim : 0),
    hidden: new Float32Array(shape.hidden),
    logits: new Float32Array(shape.heads),
    alpha: new Float32Array(256),
  };
}

/**
 * Uncalibrated logits of one window of feature ids, written into `act`. `keep` (training only) is a
 * per-dimension dropout mask on the bag vector: 0 drops a dimension, 1/(1-rate) keeps and rescales it.
 */
export function forwardLogits(model: ModelParams, ids: Int32Array, act: Activations, keep?: Float32Array): void {
  const { dim, hidden, heads, embedding, w1, b1, w2, b2 } = model;
  const { pooled, argmax, hidden: h, logits } = act;
  const withMax = model.pooling === 'mean+max';
  pooled.fill(0);
  argmax.fill(0);
  if (model.wordWeights) poolWordWeighted(model, ids, pooled);
  else for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    const base = id * dim;
    for (let d = 0; d < dim; d++) pooled[d]! += embedding[base + d]!;
    if (withMax) {
      for (let d = 0; d < dim; d++) {
        const v = embedding[base + d]!;
        if (v > pooled[dim + d]!) {
          pooled[dim + d] = v;
          argmax[d] = id;
        }
      }
    }
  }
  const inv = model.wordWeights ? 1 : 1 / ids.length;
  for (let d = 0; d < dim; d++) pooled[d]! *= keep ? inv * keep[d]! : inv;
  if (model.pooling === 'mean+attention') poolAttention(model, ids, act);
  if (withMax && keep) for (let d = 0; d < dim; d++) pooled[dim + d]! *= keep[d]!;
  h.set(b1);
  // A merged ensemble's w1 is block-diagonal: each pooled column feeds only its replica's units.
  const replicas = model.replicas ?? 1;
  const width = dim / replicas;
  const blockHidden = hidden / replicas;
  for (let d = 0; d < pooled.length; d++) {
    const x = pooled[d]!;
    if (x === 0) continue;
    const row = d * hidden;
    const from = Math.floor((d % dim) / width) * blockHidden;
    for (let j = from; j < from + blockHidden; j++) h[j]! += x * w1[row + j]!;
  }
  for (let j = 0; j < hidden; j++) if (h[j]! < 0) h[j] = 0;
  logits.set(b2);
  for (let j = 0; j < hidden; j++) {
    const x = h[j]!;
    if (x === 0) continue;
    const row = j * heads;
    for (let k = 0; k < heads; k++) logits[k]! += x * w2[row + k]!;
  }
}

/**
 * The mean of a window's rows with each replica block's own word weight k: a vocabulary word's row
 * counts k times, so block b gets Σ k_b(id)·e_id / Σ k_b(id), exactly what that replica saw when it
 * was trained on ids with each word repeated k times.
 */
function poolWordWeighted(model: ModelParams, ids: Int32Array, pooled: Float32Array): void {
  const { dim, embedding, wordWeights = [], wordIdLimit = 0 } = model;
  const width = dim / wordWeights.length;
  let words = 0;
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    const base = id * dim;
    const isWord = id < wordIdLimit;
    if (isWord) words++;
    for (let b = 0; b < wordWeights.length; b++) {
      const k = isWord ? wordWeights[b]! : 1;
      for (let d = b * width; d < (b + 1) * width; d++) pooled[d]! += k * embedding[base + d]!;
    }
  }
  for (let b = 0; b < wordWeights.length; b++) {
    const inv = 1 / (ids.length + (wordWeights[b]! - 1) * words);
    for (let d = b * width; d < (b + 1) * width; d++) pooled[d]! *= inv;
  }
}

/**
 * The attention half of the bag vector, pooled[dim…2·dim): per replica block b, Σ α_i e_i with
 * α = softmax_i(s_b(id_i) + log k_b(id_i)), s_b(id) = e_id·q_b (or the stored table), k_b the
 * block's word weight for words (1 otherwise). Repeated ids simply repeat in the softmax, which is
 * what the graph's log(count/n) term reproduces for folded ids.
 */
function poolAttention(model: ModelParams, ids: Int32Array, act: Activations): void {
  const { dim, embedding, attention, attentionTable, wordWeights, wordIdLimit = 0 } = model;
  const replicas = model.replicas ?? 1;
  const width = dim / replicas;
  if (act.alpha.length < ids.length) act.alpha = new Float32Array(ids.length * 2);
  const alpha = act.alpha;
  const pooled = act.pooled;
  for (let b = 0; b < replicas; b++) {
    const from = b * width;
    const logK = wordWeights ? Math.log(wordWeights[b]!) : 0;
    let max = -Infinity;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      let s: number;
      if (attentionTable) s = attentionTable[id * replicas + b]!;
      else {
        s = 0;
        const base = id * dim;
        for (let d = from; d < from + width; d++) s += embedding[base + d]! * attention![d]!;
      }
      if (logK !== 0 && id < wordIdLimit) s += logK;
      alpha[i] = s;
      if (s > max) max = s;
    }
    let total = 0;
    for (let i = 0; i < ids.length; i++) {
      const e = Math.exp(alpha[i]! - max);
      alpha[i] = e;
      total += e;
    }
    for (let i = 0; i < ids.length; i++) {
      const a = alpha[i]! / total;
      alpha[i] = a;
      const base = ids[i]! * dim;
      for (let d = from; d < from + width; d++) pooled[dim + d]! += a * embedding[base + d]!;
    }
  }
}

/** e_id·q per row and replica block, rounded to float16 as stored (see ModelParams.attentionTable). */
export function attentionTableOf(model: ModelParams, round: (values: Float32Array) => void): Float32Array {
  const { rows, dim, embedding, attention } = model;
  if (!attention) throw new Error('attention table needs mean+attention pooling');
  const replicas = model.replicas ?? 1;
  const width = dim / replicas;
  const table = new Float32Array(rows * replicas);
  for (let id = 0; id < rows; id++) {
    for (let b = 0; b < replicas; b++) {
      let s = 0;
      for (let d = b * width; d < (b + 1) * width; d++) s += embedding[id * dim + d]! * attention[d]!;
      table[id * replicas + b] = s;
    }
  }
  round(table);
  return table;
}

export const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/** Calibrated probabilities of one window: the reference for the ONNX graph. */
export function forwardProbabilities(model: ModelParams, ids: Int32Array, calibration?: Calibration): Float32Array {
  const act = createActivations(model);
  forwardLogits(model, ids, act);
  const out = new Float32Array(model.heads);
  for (let k = 0; k < model.heads; k++) {
    const z = calibration ? calibration.a[k]! * act.logits[k]! + calibration.b[k]! : act.logits[k]!;
    out[k] = sigmoid(z);
  }
  return out;
}

/** Adagrad accumulators (sum of squared gradients), one per parameter. */
export interface AdagradState {
  readonly embedding: Float32Array;
  readonly w1: Float32Array;
  readonly b1: Float32Array;
  readonly w2: Float32Array;
  readonly b2: Float32Array;
  readonly attention: Float32Array;
}

export function createAdagradState(model: ModelParams): AdagradState {
  const init = (n: number) => new Float32Array(n).fill(1e-6);
  return { embedding: init(model.embedding.length), w1: init(model.w1.length), b1: init(model.b1.length), w2: init(model.w2.length), b2: init(model.b2.length), attention: init(model.attention?.length ?? 0) };
}

/** p -= lr·g/√(G+g²): Adagrad, which suits the sparse, rarely-seen n-gram rows. */
function adagrad(params: Float32Array, acc: Float32Array, index: number, g: number, lr: number): void {
  const a = acc[index]! + g * g;
  acc[index] = a;
  params[index]! -= (lr * g) / Math.sqrt(a);
}

/**
 * One Adagrad step on one example with masked binary cross-entropy: heads whose weight is 0
 * (label unknown) contribute no gradient. Returns the example's loss.
 */
export function trainStep(options: {
  model: ModelParams;
  state: AdagradState;
  ids: Int32Array;
  /** 1/0 targets per head. */
  targets: Int8Array;
  /** Loss weight per head; 0 masks the head out. */
  weights: Float32Array;
  lr: number;
  /** Learning rate of the embedding rows; defaults to `lr`. */
  embeddingLr?: number;
  /** Dropout mask on the bag vector (see forwardLogits); none by default. */
  keep?: Float32Array;
  /**
   * Max pooling: learning rate of the first layer's max block as a multiple of `lr` (default 1).
   * Max features are non-negative and several times the mean's size, and Adagrad's steps do not
   * shrink with them, so at full rate hidden units die.
   */
  maxLrScale?: number;
  act: Activations;
  /** `pooled` has pooledSize(model) entries. */
  grad: { hidden: Float32Array; pooled: Float32Array; logits: Float32Array };
}): number {
  const { model, state, ids, targets, weights, lr, act, grad, keep } = options;
  const embeddingLr = options.embeddingLr ?? lr;
  const { dim, hidden, heads, embedding, w1, b1, w2, b2 } = model;
  forwardLogits(model, ids, act, keep);
  let loss = 0;
  let any = false;
  for (let k = 0; k < heads; k++) {
    const w = weights[k]!;
    if (w === 0) {
      grad.logits[k] = 0;
      continue;
    }
    any = true;
    const z = act.logits[k]!;
    const p = sigmoid(z);
    const y = targets[k]!;
    loss += w * (Math.max(z, 0) - z * y + Math.log1p(Math.exp(-Math.abs(z))));
    grad.logits[k] = w * (p - y);
  }
  if (!any) return 0;
  // Hidden gradient (through ReLU) before W2 changes.
  for (let j = 0; j < hidden; j++) {
    if (act.hidden[j]! <= 0) {
      grad.hidden[j] = 0;
      continue;
    }
    let g = 0;
    const row = j * heads;
    for (let k = 0; k < heads; k++) g += w2[row + k]! * grad.logits[k]!;
    grad.hidden[j] = g;
  }
  for (let j = 0; j < hidden; j++) {
    const x = act.hidden[j]!;
    if (x === 0) continue;
    const row = j * heads;
    for (let k = 0; k < heads; k++) {
      const g = grad.logits[k]!;
      if (g !== 0) adagrad(w2, state.w2, row + k, x * g, lr);
    }
  }
  for (let k = 0; k < heads; k++) if (grad.logits[k] !== 0) adagrad(b2, state.b2, k, grad.logits[k]!, lr);
  // Pooled gradient before W1 changes.
  const inputs = act.pooled.length;
  for (let d = 0; d < inputs; d++) {
    let g = 0;
    const row = d * hidden;
    for (let j = 0; j < hidden; j++) g += w1[row + j]! * grad.hidden[j]!;
    grad.pooled[d] = keep ? g * keep[d % dim]! : g;
  }
  const maxLr = lr * (options.maxLrScale ?? 1);
  for (let d = 0; d < inputs; d++) {
    const x = act.pooled[d]!;
    if (x === 0) continue;
    const row = d * hidden;
    const rate = d < dim || model.pooling === 'mean+attention' ? lr : maxLr;
    for (let j = 0; j < hidden; j++) {
      const g = grad.hidden[j]!;
      if (g !== 0) adagrad(w1, state.w1, row + j, x * g, rate);
    }
  }
  for (let j = 0; j < hidden; j++) if (grad.hidden[j] !== 0) adagrad(b1, state.b1, j, grad.hidden[j]!, lr);
  const inv = 1 / ids.length;
  if (model.pooling === 'mean+attention') {
    attentionBackward(model, state, ids, act, grad.pooled, inv, lr, embeddingLr);
    return loss;
  }
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (id === 0) continue; // padding row stays zero
    const base = id * dim;
    for (let d = 0; d < dim; d++) adagrad(embedding, state.embedding, base + d, grad.pooled[d]! * inv, embeddingLr);
  }
  // Max pooling: each dimension's gradient goes to the row that held its max (none where the zero row won).
  for (let d = 0; d < act.argmax.length; d++) {
    const id = act.argmax[d]!;
    if (id !== 0) adagrad(embedding, state.embedding, id * dim + d, grad.pooled[dim + d]!, embeddingLr);
  }
  return loss;
}

/**
 * Backward through mean + attention pooling (one replica, as trained): with g the attention
 * half's gradient and a = Σ α_i e_i, ∂s_i = α_i (g·e_i − g·a); row i gets g_mean/n + α_i g + ∂s_i q,
 * and q gets Σ ∂s_i e_i (computed before any row moves).
 */
function attentionBackward(model: ModelParams, state: AdagradState, ids: Int32Array, act: Activations, gradPooled: Float32Array, inv: number, lr: number, embeddingLr: number): void {
  const { dim, embedding } = model;
  const q = model.attention!;
  const alpha = act.alpha;
  const pooled = act.pooled;
  let gA = 0;
  for (let d = 0; d < dim; d++) gA += gradPooled[dim + d]! * pooled[dim + d]!;
  const ds = new Float32Array(ids.length);
  const gq = new Float32Array(dim);
  for (let i = 0; i < ids.length; i++) {
    const base = ids[i]! * dim;
    let ge = 0;
    for (let d = 0; d < dim; d++) ge += gradPooled[dim + d]! * embedding[base + d]!;
    const g = alpha[i]! * (ge - gA);
    ds[i] = g;
    if (g !== 0) for (let d = 0; d < dim; d++) gq[d]! += g * embedding[base + d]!;
  }
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (id === 0) continue; // padding row stays zero
    const base = id * dim;
    const a = alpha[i]!;
    const s = ds[i]!;
    for (let d = 0; d < dim; d++) adagrad(embedding, state.embedding, base + d, gradPooled[d]! * inv + a * gradPooled[dim + d]! + s * q[d]!, embeddingLr);
  }
  for (let d = 0; d < dim; d++) if (gq[d] !== 0) adagrad(q, state.attention, d, gq[d]!, lr);
}

/** Fold Platt scaling into the last layer: a·(h·W2 + b2) + b = h·(a∘W2) + (a∘b2 + b). */
export function foldCalibration(model: ModelParams, calibration: Calibration): ModelParams {
  const w2 = new Float32Array(model.w2.length);
  const b2 = new Float32Array(model.heads);
  for (let j = 0; j < model.hidden; j++) {
    for (let k = 0; k < model.heads; k++) w2[j * model.heads + k] = model.w2[j * model.heads + k]! * calibration.a[k]!;
  }
  for (let k = 0; k < model.heads; k++) b2[k] = model.b2[k]! * calibration.a[k]! + calibration.b[k]!;
  return { ...model, w2, b2 };
}

/**
 * Several independently trained replicas (same feature rows and heads) as one network of the same
 * shape, so the ONNX graph and the serving code do not change: the embedding tables side by side
 * (each replica's pooled vector is its own block of columns, since the mean over rows is linear), a
 * block-diagonal first layer, and the last layers stacked and scaled by 1/n, so the logits are the
 * mean of the replicas' logits. `wordWeighting` merges replicas trained with different featurizer
 * word weights (replica r on ids with each word repeated wordWeights[r] times): the merged model
 * takes plain ids and weighs the words per block (poolWordWeighted), so it equals their mean too.
 */
export function ensembleOf(replicas: readonly ModelParams[], wordWeighting?: { readonly wordWeights: readonly number[]; readonly wordIdLimit: number }): ModelParams {
  const first = replicas[0];
  if (!first) throw new Error('ensembleOf needs at least one replica');
  if (wordWeighting && (wordWeighting.wordWeights.length !== replicas.length || (first.pooling ?? 'mean') === 'mean+max')) throw new Error('word weights need one weight per replica and mean (or mean+attention) pooling');
  if (replicas.length === 1) return first;
  const { rows, heads, pooling = 'mean' } = first;
  for (const r of replicas) if (r.rows !== rows || r.heads !== heads || r.dim !== first.dim || r.hidden !== first.hidden || (r.pooling ?? 'mean') !== pooling) throw new Error('replicas differ in shape or pooling');
  const dim = replicas.reduce((s, r) => s + r.dim, 0);
  const hidden = replicas.reduce((s, r) => s + r.hidden, 0);
  const withMax = pooling === 'mean+max' || pooling === 'mean+attention';
  const attention = pooling === 'mean+attention' ? new Float32Array(dim) : undefined;
  const embedding = new Float32Array(rows * dim);
  const w1 = new Float32Array(pooledSize({ rows, dim, hidden, heads, pooling }) * hidden);
  const b1 = new Float32Array(hidden);
  const w2 = new Float32Array(hidden * heads);
  const b2 = new Float32Array(heads);
  const share = 1 / replicas.length;
  let dimOffset = 0;
  let hiddenOffset = 0;
  for (const r of replicas) {
    for (let row = 0; row < rows; row++) embedding.set(r.embedding.subarray(row * r.dim, (row + 1) * r.dim), row * dim + dimOffset);
    for (let d = 0; d < r.dim; d++) {
      w1.set(r.w1.subarray(d * r.hidden, (d + 1) * r.hidden), (dimOffset + d) * hidden + hiddenOffset);
      // The max block follows all replicas' mean columns: replica r's max input d is row dim + offset + d.
      if (withMax) w1.set(r.w1.subarray((r.dim + d) * r.hidden, (r.dim + d + 1) * r.hidden), (dim + dimOffset + d) * hidden + hiddenOffset);
    }
    b1.set(r.b1, hiddenOffset);
    if (attention) attention.set(r.attention!, dimOffset);
    for (let j = 0; j < r.hidden * heads; j++) w2[hiddenOffset * heads + j] = r.w2[j]! * share;
    for (let k = 0; k < heads; k++) b2[k]! += r.b2[k]! * share;
    dimOffset += r.dim;
    hiddenOffset += r.hidden;
  }
  return { rows, dim, hidden, heads, pooling, replicas: replicas.length, ...wordWeighting, embedding, w1, b1, w2, b2, ...(attention ? { attention } : {}) };
}
