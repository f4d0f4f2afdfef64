// Runtime-independent batching for the ONNX classifier: texts → sliding windows → padded
// [batch, length] id/weight tensors (grouped by length so short and long texts do not pad each
// other), and back: per-text max over its windows, with the worst window's span. Shared by the
// Node (onnxruntime-node) and, later, the Workers (onnxruntime-web) implementations.

import type { ClassifierHead } from '../categories.ts';
import type { FeatureWindow, Featurizer } from '../text/featurize.ts';
import type { Span } from '../text/normalize.ts';
import type { ClassifierScores } from './types.ts';

export interface WindowRef {
  readonly text: number;
  readonly window: FeatureWindow;
}

export interface PackedBatch {
  readonly refs: readonly WindowRef[];
  readonly batch: number;
  readonly length: number;
  /** int64 ids, row-major [batch, length], padded with 0. */
  readonly ids: BigInt64Array;
  /** count/n for each distinct id of a window's n ids, 0 for padding: the graph's weighted sum then yields the mean. */
  readonly weights: Float32Array;
}

export interface PackOptions {
  /** Most windows in one run. */
  readonly maxBatch: number;
  /** Most cells (batch × padded length) in one run, which bounds memory for long texts. */
  readonly maxCells: number;
}

/** Every text's windows; a null text (no classifiable content) gets none. */
export function featurizeAll(featurizer: Featurizer, texts: ReadonlyArray<string | null>): WindowRef[] {
  const refs: WindowRef[] = [];
  texts.forEach((text, i) => {
    if (text === null) return;
    for (const window of featurizer.featurize(text)) refs.push({ text: i, window });
  });
  return refs;
}

/**
 * A window's ids with repeats folded: each distinct id once (in order of first occurrence), weighted
 * by its share of the window's n ids. The graph's weighted sum is then the same mean over fewer
 * rows: a 64-token window of prose repeats many character n-grams and words, and the gathered
 * [batch, length, dim] tensor, not the network, is what a run spends most of its time on.
 */
export interface FoldedWindow {
  readonly ref: WindowRef;
  readonly ids: Int32Array;
  readonly weights: Float32Array;
}

/**
 * Per-id counters reused across windows (grown to the largest id seen): counting through a typed
 * array instead of a Map keeps folding a long text's windows cheap. Reset after every window by
 * walking its distinct ids, so the cost stays O(window length). One per isolate/thread: folding is
 * synchronous, so no two windows share it at once.
 */
let counters = new Uint32Array(1 << 16);

export function fold(ref: WindowRef): FoldedWindow {
  const all = ref.window.ids;
  const order = new Int32Array(all.length);
  let distinct = 0;
  for (let i = 0; i < all.length; i++) {
    const id = all[i]!;
    if (id >= counters.length) {
      const grown = new Uint32Array(Math.max(id + 1, counters.length * 2));
      grown.set(counters);
      counters = grown;
    }
    const seen = counters[id]!;
    counters[id] = seen + 1;
    if (seen === 0) order[distinct++] = id;
  }
  // Each distinct id once, in order of first occurrence, with its share of the window's n ids.
  const ids = order.slice(0, distinct);
  const weights = new Float32Array(distinct);
  for (let i = 0; i < distinct; i++) {
    const id = ids[i]!;
    weights[i] = counters[id]! / all.length;
    counters[id] = 0;
  }
  return { ref, ids, weights };
}

/** Fold each window's repeats, sort windows by length and cut them into runs that respect the batch and cell limits. */
export function packBatches(refs: readonly WindowRef[], options: PackOptions): PackedBatch[] {
  const sorted = refs.map(fold).sort((a, b) => a.ids.length - b.ids.length);
  const batches: PackedBatch[] = [];
  let start = 0;
  while (start < sorted.length) {
    let end = start + 1;
    while (end < sorted.length && end - start < options.maxBatch && (end - start + 1) * sorted[end]!.ids.length <= options.maxCells) end++;
    batches.push(pack(sorted.slice(start, end)));
    start = end;
  }
  return batches;
}

function pack(windows: readonly FoldedWindow[]): PackedBatch {
  const length = Math.max(...windows.map((w) => w.ids.length));
  const ids = new BigInt64Array(windows.length * length);
  // Write the non-negative ids through a 32-bit view (low word first on little-endian hosts, which
  // is every ONNX runtime target); creating a BigInt per id would dominate short-text latency.
  const words = new Int32Array(ids.buffer);
  const littleEndian = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;
  const weights = new Float32Array(windows.length * length);
  windows.forEach((window, row) => {
    const base = row * length;
    for (let i = 0; i < window.ids.length; i++) {
      if (littleEndian) words[(base + i) * 2] = window.ids[i]!;
      else ids[base + i] = BigInt(window.ids[i]!);
    }
    weights.set(window.weights, base);
  });
  return { refs: windows.map((w) => w.ref), batch: windows.length, length, ids, weights };
}

/**
 * Fold window probabilities into one result per text: max per head over its windows; for texts
 * with several windows, the span of the window whose highest head score is highest.
 */
export function reduceWindows(options: {
  textCount: number;
  heads: readonly ClassifierHead[];
  batches: ReadonlyArray<{ refs: readonly WindowRef[]; probabilities: Float32Array }>;
}): ClassifierScores[] {
  const { textCount, heads, batches } = options;
  const best = Array.from({ length: textCount }, () => new Float32Array(heads.length).fill(-1));
  const worst = Array.from({ length: textCount }, () => ({ score: -1, span: undefined as Span | undefined, windows: 0 }));
  for (const { refs, probabilities } of batches) {
    refs.forEach((ref, row) => {
      const scores = best[ref.text]!;
      let windowMax = -1;
      for (let k = 0; k < heads.length; k++) {
        const p = probabilities[row * heads.length + k]!;
        if (p > scores[k]!) scores[k] = p;
        if (p > windowMax) windowMax = p;
      }
      const w = worst[ref.text]!;
      w.windows++;
      if (windowMax > w.score || (windowMax === w.score && w.span && ref.window.span.start < w.span.start)) {
        w.score = windowMax;
        w.span = ref.window.span;
      }
    });
  }
  return best.map((scores, i) => {
    const record: Partial<Record<ClassifierHead, number>> = {};
    const w = worst[i]!;
    // A text with no window had no classifiable content: every head 0, marked unscored.
    heads.forEach((head, k) => {
      record[head] = w.windows === 0 ? 0 : scores[k]!;
    });
    if (w.windows === 0) return { scores: record, unscored: true };
    return w.windows > 1 && w.span ? { scores: record, worstSpan: { ...w.span } } : { scores: record };
  });
}
