// Word n-gram overlap between a text and reference texts, for the leak detectors (system_prompt:
// the request's instructions; copyright_ip: a tenant's protected texts). Both sides are folded the
// way the word detectors fold (src/text/fold.ts: case, diacritics, homoglyphs, zero-width and
// leetspeak), so a reworded-by-formatting copy still overlaps. The score is the overlap
// coefficient |A ∩ B| / min(|A|, |B|) over distinct n-grams: 1 when one text is contained in the
// other, whatever their lengths. Runtime-free: no regex engine, plain maps built once.

import { foldForWords, type TextView } from '../../text/fold.ts';
import type { Span } from '../../text/normalize.ts';

export interface OverlapOptions {
  /** Words per n-gram. */
  readonly ngram: number;
  /** Lowest score that counts as a leak, 0..1. */
  readonly threshold: number;
  /** Fewest shared n-grams that count, so one stock phrase never does. */
  readonly minShared: number;
}

export interface OverlapSource {
  readonly id: string;
  readonly text: string;
}

export interface OverlapIndex {
  readonly options: OverlapOptions;
  readonly ids: readonly string[];
  /** Distinct n-grams per source. */
  readonly sizes: readonly number[];
  /** n-gram → the sources holding it. */
  readonly sources: ReadonlyMap<string, readonly number[]>;
}

export interface OverlapMatch {
  readonly id: string;
  readonly score: number;
  readonly shared: number;
  /** From the first to the last shared n-gram, in the original text. */
  readonly span: Span;
}

const WORD = /[\p{L}\p{N}]+/gu;

interface Gram {
  readonly key: string;
  readonly start: number;
  readonly end: number;
}

function grams(view: TextView, n: number): Gram[] {
  const words = [...view.text.matchAll(WORD)].map((m) => ({ word: m[0], start: m.index, end: m.index + m[0].length }));
  const out: Gram[] = [];
  for (let i = 0; i + n <= words.length; i++) {
    out.push({ key: words.slice(i, i + n).map((w) => w.word).join(' '), start: words[i]!.start, end: words[i + n - 1]!.end });
  }
  return out;
}

export function createOverlapIndex(sources: readonly OverlapSource[], options: OverlapOptions): OverlapIndex {
  const map = new Map<string, number[]>();
  const sizes: number[] = [];
  sources.forEach((source, index) => {
    const keys = new Set(grams(foldForWords(source.text), options.ngram).map((g) => g.key));
    sizes.push(keys.size);
    for (const key of keys) {
      const holders = map.get(key);
      if (holders) holders.push(index);
      else map.set(key, [index]);
    }
  });
  return { options, ids: sources.map((s) => s.id), sizes, sources: map };
}

/** The source `text` overlaps most, when that overlap reaches the threshold; else null. */
export function bestOverlap(index: OverlapIndex, text: string): OverlapMatch | null {
  if (index.ids.length === 0) return null;
  const view = foldForWords(text);
  const found = grams(view, index.options.ngram);
  const distinct = new Set(found.map((g) => g.key)).size;
  if (distinct === 0) return null;
  const shared = new Map<number, Set<string>>();
  for (const gram of found) {
    for (const source of index.sources.get(gram.key) ?? []) {
      let keys = shared.get(source);
      if (!keys) shared.set(source, (keys = new Set()));
      keys.add(gram.key);
    }
  }
  let best: { source: number; score: number; shared: number } | null = null;
  for (const [source, keys] of shared) {
    const score = keys.size / Math.min(distinct, index.sizes[source]!);
    if (keys.size >= index.options.minShared && score >= index.options.threshold && (!best || score > best.score)) best = { source, score, shared: keys.size };
  }
  if (!best) return null;
  const hits = found.filter((g) => index.sources.get(g.key)?.includes(best.source));
  const span = view.toOriginal(hits[0]!.start, hits[hits.length - 1]!.end);
  return { id: index.ids[best.source]!, score: Math.min(1, best.score), shared: best.shared, span };
}
