// The long-text fast path (each token's rows computed once per text; folding through typed
// counters) must give exactly what the per-window path gave: the same ids in the same order and the
// same weights, so the ONNX run sees identical tensors. Random texts over a mixed vocabulary,
// seeded, with the shipped model's featurizer settings and a small one.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fold, packBatches, type WindowRef } from '../../src/classifier/window-batch.ts';
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
    new Featurizer(shipped.featurizer),
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
      for (const batch of packBatches(refs, { maxBatch: 16, maxCells: 8192 })) {
        batch.refs.forEach((ref, row) => {
          const expected = referenceFold(ref.window.ids);
          const ids = Array.from(batch.ids.subarray(row * batch.length, (row + 1) * batch.length), Number);
          const weights = Array.from(batch.weights.subarray(row * batch.length, (row + 1) * batch.length));
          expect(ids).toEqual([...expected.ids, ...new Array(batch.length - expected.ids.length).fill(0)]);
          expect(weights).toEqual([...expected.weights, ...new Array(batch.length - expected.ids.length).fill(0)]);
        });
      }
    }
  });

  it('folds ids above the counters’ initial size', () => {
    const ids = Int32Array.of(5, 200_000, 5, 70_000, 200_000, 200_000);
    const folded = fold({ text: 0, window: { ids, span: { start: 0, end: 1 } } });
    expect(Array.from(folded.ids)).toEqual([5, 200_000, 70_000]);
    expect(Array.from(folded.weights)).toEqual([2 / 6, 3 / 6, 1 / 6].map(Math.fround));
  });
});
