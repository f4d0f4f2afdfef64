// The /v1/moderations/stream adapter: the character windows (cover, overlap, surrogate pairs,
// linear total), the running max and worst decision of the interim events, and how a failure or a
// gone client ends the SSE body.

import { describe, expect, it } from 'vitest';
import { createGuard } from '../../src/guard/cascade.ts';
import type { Guard } from '../../src/guard/types.ts';
import { moderationEvents, moderationEventStream, textWindows, type InterimEvent } from '../../src/guardrails/moderation-stream.ts';
import { fakeBuildDetectors, fakeClassifier, scoresFromMarkers, shippedProfiles } from '../guard/fakes.ts';

function guard(): { guard: Guard; calls: string[][] } {
  const { classifier, calls } = fakeClassifier(scoresFromMarkers);
  const built = createGuard({ profile: shippedProfiles().get('default')!, buildDetectors: fakeBuildDetectors().build, classifier, policyVersion: 'v1', now: () => 0 });
  return { guard: built, calls };
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

async function collect<T>(events: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const event of events) out.push(event);
  return out;
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(stream).text();
}

describe('textWindows', () => {
  it('gives a short or empty text one window', () => {
    expect(textWindows('')).toEqual([{ start: 0, end: 0 }]);
    expect(textWindows('hello')).toEqual([{ start: 0, end: 5 }]);
  });

  it('covers a long text with windows of the size, each overlapping the one before', () => {
    const windows = textWindows('x'.repeat(25), { size: 10, overlap: 3 });
    expect(windows).toEqual([
      { start: 0, end: 10 },
      { start: 7, end: 17 },
      { start: 14, end: 24 },
      { start: 21, end: 25 },
    ]);
  });

  it('never cuts a surrogate pair', () => {
    const text = `${'a'.repeat(9)}🙂${'b'.repeat(9)}`; // the emoji's two halves at 9 and 10
    for (const window of textWindows(text, { size: 10, overlap: 1 })) {
      const piece = text.slice(window.start, window.end);
      expect(piece).not.toMatch(LONE_SURROGATE);
    }
    expect(textWindows(text, { size: 10, overlap: 1 })[0]).toEqual({ start: 0, end: 9 });
  });

  it('checks a text of n characters in about n·size/(size−overlap) characters', () => {
    const text = 'y'.repeat(100_000);
    const total = textWindows(text).reduce((sum, window) => sum + window.end - window.start, 0);
    expect(total).toBeLessThan(100_000 * (2048 / (2048 - 256)) + 2048);
  });

  it('refuses an overlap that would not advance', () => {
    expect(() => textWindows('abc', { size: 4, overlap: 2 })).toThrow(RangeError);
  });
});

describe('moderationEvents', () => {
  it('keeps the running max of the scores and the worst decision across windows', async () => {
    const { guard: built, calls } = guard();
    const text = `${'a '.repeat(10)}[violence=0.99]${' b'.repeat(20)}[harassment=0.5]`;
    const events = await collect(moderationEvents({ guard: built, input: text, id: 'modr-1', model: 'm', window: { size: 20, overlap: 5 } }));
    const interim = events.filter((event): event is InterimEvent => event.type === 'interim');
    const violence = interim.map((event) => event.category_scores.violence);
    expect(violence[0]).toBe(0);
    expect(violence.at(-1)).toBe(0.99);
    expect(violence).toEqual([...violence].sort((a, b) => a - b));
    expect(interim.at(-1)).toMatchObject({ decision: 'block', chars_checked: text.length, category_scores: { harassment: 0.5 } });
    expect(events.at(-1)).toMatchObject({ type: 'final', id: 'modr-1', model: 'm', results: [{ decision: 'block' }] });
    // One classify call per window, then one batch for the whole input.
    expect(calls.at(-1)).toEqual([text]);
  });
});

describe('moderationEventStream', () => {
  it('frames every event as `data: <json>` and ends with [DONE]', async () => {
    const text = await readAll(moderationEventStream({ guard: guard().guard, input: ['one', 'two'], id: 'modr-1', model: 'm' }));
    const data = text.split('\n\n').filter(Boolean);
    expect(data.map((block) => block.startsWith('data: '))).toEqual([true, true, true, true]);
    expect(data.map((block) => (block === 'data: [DONE]' ? 'done' : (JSON.parse(block.slice(6)) as { type: string }).type))).toEqual(['interim', 'interim', 'final', 'done']);
  });

  it('ends a failed check with one generic error event, no [DONE], and tells onError the cause', async () => {
    const failing: Guard = { ...guard().guard, check: async () => Promise.reject(new Error('secret internals')) };
    const causes: unknown[] = [];
    const text = await readAll(moderationEventStream({ guard: failing, input: 'hello', id: 'modr-1', model: 'm', onError: (cause) => causes.push(cause) }));
    expect(text).toBe(`data: ${JSON.stringify({ type: 'error', error: { message: 'Internal server error', type: 'api_error', param: null, code: null } })}\n\n`);
    expect(causes).toEqual([new Error('secret internals')]);
  });

  it('stops checking when the client goes away', async () => {
    const { guard: built, calls } = guard();
    const stream = moderationEventStream({ guard: built, input: 'z'.repeat(100), id: 'modr-1', model: 'm', window: { size: 10, overlap: 0 } });
    const reader = stream.getReader();
    await reader.read();
    await reader.cancel();
    // Pull-based: at most the window being read ahead, never the other windows or the final batch.
    expect(calls.length).toBeLessThanOrEqual(2);
  });
});
