// Classifier result cache: an LRU (lru-cache) bounded by memory, keyed by the SHA-256 of the
// normalised text plus the classifier version (src/digest.ts: synchronous, runtime-free; FNV would be
// fast but collides too easily for a key that decides which scores a text gets).

import { LRUCache } from 'lru-cache';
import type { Classifier, ClassifierScores } from '../classifier/types.ts';
import { sha256Hex } from '../digest.ts';

// ---- Cache -----------------------------------------------------------------------------------

/**
 * The normalisation applied before hashing: Unicode NFC only. Canonically equivalent strings
 * (é as one code point or as e + combining accent) share an entry, and NFC never merges two texts
 * the classifier could score differently (its featurizer applies NFKC, a superset, first).
 * Case, whitespace and homoglyph folding are left to the classifier, which may weigh them.
 */
export function normalizeForCache(text: string): string {
  return text.normalize('NFC');
}

export function classifierCacheKey(text: string, classifierVersion: string): string {
  return sha256Hex(`${classifierVersion}\u0000${normalizeForCache(text)}`);
}

export interface ClassifierCacheStats {
  readonly hits: number;
  readonly misses: number;
  readonly entries: number;
  /** Approximate bytes held, as counted by `sizeCalculation`. */
  readonly bytes: number;
}

export interface ClassifierCache {
  get(text: string, classifierVersion: string): ClassifierScores | undefined;
  set(text: string, classifierVersion: string, scores: ClassifierScores): void;
  stats(): ClassifierCacheStats;
  clear(): void;
}

export interface ClassifierCacheOptions {
  /** Memory bound in bytes (approximate). Default 32 MiB. */
  maxBytes?: number;
}

interface CacheEntry {
  readonly scores: ClassifierScores['scores'];
  /** Only kept when the scored text was already NFC, so its offsets are valid for any text hitting the entry. */
  readonly worstSpan?: ClassifierScores['worstSpan'];
}

/** Rough heap cost of one entry: key string, one number + key per head, object overhead. */
function entryBytes(entry: CacheEntry, key: string): number {
  return 64 + key.length * 2 + Object.keys(entry.scores).length * 48 + (entry.worstSpan ? 48 : 0);
}

export function createClassifierCache(options: ClassifierCacheOptions = {}): ClassifierCache {
  const lru = new LRUCache<string, CacheEntry>({
    maxSize: options.maxBytes ?? 32 * 1024 * 1024,
    sizeCalculation: entryBytes,
  });
  let hits = 0;
  let misses = 0;
  return {
    get(text, classifierVersion) {
      const entry = lru.get(classifierCacheKey(text, classifierVersion));
      if (!entry) {
        misses++;
        return undefined;
      }
      hits++;
      const isNfc = normalizeForCache(text) === text;
      return entry.worstSpan && isNfc ? { scores: entry.scores, worstSpan: entry.worstSpan } : { scores: entry.scores };
    },
    set(text, classifierVersion, result) {
      const isNfc = normalizeForCache(text) === text;
      const entry: CacheEntry = result.worstSpan && isNfc ? { scores: { ...result.scores }, worstSpan: { ...result.worstSpan } } : { scores: { ...result.scores } };
      lru.set(classifierCacheKey(text, classifierVersion), entry);
    },
    stats: () => ({ hits, misses, entries: lru.size, bytes: lru.calculatedSize }),
    clear: () => lru.clear(),
  };
}

export interface CachedClassification {
  readonly result: ClassifierScores;
  readonly fromCache: boolean;
}

/**
 * Score `texts` through the cache: hits come from the LRU, and all misses (deduplicated) go to
 * `classify` in ONE batch call. Fresh results are stored. Rejects when `classify` rejects or
 * returns the wrong number of results; the caller decides what a failure means.
 */
export interface ClassifyThroughCacheOptions {
  readonly classifierVersion: Classifier['version'];
  /** The batch call for cache misses (the cascade passes one wrapped in its time budget). */
  readonly classify: (texts: readonly string[]) => Promise<ClassifierScores[]>;
  readonly cache: ClassifierCache | undefined;
  readonly texts: readonly string[];
}

export async function classifyThroughCache(options: ClassifyThroughCacheOptions): Promise<CachedClassification[]> {
  const { classifierVersion, classify, cache, texts } = options;
  const results: Array<CachedClassification | undefined> = texts.map((text) => {
    const hit = cache?.get(text, classifierVersion);
    return hit ? { result: hit, fromCache: true } : undefined;
  });
  const missIndexByText = new Map<string, number[]>();
  texts.forEach((text, i) => {
    if (results[i]) return;
    const list = missIndexByText.get(text);
    if (list) list.push(i);
    else missIndexByText.set(text, [i]);
  });
  if (missIndexByText.size > 0) {
    const missTexts = [...missIndexByText.keys()];
    const scored = await classify(missTexts);
    if (!Array.isArray(scored) || scored.length !== missTexts.length) {
      throw new Error(`classifier returned ${Array.isArray(scored) ? scored.length : 'no'} results for ${missTexts.length} texts`);
    }
    missTexts.forEach((text, j) => {
      const result = scored[j]!;
      cache?.set(text, classifierVersion, result);
      for (const i of missIndexByText.get(text)!) results[i] = { result, fromCache: false };
    });
  }
  return results.map((r) => r!);
}
