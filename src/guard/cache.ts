// Classifier result cache: an LRU (lru-cache) bounded by memory, keyed by the SHA-256 of the
// normalised text plus the classifier version and the tenant's namespace (src/digest.ts:
// synchronous, runtime-free; FNV would be fast but collides too easily for a key that decides
// which scores a text gets). The guard hands in the digest it made of each text, so a text is
// hashed once for this key and the audit record. Optionally backed by a shared store (Redis on
// Node) that replicas read on an LRU miss: it holds scores under the text's hash, never the text.

import { LRUCache } from 'lru-cache';
import { z } from 'zod';
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

/**
 * `scope`: the tenant's namespace (CheckOptions.cacheScope); '' for the unnamed one. `textSha256`:
 * the hex SHA-256 of `text` when the caller has it (the guard hashes each text once, for this key
 * and the audit record); it is reused whenever the text is already NFC, as nearly every text is,
 * so the text is hashed once, not once per use.
 */
export function classifierCacheKey(text: string, classifierVersion: string, scope = '', textSha256?: string): string {
  // A hash of ~100 bytes (namespace, version, the text's digest): constant cost, whatever the text.
  return sha256Hex(`${scope}\u0000${classifierVersion}\u0000${cacheDigest(text, textSha256)}`);
}

/** Hex SHA-256 of the text's cache form (NFC), reusing the text's own digest when they are the same text. */
function cacheDigest(text: string, textSha256: string | undefined): string {
  const normalized = normalizeForCache(text);
  return textSha256 !== undefined && normalized === text ? textSha256 : sha256Hex(normalized);
}

/**
 * A store shared by replicas behind the LRU (Redis on Node). Keys are `<scope>:<sha256>`, values
 * the scores as JSON; it never sees a text. Failures are the store's to absorb: `getMany` answers
 * null for what it cannot read, `setMany` never throws, so a dead store only costs cache misses.
 */
export interface SharedScoreStore {
  getMany(keys: readonly string[]): Promise<ReadonlyArray<string | null>>;
  setMany(entries: ReadonlyArray<{ readonly key: string; readonly value: string }>): void;
}

export interface ClassifierCacheStats {
  readonly hits: number;
  readonly misses: number;
  readonly entries: number;
  /** Approximate bytes held, as counted by `sizeCalculation`. */
  readonly bytes: number;
}

export interface ClassifierCache {
  /** `textSha256`: the text's digest when the caller has it (see classifierCacheKey). */
  get(text: string, classifierVersion: string, scope?: string, textSha256?: string): ClassifierScores | undefined;
  set(text: string, classifierVersion: string, scores: ClassifierScores, scope?: string, textSha256?: string): void;
  stats(): ClassifierCacheStats;
  clear(): void;
  /** Read on an LRU miss, written after scoring; absent: this process only. */
  readonly shared?: SharedScoreStore;
}

export interface ClassifierCacheOptions {
  /** Memory bound in bytes (approximate). Default 32 MiB. */
  maxBytes?: number;
  shared?: SharedScoreStore;
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
    shared: options.shared,
    get(text, classifierVersion, scope, textSha256) {
      const entry = lru.get(classifierCacheKey(text, classifierVersion, scope, textSha256));
      if (!entry) {
        misses++;
        return undefined;
      }
      hits++;
      const isNfc = normalizeForCache(text) === text;
      return entry.worstSpan && isNfc ? { scores: entry.scores, worstSpan: entry.worstSpan } : { scores: entry.scores };
    },
    set(text, classifierVersion, result, scope, textSha256) {
      lru.set(classifierCacheKey(text, classifierVersion, scope, textSha256), storedEntry(text, result));
    },
    stats: () => ({ hits, misses, entries: lru.size, bytes: lru.calculatedSize }),
    clear: () => lru.clear(),
  };
}

/** What is kept of a result: the scores, and the worst span only when its offsets hold for any text hitting the key. */
function storedEntry(text: string, result: ClassifierScores): CacheEntry {
  const isNfc = normalizeForCache(text) === text;
  return result.worstSpan && isNfc ? { scores: { ...result.scores }, worstSpan: { ...result.worstSpan } } : { scores: { ...result.scores } };
}

/** A shared-store value is read back through a schema: another process (or anyone with Redis access) wrote it. */
const sharedEntrySchema = z.strictObject({
  scores: z.record(z.string(), z.number().min(0).max(1)),
  worstSpan: z.strictObject({ start: z.int().min(0), end: z.int().min(0) }).optional(),
});

function decodeShared(value: string | null, text: string): ClassifierScores | undefined {
  if (value === null) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return undefined;
  }
  const entry = sharedEntrySchema.safeParse(parsed);
  if (!entry.success) return undefined;
  const { scores, worstSpan } = entry.data;
  const fits = worstSpan !== undefined && worstSpan.end <= text.length && worstSpan.start <= worstSpan.end;
  return (fits ? { scores, worstSpan } : { scores }) as ClassifierScores;
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
  /** The cache namespace (the tenant); see CheckOptions.cacheScope. */
  readonly scope?: string;
  readonly texts: readonly string[];
  /** Hex SHA-256 of each text, in order, when the caller has them (the guard does); else hashed here. */
  readonly digests?: readonly string[];
}

export async function classifyThroughCache(options: ClassifyThroughCacheOptions): Promise<CachedClassification[]> {
  const { classifierVersion, classify, cache, texts } = options;
  const scope = options.scope ?? '';
  const digestOf = new Map<string, string>();
  options.digests?.forEach((digest, i) => digestOf.set(texts[i]!, digest));
  const results: Array<CachedClassification | undefined> = texts.map((text, i) => {
    const hit = cache?.get(text, classifierVersion, scope, options.digests?.[i]);
    return hit ? { result: hit, fromCache: true } : undefined;
  });
  const missIndexByText = new Map<string, number[]>();
  texts.forEach((text, i) => {
    if (results[i]) return;
    const list = missIndexByText.get(text);
    if (list) list.push(i);
    else missIndexByText.set(text, [i]);
  });
  const shared = cache?.shared;
  const sharedKey = (text: string) => `${scope}:${classifierCacheKey(text, classifierVersion, scope, digestOf.get(text))}`;
  if (shared && missIndexByText.size > 0) {
    // Only the LRU's misses ask the shared store, in one round trip; the in-memory path awaits nothing.
    const asked = [...missIndexByText.keys()];
    const values = await shared.getMany(asked.map(sharedKey));
    asked.forEach((text, j) => {
      const hit = decodeShared(values[j] ?? null, text);
      if (!hit) return;
      cache.set(text, classifierVersion, hit, scope, digestOf.get(text));
      for (const i of missIndexByText.get(text)!) results[i] = { result: hit, fromCache: true };
      missIndexByText.delete(text);
    });
  }
  if (missIndexByText.size > 0) {
    const missTexts = [...missIndexByText.keys()];
    const scored = await classify(missTexts);
    if (!Array.isArray(scored) || scored.length !== missTexts.length) {
      throw new Error(`classifier returned ${Array.isArray(scored) ? scored.length : 'no'} results for ${missTexts.length} texts`);
    }
    missTexts.forEach((text, j) => {
      const result = scored[j]!;
      cache?.set(text, classifierVersion, result, scope, digestOf.get(text));
      for (const i of missIndexByText.get(text)!) results[i] = { result, fromCache: false };
    });
    shared?.setMany(missTexts.map((text, j) => ({ key: sharedKey(text), value: JSON.stringify(storedEntry(text, scored[j]!)) })));
  }
  return results.map((r) => r!);
}
