// createSlicer: returns at once within a slice, yields a turn of the event loop once SLICE_MS
// have passed (read from the given clock), and starts a new slice after yielding.

import { describe, expect, it } from 'vitest';
import { createSlicer, nextTurn, SLICE_MS } from '../src/slices.ts';

describe('createSlicer', () => {
  it('yields only once its slice is spent, then starts a new one', async () => {
    let clock = 0;
    const slicer = createSlicer(() => clock);
    const order: string[] = [];
    const run = async (label: string) => {
      await slicer.yieldIfDue();
      order.push(label);
    };
    // Within the slice: no yield, so it finishes before a callback queued for the next turn.
    clock = SLICE_MS - 1;
    const within = run('within');
    setImmediate(() => order.push('turn'));
    await within;
    expect(order).toEqual(['within']);
    // Spent: the next turn's callback runs first.
    clock = SLICE_MS;
    setImmediate(() => order.push('turn 2'));
    await run('after yield');
    expect(order).toEqual(['within', 'turn', 'turn 2', 'after yield']);
    // A new slice started at the yield.
    order.length = 0;
    setImmediate(() => order.push('turn 3'));
    await run('new slice');
    expect(order).toEqual(['new slice']);
    await nextTurn();
  });
});
