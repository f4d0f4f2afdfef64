// Word n-gram overlap (ngram-overlap.ts) and the two leak detectors built on it: the overlap
// coefficient over folded words, the shared-gram minimum, the span of the copy, and the
// system_prompt detector reading the request's instructions from the detection context.

import { describe, expect, it } from 'vitest';
import { createCopyrightDetector } from '../../../src/guard/detectors/copyright.ts';
import { bestOverlap, createOverlapIndex } from '../../../src/guard/detectors/ngram-overlap.ts';
import { createSystemPromptDetector } from '../../../src/guard/detectors/system-prompt.ts';

const OPTIONS = { ngram: 4, threshold: 0.5, minShared: 2 };
const SOURCE = 'the quick brown fox jumps over the lazy dog near the quiet river bank';

describe('bestOverlap', () => {
  const index = createOverlapIndex([{ id: 'fox', text: SOURCE }, { id: 'other', text: 'completely different words live in this second reference text' }], OPTIONS);

  it('scores a contained copy 1 whatever surrounds it, and spans the copy in the original text', () => {
    const text = `Intro words here. THE QUICK BROWN FOX jumps over the lazy dog, near the quiet river bank! Outro.`;
    const match = bestOverlap(index, text)!;
    expect(match).toMatchObject({ id: 'fox', score: 1 });
    expect(text.slice(match.span.start, match.span.end)).toBe('THE QUICK BROWN FOX jumps over the lazy dog, near the quiet river bank');
    // Half of the reference copied into a longer text: the shared grams over the smaller side's.
    expect(bestOverlap(index, 'Intro words here. the quick brown fox jumps over the lazy dog. Outro.')!.score).toBe(0.6);
  });

  it('folds homoglyphs and zero-width characters like the word detectors', () => {
    expect(bestOverlap(index, 'the quick br\u200Bown fоx jumps over the lazy dog')?.id).toBe('fox');
  });

  it('needs the minimum of shared grams and the threshold', () => {
    expect(bestOverlap(index, 'the quick brown fox')).toBeNull();
    expect(bestOverlap(index, `the quick brown fox jumps ${'and then many other words follow that never appeared before '.repeat(3)}`)).toBeNull();
    expect(bestOverlap(index, 'hi')).toBeNull();
  });
});

describe('the leak detectors', () => {
  it('copyright_ip reports the protected text it found', () => {
    const detector = createCopyrightDetector({ ...OPTIONS, texts: [{ id: 'fable', text: SOURCE }] });
    expect(detector.detect(`Quote: ${SOURCE}`)).toMatchObject([{ detector: 'copyright_ip', ruleId: 'copyright_ip.fable', category: 'copyright_ip', score: 1 }]);
    expect(detector.detect('a fox and a dog are friends')).toEqual([]);
  });

  it('system_prompt compares with the request\'s instructions, and finds nothing without them', () => {
    const detector = createSystemPromptDetector(OPTIONS);
    const context = { systemPrompts: ['You are a pirate assistant and you must always answer in rhyme'] };
    expect(detector.detect('Sure: you are a pirate assistant and you must always answer in rhyme', context)).toMatchObject([{ ruleId: 'system_prompt.leak', score: 1 }]);
    expect(detector.detect('Arr, the treasure is buried under the palm tree', context)).toEqual([]);
    expect(detector.detect('you are a pirate assistant and you must always answer in rhyme')).toEqual([]);
  });
});
