// The long-text fast path (each token's rows computed once per text; folding through typed
// counters) must give exactly what the per-window path gave: the same ids in the same order and the
// same weights, so the ONNX run sees identical tensors. Random texts over a mixed vocabulary,
// seeded, with the shipped model's featurizer settings and a small one.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { featurizeAllBlocks, fold, packBatches, packBlockBatches, type WindowRef } from '../../src/classifier/window-batch.ts';
import { Featurizer, tokenize, type FeatureWindow } from '../../src/text/featurize.ts';

const shipped = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'models', 'moderation-classifier.json'), 'utf8')) as { featurizer: Featurizer['settings'] };

/** The per-window path as it was: `idsFor` over each window's tokens. */
function referenceWindows(featurizer: Featurizer, text: string): FeatureWindow[] {
  const tokens = tokenize(text);
  if (tokens.length === 0) return [{ ids: Int32Array.of(0), span: { start: 0, end: text.length } }];
  return featurizer.windowStarts(tokens.length).map((start) => {
    const end = Math.min(tokens.length, start + featurizer.settings.windowTokens);
    return { ids: featurizer.idsFor(tokens, start, end), span: { start: tokens[start]!.start, end: tokens[end - 1]!.end } };
  });
}

/** The Map-based fold as it was. */
function referenceFold(ids: Int32Array): { ids: number[]; weights: number[] } {
  const counts = new Map<number, number>();
  for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
  return { ids: [...counts.keys()], weights: [...counts.values()].map((count) => Math.fround(count / ids.length)) };
}

function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const PIECES = ['the', 'you', 'idiot', 'kill', 'library', 'weather', 'Ünïcödé', 'k1ll', 'fuuuuck', 'ＫＩＬＬ', '👋', 'he\u200Bllo', 'https://x.example/a', '@someone', '&amp;', '!!!', 'supercalifragilisticexpialidocious-and-more', '42', 'naïve', 'straße', 'ĳ', 'a', 'I'];

function randomText(next: () => number): string {
  const words = Math.floor(next() * 400);
  const parts: string[] = [];
  for (let i = 0; i < words; i++) parts.push(PIECES[Math.floor(next() * PIECES.length)]!);
  return parts.join(next() < 0.5 ? ' ' : '  ');
}

describe('featurize fast path', () => {
  const featurizers = [
    // The sliding layout's fast path against its reference; the shipped model's blocks layout is tested below.
    new Featurizer({ ...shipped.featurizer, windowLayout: 'sliding' }),
    new Featurizer({ vocabulary: ['kill', 'you', 'idiot', 'the'], buckets: 5000, charNgramMin: 2, charNgramMax: 4, wordNgrams: 2, wordWeight: 3, windowTokens: 8, windowStride: 3 }),
    new Featurizer({ vocabulary: ['you'], buckets: 97, charNgramMin: 3, charNgramMax: 3, wordNgrams: 1, windowTokens: 5, windowStride: 5 }),
  ];

  it('gives every window the ids idsFor gives, in order, with the same spans, on random texts', () => {
    const next = random(16);
    for (let i = 0; i < 60; i++) {
      const text = randomText(next);
      for (const featurizer of featurizers) {
        const got = featurizer.featurize(text);
        const expected = referenceWindows(featurizer, text);
        expect(got.map((w) => w.span)).toEqual(expected.map((w) => w.span));
        got.forEach((window, k) => expect(Array.from(window.ids)).toEqual(Array.from(expected[k]!.ids)));
      }
    }
  });

  it('folds each window to the Map fold’s distinct ids and weights, and packs them identically', () => {
    const next = random(61);
    const featurizer = featurizers[0]!;
    for (let i = 0; i < 30; i++) {
      const text = randomText(next);
      const refs: WindowRef[] = featurizer.featurize(text).map((window) => ({ text: 0, window }));
      for (const ref of refs) {
        const folded = fold(ref);
        const expected = referenceFold(ref.window.ids);
        expect(Array.from(folded.ids)).toEqual(expected.ids);
        expect(Array.from(folded.weights)).toEqual(expected.weights);
      }
      // Packing: each row holds its window's folded ids and weights, zero-padded.
      let seen = 0;
      for (const batch of packBatches(refs, { maxBatch: 16, maxCells: 8192 })) {
        batch.refs.forEach((ref, row) => {
          // Windows are sorted by folded length; spans tell them apart here.
          const source = refs.find((r) => r.window.span.start === ref.span.start && r.window.span.end === ref.span.end)!;
          seen++;
          const expected = referenceFold(source.window.ids);
          const ids = Array.from(batch.ids.subarray(row * batch.length, (row + 1) * batch.length), Number);
          const weights = Array.from(batch.weights.subarray(row * batch.length, (row + 1) * batch.length));
          expect(ids).toEqual([...expected.ids, ...new Array(batch.length - expected.ids.length).fill(0)]);
          expect(weights).toEqual([...expected.weights, ...new Array(batch.length - expected.ids.length).fill(0)]);
        });
      }
      expect(seen).toBe(refs.length);
    }
  });

  it('folds ids above the counters’ initial size', () => {
    const ids = Int32Array.of(5, 200_000, 5, 70_000, 200_000, 200_000);
    const folded = fold({ text: 0, window: { ids, span: { start: 0, end: 1 } } });
    expect(Array.from(folded.ids)).toEqual([5, 200_000, 70_000]);
    expect(Array.from(folded.weights)).toEqual([2 / 6, 3 / 6, 1 / 6].map(Math.fround));
  });
});

