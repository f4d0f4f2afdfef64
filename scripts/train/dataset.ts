// Builds the training set: de-duplicates texts across sources on their normalised token form
// (merging labels: a positive anywhere wins), tokenises once, and splits train/validation/test by a
// seeded hash of each item's group, per source (so every source is represented in every split and
// templated or per-user items never straddle splits).

import { fnv1a32, tokenize } from '../../src/text/featurize.ts';
import type { Token } from '../../src/text/featurize.ts';
import { mergeLabels } from './labels.ts';
import type { Example } from './labels.ts';

export type Split = 'train' | 'validation' | 'test';

export interface Item {
  readonly text: string;
  readonly tokens: Token[];
  readonly labels: Int8Array;
  readonly source: string;
  readonly split: Split;
  /** Loss weight (the example's, the largest over merged duplicates). */
  weight: number;
}

export interface SplitFractions {
  readonly test: number;
  readonly validation: number;
}

export function assignSplit(group: string, seed: number, fractions: SplitFractions): Split {
  const bucket = (fnv1a32(`${seed}:${group}`) % 10_000) / 10_000;
  if (bucket < fractions.test) return 'test';
  if (bucket < fractions.test + fractions.validation) return 'validation';
  return 'train';
}

export interface DatasetStats {
  readonly bySource: Record<string, { train: number; validation: number; test: number; duplicates: number }>;
  readonly duplicates: number;
}

/**
 * De-duplicate and split. `trainOnly` examples (hand-written seeds) never reach validation or
 * test, so held-out figures measure real data only.
 */
export function buildDataset(options: {
  corpora: Example[];
  trainOnly: Example[];
  seed: number;
  fractions: SplitFractions;
}): { items: Item[]; stats: DatasetStats } {
  const byKey = new Map<string, Item>();
  const bySource: DatasetStats['bySource'] = {};
  let duplicates = 0;
  const add = (example: Example, split: Split) => {
    const tokens = tokenize(example.text);
    if (tokens.length === 0) return;
    const key = tokens.map((t) => t.text).join(' ');
    const stats = (bySource[example.source] ??= { train: 0, validation: 0, test: 0, duplicates: 0 });
    const existing = byKey.get(key);
    if (existing) {
      mergeLabels(existing.labels, example.labels);
      existing.weight = Math.max(existing.weight, example.weight ?? 1);
      stats.duplicates++;
      duplicates++;
      return;
    }
    byKey.set(key, { text: example.text, tokens, labels: Int8Array.from(example.labels), source: example.source, split, weight: example.weight ?? 1 });
    stats[split]++;
  };
  for (const example of options.corpora) add(example, assignSplit(example.group, options.seed, options.fractions));
  for (const example of options.trainOnly) add(example, 'train');
  return { items: [...byKey.values()], stats: { bySource, duplicates } };
}

/** Most frequent training tokens (count ≥ minCount), the vocabulary of embedding rows. */
export function buildVocabulary(items: readonly Item[], size: number, minCount: number): string[] {
  const counts = new Map<string, number>();
  for (const item of items) {
    if (item.split !== 'train') continue;
    for (const t of item.tokens) counts.set(t.text, (counts.get(t.text) ?? 0) + 1);
  }
  return [...counts.entries()]
    .filter(([, c]) => c >= minCount)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, size)
    .map(([w]) => w);
}
