// Runtime-independent batching for the ONNX classifier: texts → windows → padded [rows, length]
// id/weight tensors (grouped by length so short and long texts do not pad each other), and back:
// per-text max over its windows, with the worst window's span. Two layouts (the model's
// featurizer.windowLayout): 'sliding', one row per window; 'blocks', one row per block of a text
// and each window named by its blocks' rows (`parts`), which the graph sums: a long text's rows
// are pooled once instead of once per window holding them. Shared by Node (onnxruntime-node)
// and Workers (onnxruntime-web).

import type { ClassifierHead } from '../categories.ts';
import type { FeatureBlocks, FeatureWindow, Featurizer } from '../text/featurize.ts';
import type { Span } from '../text/normalize.ts';
import type { ClassifierScores } from './types.ts';

export interface WindowRef {
  readonly text: number;
  readonly window: FeatureWindow;
}

/** The text and original-text range of one output row (one window). */
export interface ScoredRef {
  readonly text: number;
  readonly span: Span;
}

export interface PackedBatch {
  /** One per output row (window), in order. */
  readonly refs: readonly ScoredRef[];
  /** Output rows: windows. */
  readonly batch: number;
  /** Id rows: `batch` for 'sliding'; blocks for 'blocks'. */
  readonly rows: number;
  readonly length: number;
  /** int64 ids, row-major [rows, length], padded with 0. */
  readonly ids: BigInt64Array;
  /**
   * 'sliding': count/n for each distinct id of a window's n ids, 0 for padding, so the graph's
   * weighted sum is the window mean. 'blocks': each distinct id's count in its block (the graph
   * sums a window's blocks and multiplies by `scale`).
   */
  readonly weights: Float32Array;
  /** 'blocks' only: each window's block rows, row-major [batch, partsPerWindow]; -1 (the graph's zero row) pads a window with fewer blocks. */
  readonly parts?: BigInt64Array;
  readonly partsPerWindow?: number;
  /** 'blocks' only: 1/n for each window of n ids. */
  readonly scale?: Float32Array;
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
  return { ref, ...foldIds(ref.window.ids, ref.window.ids.length) };
}

/** Distinct ids of `all` in order of first occurrence, each weighted by its count / `divisor`. */
function foldIds(all: Int32Array, divisor: number): { ids: Int32Array; weights: Float32Array } {
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
    weights[i] = counters[id]! / divisor;
    counters[id] = 0;
  }
  return { ids, weights };
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
  const { length, ids, weights } = padRows(windows);
  return { refs: windows.map((w) => ({ text: w.ref.text, span: w.ref.window.span })), batch: windows.length, rows: windows.length, length, ids, weights };
}

const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/** Folded rows as zero-padded [rows, length] tensors. */
function padRows(rows: ReadonlyArray<{ readonly ids: Int32Array; readonly weights: Float32Array }>): { length: number; ids: BigInt64Array; weights: Float32Array } {
  let length = 1;
  for (const row of rows) length = Math.max(length, row.ids.length);
  const ids = new BigInt64Array(rows.length * length);
  // Write the non-negative ids through a 32-bit view (low word first on little-endian hosts, which
  // is every ONNX runtime target); creating a BigInt per id would dominate short-text latency.
  const words = new Int32Array(ids.buffer);
  const weights = new Float32Array(rows.length * length);
  rows.forEach((row, r) => {
    const base = r * length;
    for (let i = 0; i < row.ids.length; i++) {
      if (LITTLE_ENDIAN) words[(base + i) * 2] = row.ids[i]!;
      else ids[base + i] = BigInt(row.ids[i]!);
    }
    weights.set(row.weights, base);
  });
  return { length, ids, weights };
}

/** One text's blocks ('blocks' layout), as featurizeBlocks gives them. */
export interface BlockText {
  readonly text: number;
  readonly features: FeatureBlocks;
}

/** Every text's blocks; a null text (no classifiable content) gets none. */
export function featurizeAllBlocks(featurizer: Featurizer, texts: ReadonlyArray<string | null>): BlockText[] {
  const out: BlockText[] = [];
  texts.forEach((text, i) => {
    if (text !== null) out.push({ text: i, features: featurizer.featurizeBlocks(text) });
  });
  return out;
}