describe('blocks layout packing', () => {
  const blocky = new Featurizer(shipped.featurizer);

  /** A window's ids as counts per id. */
  const counts = (ids: Iterable<number>) => {
    const out = new Map<number, number>();
    for (const id of ids) out.set(id, (out.get(id) ?? 0) + 1);
    return out;
  };

  it('gives every window, once, rows whose counts sum to its ids and a scale of 1/n, within the cell limit', () => {
    expect(blocky.blockLayout).toBe(true);
    const next = random(23);
    const texts = Array.from({ length: 12 }, () => randomText(next));
    texts.push(Array.from({ length: 30 }, () => randomText(next)).join(' '));
    const blockTexts = featurizeAllBlocks(blocky, [...texts, null]);
    const windowsOf = texts.map((text) => blocky.featurize(text));
    expect(blockTexts).toHaveLength(texts.length);
    for (const maxCells of [1_000, 4_096, 1 << 20]) {
      const seen = new Map<string, number>();
      for (const batch of packBlockBatches(blockTexts, { maxBatch: 64, maxCells, partsPerWindow: 2 })) {
        expect(batch.rows * batch.length <= maxCells || batch.rows <= 2).toBe(true);
        expect(batch.batch).toBeLessThanOrEqual(64);
        batch.refs.forEach((ref, w) => {
          const summed = new Map<number, number>();
          for (let k = 0; k < 2; k++) {
            const row = Number(batch.parts![w * 2 + k]);
            if (row === -1) continue;
            expect(row).toBeLessThan(batch.rows);
            for (let i = 0; i < batch.length; i++) {
              const weight = batch.weights[row * batch.length + i]!;
              if (weight > 0) summed.set(Number(batch.ids[row * batch.length + i]), (summed.get(Number(batch.ids[row * batch.length + i])) ?? 0) + weight);
            }
          }
          const window = windowsOf[ref.text]!.find((x) => x.span.start === ref.span.start && x.span.end === ref.span.end)!;
          expect(summed).toEqual(counts(window.ids));
          expect(batch.scale![w]).toBeCloseTo(1 / window.ids.length, 7);
          const key = `${ref.text}:${ref.span.start}:${ref.span.end}`;
          seen.set(key, (seen.get(key) ?? 0) + 1);
        });
      }
      const expected = windowsOf.reduce((n, windows) => n + windows.length, 0);
      expect(seen.size).toBe(expected);
      expect([...seen.values()].every((n) => n === 1)).toBe(true);
    }
  });
});
