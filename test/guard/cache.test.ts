import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ClassifierScores } from '../../src/classifier/types.ts';
import { classifierCacheKey, classifyThroughCache, createClassifierCache } from '../../src/guard/cache.ts';
import { sha256Hex } from '../../src/digest.ts';

function nodeSha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

describe('sha256Hex', () => {
  it('matches node:crypto on empty, ASCII, multi-block and non-Latin input', () => {
    const inputs = ['', 'abc', 'a'.repeat(55), 'a'.repeat(56), 'a'.repeat(64), 'x'.repeat(1000), 'Привет 你好 👋🏽', '\u0000\uffff'];
    for (const input of inputs) expect(sha256Hex(input), JSON.stringify(input.slice(0, 20))).toBe(nodeSha256(input));
  });
});

describe('classifier cache', () => {
  const scores = (value: number): ClassifierScores => ({ scores: { harassment: value } });

  it('keys on NFC-normalised text and the classifier version', () => {
    const composed = 'caf\u00e9';
    const decomposed = 'cafe\u0301';
    expect(classifierCacheKey(composed, 'v1')).toBe(classifierCacheKey(decomposed, 'v1'));
    expect(classifierCacheKey(composed, 'v1')).not.toBe(classifierCacheKey(composed, 'v2'));
    expect(classifierCacheKey('Cafe', 'v1')).not.toBe(classifierCacheKey('cafe', 'v1'));
  });

  it('returns stored scores and counts hits and misses', () => {
    const cache = createClassifierCache();
    expect(cache.get('hello', 'v1')).toBeUndefined();
    cache.set('hello', 'v1', scores(0.4));
    expect(cache.get('hello', 'v1')?.scores.harassment).toBe(0.4);
    expect(cache.get('hello', 'v2')).toBeUndefined();
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 2, entries: 1 });
  });

  it('stays within its memory bound by evicting the least recently used entries', () => {
    const cache = createClassifierCache({ maxBytes: 2_000 });
    for (let i = 0; i < 200; i++) cache.set(`text ${i}`, 'v1', scores(i / 200));
    const { entries, bytes } = cache.stats();
    expect(bytes).toBeLessThanOrEqual(2_000);
    expect(entries).toBeLessThan(200);
    expect(cache.get('text 199', 'v1')).toBeDefined();
    expect(cache.get('text 0', 'v1')).toBeUndefined();
  });

  it('drops the worst span on a hit from a text with a different (non-NFC) encoding', () => {
    const cache = createClassifierCache();
    cache.set('cafe\u0301 x', 'v1', { scores: { hate: 0.1 }, worstSpan: { start: 0, end: 5 } });
    expect(cache.get('caf\u00e9 x', 'v1')?.worstSpan).toBeUndefined();
    cache.set('caf\u00e9 y', 'v1', { scores: { hate: 0.1 }, worstSpan: { start: 0, end: 4 } });
    expect(cache.get('caf\u00e9 y', 'v1')?.worstSpan).toEqual({ start: 0, end: 4 });
  });
});

describe('classifyThroughCache', () => {
  it('sends only deduplicated misses, in one batch, and serves repeats from the cache', async () => {
    const calls: string[][] = [];
    const classify = async (texts: readonly string[]) => {
      calls.push([...texts]);
      return texts.map((t) => ({ scores: { harassment: t.length / 100 } }));
    };
    const cache = createClassifierCache();
    const first = await classifyThroughCache({ classifierVersion: 'v1', classify, cache, texts: ['a', 'bb', 'a'] });
    expect(calls).toEqual([['a', 'bb']]);
    expect(first.map((r) => r.fromCache)).toEqual([false, false, false]);
    expect(first[2]!.result.scores.harassment).toBe(0.01);

    const second = await classifyThroughCache({ classifierVersion: 'v1', classify, cache, texts: ['bb', 'ccc'] });
    expect(calls).toEqual([['a', 'bb'], ['ccc']]);
    expect(second.map((r) => r.fromCache)).toEqual([true, false]);

    await classifyThroughCache({ classifierVersion: 'v1', classify, cache, texts: ['a', 'ccc'] });
    expect(calls).toHaveLength(2);
  });

  it('rejects when the classifier answers with the wrong number of results', async () => {
    const classify = async () => [{ scores: {} }];
    await expect(classifyThroughCache({ classifierVersion: 'v1', classify, cache: undefined, texts: ['a', 'b'] })).rejects.toThrow(/1 results for 2/);
  });
});

describe('classifier cache namespaces and the shared store', () => {
  const scored = (texts: readonly string[]) => Promise.resolve(texts.map(() => ({ scores: { harassment: 0.3 } })));

  it('keeps one tenant scope from hitting another scope entries', async () => {
    const cache = createClassifierCache();
    await classifyThroughCache({ classifierVersion: 'v1', cache, scope: 'acme', texts: ['hello'], classify: scored });
    const same = await classifyThroughCache({ classifierVersion: 'v1', cache, scope: 'acme', texts: ['hello'], classify: scored });
    const other = await classifyThroughCache({ classifierVersion: 'v1', cache, scope: 'globex', texts: ['hello'], classify: scored });
    expect(same[0]!.fromCache).toBe(true);
    expect(other[0]!.fromCache).toBe(false);
    expect(classifierCacheKey('hello', 'v1', 'acme')).not.toBe(classifierCacheKey('hello', 'v1', 'globex'));
  });

  it('asks the shared store for LRU misses once, fills the LRU from it, writes fresh scores, and ignores a bad value', async () => {
    const stored = new Map<string, string>();
    const asked: string[][] = [];
    const shared = {
      async getMany(keys: readonly string[]) {
        asked.push([...keys]);
        return keys.map((key) => stored.get(key) ?? null);
      },
      setMany(entries: ReadonlyArray<{ key: string; value: string }>) {
        for (const entry of entries) stored.set(entry.key, entry.value);
      },
    };
    const writer = createClassifierCache({ shared });
    await classifyThroughCache({ classifierVersion: 'v1', cache: writer, scope: 'acme', texts: ['one', 'two', 'one'], classify: scored });
    expect(asked).toEqual([[`acme:${classifierCacheKey('one', 'v1', 'acme')}`, `acme:${classifierCacheKey('two', 'v1', 'acme')}`]]);
    expect([...stored.values()]).toEqual([JSON.stringify({ scores: { harassment: 0.3 } }), JSON.stringify({ scores: { harassment: 0.3 } })]);

    stored.set(`acme:${classifierCacheKey('two', 'v1', 'acme')}`, '{"scores":{"harassment":7}}');
    const reader = createClassifierCache({ shared });
    let classified: readonly string[] = [];
    const results = await classifyThroughCache({
      classifierVersion: 'v1',
      cache: reader,
      scope: 'acme',
      texts: ['one', 'two'],
      classify: (texts) => {
        classified = texts;
        return scored(texts);
      },
    });
    expect(results.map((r) => r.fromCache)).toEqual([true, false]);
    expect(classified).toEqual(['two']);
    // Now in the reader's LRU: no second trip to the store.
    asked.length = 0;
    await classifyThroughCache({ classifierVersion: 'v1', cache: reader, scope: 'acme', texts: ['one'], classify: scored });
    expect(asked).toEqual([]);
  });
});
