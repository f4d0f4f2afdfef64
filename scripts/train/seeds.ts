// Hand-written seed examples (training/seeds/*.jsonl, provenance in training/seeds/PROVENANCE.md)
// with their `{a|b}` paraphrase templates expanded. Seeds only ever go to the training split.

import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { harmful, labelVector } from './labels.ts';
import type { Example, LabelSpec } from './labels.ts';

const MAX_EXPANSIONS = 24;

/** Every combination of the `{a|b|c}` groups in a template, capped and deterministic. */
export function expandTemplate(template: string, cap = MAX_EXPANSIONS): string[] {
  const match = /\{([^{}]*)\}/.exec(template);
  if (!match) return [template];
  const before = template.slice(0, match.index);
  const after = template.slice(match.index + match[0].length);
  const out: string[] = [];
  const tails = expandTemplate(after, cap);
  const options = match[1]!.split('|');
  // Interleave so a cap keeps variety in the first group rather than exhausting it.
  for (let t = 0; t < tails.length && out.length < cap; t++) {
    for (const option of options) {
      if (out.length >= cap) break;
      out.push(before + option + tails[t]!);
    }
  }
  return out;
}

interface SeedLine {
  text: string;
  labels: LabelSpec;
  rest?: 0 | null;
}

export function loadSeeds(dir: string): Example[] {
  const examples: Example[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.jsonl')).sort()) {
    const lines = readFileSync(join(dir, file), 'utf8').split('\n').filter((l) => l.trim());
    lines.forEach((line, i) => {
      const seed = JSON.parse(line) as SeedLine;
      for (const text of expandTemplate(seed.text)) {
        // Benign seeds: every head negative. Harm seeds: the harmful() completion (unrelated categories negative).
        const labels = seed.rest === 0 ? labelVector(seed.labels, 0) : harmful(seed.labels);
        examples.push({ text, labels, source: `seeds/${file}`, group: `seed:${file}:${i}` });
      }
    });
  }
  return examples;
}
