// A deterministic stand-in for the ONNX classifier in tests only: scores come from keyword rules
// and `[category=0.9]` markers in the text; every batch is recorded; it can be told to fail.

import type { ClassifierHead } from '../../src/categories.ts';
import type { Classifier, ClassifierScores } from '../../src/classifier/types.ts';

type Scores = Partial<Record<ClassifierHead, number>>;

/** Keyword rules, checked in order; every matching rule contributes (max per head). */
const RULES: ReadonlyArray<{ pattern: RegExp; scores: Scores }> = [
  // A threat of violence against the reader: the output profile blocks it.
  { pattern: /\bi will (?:kill|shoot|stab) you\b/i, scores: { violence: 0.95, 'harassment/threatening': 0.92, threat: 0.9 } },
  // A milder threat: in the input gray band (passes with a warning under `soft_block: warn`; the
  // default profile's input violence band is 0.25-0.60), but over its lower output thresholds
  // (violence block 0.55, harassment/threatening 0.70).
  { pattern: /\bi(?:'m| am) going to hurt you\b/i, scores: { violence: 0.58, 'harassment/threatening': 0.75, threat: 0.8 } },
  // Insults: harassment in the default profile's gray band (review 0.70, block 0.90).
  { pattern: /\byou (?:useless|pathetic|stupid) (?:idiot|moron)\b/i, scores: { harassment: 0.8, insult: 0.85 } },
];

export interface FakeClassifier extends Classifier {
  /** Every batch classify() received, in order. */
  readonly batches: string[][];
  /** 'throw': every call fails, like a crashed model. */
  setFailure(mode: 'none' | 'throw'): void;
  readonly closed: boolean;
}

export function scoreText(text: string): Scores {
  const scores: Scores = {};
  const raise = (head: ClassifierHead, value: number) => (scores[head] = Math.max(scores[head] ?? 0, value));
  for (const rule of RULES) {
    if (rule.pattern.test(text)) for (const [head, value] of Object.entries(rule.scores)) raise(head as ClassifierHead, value);
  }
  for (const marker of text.matchAll(/\[([a-z/_-]+)=([0-9.]+)\]/g)) raise(marker[1] as ClassifierHead, Number(marker[2]));
  return scores;
}

export function createFakeClassifier(): FakeClassifier {
  const batches: string[][] = [];
  let failure: 'none' | 'throw' = 'none';
  let closed = false;
  return {
    version: 'fake-keyword-classifier-1',
    heads: [],
    batches,
    setFailure: (mode) => (failure = mode),
    get closed() {
      return closed;
    },
    async classify(texts): Promise<ClassifierScores[]> {
      batches.push([...texts]);
      if (failure === 'throw') throw new Error('fake classifier failure');
      return texts.map((text) => ({ scores: scoreText(text) }));
    },
    async close() {
      closed = true;
    },
  };
}
