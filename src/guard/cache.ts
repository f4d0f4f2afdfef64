// Classifier result cache: an LRU (lru-cache) bounded by memory, keyed by the SHA-256 of the
// normalised text plus the classifier version. Hashing is a small synchronous pure-TS SHA-256 over
// UTF-8 so the same code runs on Node and Workers (Web Crypto's `crypto.subtle.digest` is async,
// which would make every cache lookup a promise; FNV would be fast but collides too easily for a
// key that decides which scores a text gets).

import { LRUCache } from 'lru-cache';
import type { Classifier, ClassifierScores } from '../classifier/types.ts';

// ---- SHA-256 (FIPS 180-4) ------------------------------------------------------------------

const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

const encoder = new TextEncoder();

/** Hex SHA-256 of the UTF-8 encoding of `text`. */
export function sha256Hex(text: string): string {
  const data = encoder.encode(text);
  const bitLength = data.length * 8;
  const padded = new Uint8Array(((data.length + 9 + 63) >> 6) << 6);
  padded.set(data);
  padded[data.length] = 0x80;
  const view = new DataView(padded.buffer);
  view.setUint32(padded.length - 8, Math.floor(bitLength / 0x100000000));
  view.setUint32(padded.length - 4, bitLength >>> 0);

  const h = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
  const w = new Uint32Array(64);
  const rotr = (x: number, n: number) => (x >>> n) | (x << (32 - n));
  for (let block = 0; block < padded.length; block += 64) {
    for (let i = 0; i < 16; i++) w[i] = view.getUint32(block + i * 4);
    for (let i = 16; i < 64; i++) {
      const a = w[i - 15]!;
      const b = w[i - 2]!;
      const s0 = rotr(a, 7) ^ rotr(a, 18) ^ (a >>> 3);
      const s1 = rotr(b, 17) ^ rotr(b, 19) ^ (b >>> 10);
      w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) >>> 0;
    }
    let [a, b, c, d, e, f, g, hh] = [h[0]!, h[1]!, h[2]!, h[3]!, h[4]!, h[5]!, h[6]!, h[7]!];
    for (let i = 0; i < 64; i++) {
      const s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
      const ch = (e & f) ^ (~e & g);
      const t1 = (hh + s1 + ch + K[i]! + w[i]!) >>> 0;
      const s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
      const maj = (a & b) ^ (a & c) ^ (b & c);
      const t2 = (s0 + maj) >>> 0;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) >>> 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) >>> 0;
    }
    h[0] = (h[0]! + a) >>> 0;
    h[1] = (h[1]! + b) >>> 0;
    h[2] = (h[2]! + c) >>> 0;
    h[3] = (h[3]! + d) >>> 0;
    h[4] = (h[4]! + e) >>> 0;
    h[5] = (h[5]! + f) >>> 0;
    h[6] = (h[6]! + g) >>> 0;
    h[7] = (h[7]! + hh) >>> 0;
  }
  return Array.from(h, (x) => x.toString(16).padStart(8, '0')).join('');
}

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
