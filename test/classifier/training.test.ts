// Pure parts of the trainer (scripts/train): label masking and merging, templates, CSV, metrics.

import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../scripts/train/csv.ts';
import { HEAD_INDEX, UNKNOWN, benign, harmful, labelVector, mergeLabels } from '../../scripts/train/labels.ts';
import { averagePrecision, fitPlatt, statsAt } from '../../scripts/train/metrics.ts';
import { createActivations, createAdagradState, createRng, forwardLogits, forwardProbabilities, initModel, trainStep } from '../../scripts/train/model.ts';
import { expandTemplate } from '../../scripts/train/seeds.ts';
import { buildDataset } from '../../scripts/train/dataset.ts';

describe('labels', () => {
  it('leaves heads a source does not label unknown, and benign texts negative everywhere', () => {
    const hateOnly = labelVector({ hate: 1 });
    expect(hateOnly[HEAD_INDEX.get('hate')!]).toBe(1);
    expect(hateOnly[HEAD_INDEX.get('violence')!]).toBe(UNKNOWN);
    expect(Array.from(benign()).every((v) => v === 0)).toBe(true);
  });

  it('gives categorised harmful requests negatives for unrelated categories only', () => {
    const bomb = harmful({ 'illicit/violent': 1 });
    const at = (h: Parameters<typeof HEAD_INDEX.get>[0]) => bomb[HEAD_INDEX.get(h)!];
    expect(at('illicit/violent')).toBe(1);
    expect([at('sexual'), at('sexual/minors'), at('self-harm'), at('hate')]).toEqual([0, 0, 0, 0]);
    expect([at('violence'), at('illicit'), at('toxicity')]).toEqual([UNKNOWN, UNKNOWN, UNKNOWN]);
  });

  it('merges duplicates: positive beats negative beats unknown', () => {
    const a = labelVector({ hate: 0 });
    mergeLabels(a, labelVector({ hate: 1, violence: 0 }));
    expect(a[HEAD_INDEX.get('hate')!]).toBe(1);
    expect(a[HEAD_INDEX.get('violence')!]).toBe(0);
    expect(a[HEAD_INDEX.get('sexual')!]).toBe(UNKNOWN);
  });

  it('de-duplicates across sources on the normalised text and keeps seeds in training', () => {
    const { items, stats } = buildDataset({
      corpora: [
        { text: 'You are an IDIOT!!!', labels: labelVector({ harassment: 1 }), source: 'a', group: 'a1' },
        { text: 'you are an idiot', labels: labelVector({ hate: 0 }), source: 'b', group: 'b1' },
      ],
      trainOnly: [{ text: 'seed text', labels: benign(), source: 'seeds', group: 's' }],
      seed: 1,
      fractions: { test: 0.5, validation: 0.25 },
    });
    expect(items).toHaveLength(2);
    expect(stats.duplicates).toBe(1);
    expect(items.find((i) => i.source === 'seeds')!.split).toBe('train');
  });
});

describe('seed templates', () => {
  it('expands every alternative, capped', () => {
    expect(expandTemplate('{a|b} x {c|d}').sort()).toEqual(['a x c', 'a x d', 'b x c', 'b x d']);
    expect(expandTemplate('{a|b|c} {d|e|f} {g|h|i}', 5)).toHaveLength(5);
  });
});

describe('csv', () => {
  it('reads quoted fields with commas, doubled quotes and newlines', () => {
    expect(parseCsv('a,b\n"x, y","he said ""hi""\nbye"\n1,2\n')).toEqual([
      { a: 'x, y', b: 'he said "hi"\nbye' },
      { a: '1', b: '2' },
    ]);
    expect(parseCsv('id\ttweet\n1\t"unbalanced\n', { delimiter: '\t', quote: false })).toEqual([{ id: '1', tweet: '"unbalanced' }]);
  });
});

