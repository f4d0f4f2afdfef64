import { describe, expect, it } from 'vitest';
import { MicroBatcher } from '../../src/classifier/micro-batcher.ts';
import { packBatches, reduceWindows } from '../../src/classifier/window-batch.ts';
import type { WindowRef } from '../../src/classifier/window-batch.ts';

describe('MicroBatcher', () => {
  it('merges calls made in the same turn into one run and splits the results back in order', async () => {
    const runs: string[][] = [];
    const batcher = new MicroBatcher<string, string>({
      run: async (inputs) => {
        runs.push([...inputs]);
        return inputs.map((s) => s.toUpperCase());
      },
      maxBatch: 100,
      maxWaitMs: 0,
    });
    const [a, b, c] = await Promise.all([batcher.submit(['a']), batcher.submit(['b', 'c']), batcher.submit(['d'])]);
    expect(runs).toEqual([['a', 'b', 'c', 'd']]);
    expect([a, b, c]).toEqual([['A'], ['B', 'C'], ['D']]);
  });

  it('flushes early at maxBatch and rejects every caller of a failed run', async () => {
    const sizes: number[] = [];
    const batcher = new MicroBatcher<number, number>({
      run: async (inputs) => {
        sizes.push(inputs.length);
        if (inputs.includes(-1)) throw new Error('boom');
        return [...inputs];
      },
      maxBatch: 2,
      maxWaitMs: 50,
    });
    const results = await Promise.all([batcher.submit([1]), batcher.submit([2]), batcher.submit([3])]);
    expect(results).toEqual([[1], [2], [3]]);
    expect(sizes).toEqual([2, 1]);
    const failed = [batcher.submit([-1]), batcher.submit([5])];
    await expect(failed[0]).rejects.toThrow('boom');
    await expect(failed[1]).rejects.toThrow('boom');
  });
});

describe('window batching', () => {
  const ref = (text: number, n: number, start: number): WindowRef => ({
    text,
    window: { ids: Int32Array.from({ length: n }, (_, i) => i + 1), span: { start, end: start + 10 } },
  });

  it('pads to the longest window of a run with zero ids and zero weights', () => {
    const [batch] = packBatches([ref(0, 2, 0), ref(1, 3, 0)], { maxBatch: 8, maxCells: 1000 });
    expect(batch!.length).toBe(3);
    expect(Array.from(batch!.ids, Number)).toEqual([1, 2, 0, 1, 2, 3]);
    expect(Array.from(batch!.weights).map((w) => Number(w.toFixed(4)))).toEqual([0.5, 0.5, 0, 0.3333, 0.3333, 0.3333]);
  });

  it('folds repeated ids of a window into one row weighted by its count', () => {
    const window = { ids: Int32Array.of(5, 7, 5, 5), span: { start: 0, end: 4 } };
    const [batch] = packBatches([{ text: 0, window }, ref(1, 3, 0)], { maxBatch: 8, maxCells: 1000 });
    expect(batch!.length).toBe(3);
    expect(batch!.refs.map((r) => r.text)).toEqual([0, 1]);
    expect(Array.from(batch!.ids, Number)).toEqual([5, 7, 0, 1, 2, 3]);
    expect(Array.from(batch!.weights).map((w) => Number(w.toFixed(4)))).toEqual([0.75, 0.25, 0, 0.3333, 0.3333, 0.3333]);
  });

  it('splits runs by the batch and cell limits', () => {
    const refs = [ref(0, 10, 0), ref(1, 10, 0), ref(2, 10, 0), ref(3, 100, 0)];
    const batches = packBatches(refs, { maxBatch: 2, maxCells: 150 });
    expect(batches.map((b) => b.batch)).toEqual([2, 1, 1]);
    expect(batches.reduce((s, b) => s + b.batch, 0)).toBe(4);
  });

  it('takes the max per head over a text’s windows and the span of the worst window', () => {
    const r0 = ref(0, 1, 0);
    const r1 = ref(0, 1, 50);
    const r2 = ref(1, 1, 0);
    const out = reduceWindows({
      textCount: 2,
      heads: ['hate', 'violence'],
      batches: [{ refs: [r0, r1, r2].map((r) => ({ text: r.text, span: r.window.span })), probabilities: Float32Array.of(0.2, 0.1, 0.05, 0.9, 0.3, 0.4) }],
    });
    expect(out[0]!.scores.hate).toBeCloseTo(0.2);
    expect(out[0]!.scores.violence).toBeCloseTo(0.9);
    expect(out[0]!.worstSpan).toEqual({ start: 50, end: 60 });
    expect(out[1]!.worstSpan).toBeUndefined();
  });
});