/** Consecutive blocks of one text and the windows that lie wholly inside them: what one run must hold together. */
interface BlockUnit {
  readonly rows: Array<{ ids: Int32Array; weights: Float32Array }>;
  /** Each window's rows within the unit, its id count and its output ref. */
  readonly windows: Array<{ parts: number[]; n: number; ref: ScoredRef }>;
  /** Longest folded row. */
  length: number;
}

/**
 * Cut each text into units (a long text: runs of consecutive blocks whose padded cells fit the
 * cell limit, neighbouring units sharing the blocks of the window they split between), sort units
 * by length and pack them into runs that respect the batch and cell limits.
 */
export function packBlockBatches(texts: readonly BlockText[], options: PackOptions & { readonly partsPerWindow: number }): PackedBatch[] {
  const units: BlockUnit[] = [];
  for (const { text, features } of texts) {
    const folded = features.blocks.map((block) => foldIds(block, 1));
    let unit: BlockUnit | null = null;
    let firstBlock = 0;
    for (const window of features.windows) {
      const last = window.first + window.count;
      if (unit) {
        const rows = last - firstBlock;
        let length = unit.length;
        for (let b = firstBlock + unit.rows.length; b < last; b++) length = Math.max(length, folded[b]!.ids.length);
        if (rows * length > options.maxCells || unit.windows.length >= options.maxBatch) unit = null;
      }
      if (!unit) {
        unit = { rows: [], windows: [], length: 1 };
        firstBlock = window.first;
        units.push(unit);
      }
      for (let b = firstBlock + unit.rows.length; b < last; b++) {
        unit.rows.push(folded[b]!);
        unit.length = Math.max(unit.length, folded[b]!.ids.length);
      }
      let n = 0;
      const parts: number[] = [];
      for (let b = window.first; b < last; b++) {
        n += features.blocks[b]!.length;
        parts.push(b - firstBlock);
      }
      unit.windows.push({ parts, n, ref: { text, span: window.span } });
    }
  }
  units.sort((a, b) => a.length - b.length);
  const batches: PackedBatch[] = [];
  let run: BlockUnit[] = [];
  let rows = 0;
  let windows = 0;
  for (const unit of units) {
    // Units are sorted by length, so this unit's is the run's longest row.
    const length = unit.length;
    if (run.length > 0 && ((rows + unit.rows.length) * length > options.maxCells || windows + unit.windows.length > options.maxBatch)) {
      batches.push(packBlocks(run, options.partsPerWindow));
      run = [];
      rows = 0;
      windows = 0;
    }
    run.push(unit);
    rows += unit.rows.length;
    windows += unit.windows.length;
  }
  if (run.length > 0) batches.push(packBlocks(run, options.partsPerWindow));
  return batches;
}

function packBlocks(units: readonly BlockUnit[], partsPerWindow: number): PackedBatch {
  const allRows = units.flatMap((u) => u.rows);
  const allWindows = units.flatMap((u) => u.windows);
  const { length, ids, weights } = padRows(allRows);
  const parts = new BigInt64Array(allWindows.length * partsPerWindow).fill(-1n);
  const scale = new Float32Array(allWindows.length);
  let base = 0;
  let w = 0;
  for (const unit of units) {
    for (const window of unit.windows) {
      if (window.parts.length > partsPerWindow) throw new Error(`a window of ${window.parts.length} blocks, more than the model's ${partsPerWindow}`);
      window.parts.forEach((part, k) => {
        parts[w * partsPerWindow + k] = BigInt(base + part);
      });
      scale[w] = 1 / window.n;
      w++;
    }
    base += unit.rows.length;
  }
  return { refs: allWindows.map((x) => x.ref), batch: allWindows.length, rows: allRows.length, length, ids, weights, parts, partsPerWindow, scale };
}

/**
 * Fold window probabilities into one result per text: max per head over its windows; for texts
 * with several windows, the span of the window whose highest head score is highest.
 */
export function reduceWindows(options: {
  textCount: number;
  heads: readonly ClassifierHead[];
  batches: ReadonlyArray<{ refs: readonly ScoredRef[]; probabilities: Float32Array }>;
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
      if (windowMax > w.score || (windowMax === w.score && w.span && ref.span.start < w.span.start)) {
        w.score = windowMax;
        w.span = ref.span;
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