describe('metrics', () => {
  it('computes average precision and threshold statistics', () => {
    expect(averagePrecision([0.9, 0.8, 0.3, 0.1], [1, 0, 1, 0])).toBeCloseTo((1 + 2 / 3) / 2);
    const s = statsAt([0.9, 0.8, 0.3, 0.1], [1, 0, 1, 0], 0.5);
    expect([s.precision, s.recall]).toEqual([0.5, 0.5]);
  });

  it('fits Platt scaling that stays finite on separable data', () => {
    const z = [-3, -2, -1, 1, 2, 3];
    const fit = fitPlatt(z.concat(z), [0, 0, 0, 1, 1, 1, 0, 0, 0, 1, 1, 1]);
    expect(fit.a).toBeGreaterThan(0);
    expect(Number.isFinite(fit.b)).toBe(true);
    expect(fitPlatt([1, 2], [1, 0])).toEqual({ a: 1, b: 0 });
  });
});

describe('model', () => {
  it('learns a toy task with masked heads and leaves the padding row at zero', () => {
    const model = initModel({ rows: 10, dim: 8, hidden: 8, heads: 2 }, createRng(3));
    const state = createAdagradState(model);
    const act = createActivations(model);
    const grad = { hidden: new Float32Array(8), pooled: new Float32Array(8), logits: new Float32Array(2) };
    const pos = Int32Array.of(1, 2);
    const neg = Int32Array.of(3, 4);
    const mask = Float32Array.of(1, 0); // head 1 unknown
    for (let i = 0; i < 300; i++) {
      trainStep({ model, state, ids: pos, targets: Int8Array.of(1, 1), weights: mask, lr: 0.05, act, grad });
      trainStep({ model, state, ids: neg, targets: Int8Array.of(0, 0), weights: mask, lr: 0.05, act, grad });
    }
    expect(forwardProbabilities(model, pos)[0]).toBeGreaterThan(0.9);
    expect(forwardProbabilities(model, neg)[0]).toBeLessThan(0.1);
    expect(Array.from(model.embedding.subarray(0, 8)).every((v) => v === 0)).toBe(true);
  });

  it('max-pools each dimension over the rows and a zero floor, and learns through it', () => {
    const model = initModel({ rows: 10, dim: 8, hidden: 8, heads: 1, pooling: 'mean+max' }, createRng(3));
    const ids = Int32Array.of(2, 7, 7, 9);
    const act = createActivations(model);
    forwardLogits(model, ids, act);
    expect(act.pooled).toHaveLength(16);
    for (let d = 0; d < 8; d++) {
      const rows = [...ids].map((id) => model.embedding[id * 8 + d]!);
      expect(act.pooled[d]).toBeCloseTo(rows.reduce((s, v) => s + v, 0) / rows.length, 6);
      expect(act.pooled[8 + d]).toBe(Math.max(0, ...rows));
    }
    // One feature among many shared neutral ones decides the label: the max carries it undiluted.
    const state = createAdagradState(model);
    const grad = { hidden: new Float32Array(8), pooled: new Float32Array(16), logits: new Float32Array(1) };
    const neutral = [3, 4, 5, 6, 7, 8];
    const pos = Int32Array.of(...neutral, 1);
    const neg = Int32Array.of(...neutral, 2);
    for (let i = 0; i < 300; i++) {
      trainStep({ model, state, ids: pos, targets: Int8Array.of(1), weights: Float32Array.of(1), lr: 0.05, act, grad });
      trainStep({ model, state, ids: neg, targets: Int8Array.of(0), weights: Float32Array.of(1), lr: 0.05, act, grad });
    }
    expect(forwardProbabilities(model, pos)[0]).toBeGreaterThan(0.9);
    expect(forwardProbabilities(model, neg)[0]).toBeLessThan(0.1);
    expect(Array.from(model.embedding.subarray(0, 8)).every((v) => v === 0)).toBe(true);
  });
});
