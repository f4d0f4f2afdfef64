// Benchmark of the pre-filter detectors: texts/second and p50/p99 latency per detector and for the
// whole suite, on short (~20 words) and long (~2,000 words) inputs. Run: npm run bench:detectors

import { PII_TYPES, SECRET_TYPES } from '../src/policy/profiles/detector-options.ts';
import { buildDetectors, runDetectors } from '../src/guard/detectors/index.ts';
import { createRe2Engine } from '../src/node/re2-engine.ts';
import type { TextDetector } from '../src/guard/types.ts';

const WORDS =
  'the committee reviewed a proposal for the new library branch near the river while residents asked about parking noise staffing costs and opening hours during winter months email jane@example.org or call 020 7946 0958 about the project'.split(' ');

function makeText(words: number, seed: number): string {
  const out: string[] = [];
  let x = seed;
  for (let i = 0; i < words; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    out.push(WORDS[x % WORDS.length]!);
  }
  return out.join(' ');
}

const detectors = buildDetectors(
  {
    sanity: { maxChars: 100_000, rejectControlChars: true },
    sponge: { maxChars: 100_000, maxRepeatedRatio: 0.5 },
    injection: { enabled: true },
    harmPhrases: { enabled: true },
    pii: { types: [...PII_TYPES] },
    secrets: { types: [...SECRET_TYPES] },
    keywordLists: [{ id: 'demo', category: 'violence', keywords: Array.from({ length: 200 }, (_, i) => `keyword${i}`).concat(['kill', 'bomb']) }],
    regexRules: [{ id: 'demo.ticket', pattern: 'ticket-\\d{4,}', category: 'internal' }],
  },
  createRe2Engine(),
);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function measure(label: string, run: (text: string) => void, texts: string[], iterations: number): void {
  for (let i = 0; i < Math.min(iterations, 50); i++) run(texts[i % texts.length]!); // warm-up
  const times: number[] = [];
  const started = performance.now();
  for (let i = 0; i < iterations; i++) {
    const text = texts[i % texts.length]!;
    const t0 = performance.now();
    run(text);
    times.push(performance.now() - t0);
  }
  const elapsed = (performance.now() - started) / 1000;
  times.sort((a, b) => a - b);
  console.log(
    `${label.padEnd(28)} ${(iterations / elapsed).toFixed(0).padStart(9)} texts/s   p50 ${percentile(times, 50).toFixed(3).padStart(8)} ms   p99 ${percentile(times, 99).toFixed(3).padStart(8)} ms`,
  );
}

/** Each detector alone gets a fresh text per call so the shared normalisation memo does not flatter it. */
function alone(detector: TextDetector): (text: string) => void {
  return (text) => detector.detect(`${text} `);
}

for (const [name, words, iterations] of [
  ['short (~20 words)', 20, 5000],
  ['long (~2,000 words)', 2000, 200],
] as const) {
  const texts = Array.from({ length: 64 }, (_, i) => makeText(words, i + 1));
  console.log(`\n${name}, ${texts[0]!.length} chars`);
  for (const detector of detectors) measure(detector.name, alone(detector), texts, iterations);
  measure('suite (runDetectors)', (text) => runDetectors(detectors, `${text} `), texts, iterations);
}
