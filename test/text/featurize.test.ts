import { describe, expect, it } from 'vitest';
import { Featurizer, fnv1a32, tokenize } from '../../src/text/featurize.ts';

const featurizer = new Featurizer({
  vocabulary: ['kill', 'you', 'idiot'],
  buckets: 5000,
  charNgramMin: 3,
  charNgramMax: 5,
  wordNgrams: 2,
  windowTokens: 4,
  windowStride: 2,
});

const words = (text: string) => tokenize(text).map((t) => t.text);

describe('tokenize', () => {
  it('folds bypass tricks to the same tokens', () => {
    const plain = words('kill you idiot');
    for (const variant of ['KILL YOU IDIOT', 'k1ll y0u 1d10t', 'k\u200Bi\u200Dll you idiot', '\u043Aill you idi\u043Et', 'ＫＩＬＬ you idiot', 'k i l l you idiot', 'kiiiill you idiot']) {
      expect(words(variant), variant).toEqual(variant === 'kiiiill you idiot' ? ['kiill', 'you', 'idiot'] : plain);
    }
  });

  it('blanks source markup without moving offsets', () => {
    const text = 'RT @someone: you are great!!! &amp; see https://example.com/x <user>';
    const tokens = tokenize(text);
    expect(tokens.map((t) => t.text)).toEqual(['you', 'are', 'great', 'see']);
    for (const t of tokens) expect(text.slice(t.start, t.end).toLowerCase()).toBe(t.text);
  });

  it('reports token offsets in the original text across astral and zero-width characters', () => {
    const text = '👋 he\u200Bllo wörld';
    const [hello, world] = tokenize(text);
    expect(text.slice(hello!.start, hello!.end)).toBe('he\u200Bllo');
    expect(hello!.text).toBe('hello');
    expect(text.slice(world!.start, world!.end)).toBe('wörld');
    expect(world!.text).toBe('world');
  });
});

describe('Featurizer', () => {
  it('is deterministic and hashes with FNV-1a 32-bit', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    const a = featurizer.featurize('you are an idiot');
    const b = new Featurizer(featurizer.settings).featurize('you are an idiot');
    expect(Array.from(a[0]!.ids)).toEqual(Array.from(b[0]!.ids));
  });

  it('maps vocabulary words to their rows and everything else into the bucket range', () => {
    const [window] = featurizer.featurize('kill zebra');
    const ids = Array.from(window!.ids);
    expect(ids).toContain(1);
    expect(ids.filter((id) => id > 3).every((id) => id >= 4 && id < featurizer.rows)).toBe(true);
  });

  it('repeats a vocabulary word\'s own row wordWeight times and leaves other features alone', () => {
    const heavy = new Featurizer({ ...featurizer.settings, wordWeight: 3 });
    const plain = Array.from(featurizer.featurize('kill zebra')[0]!.ids);
    const weighted = Array.from(heavy.featurize('kill zebra')[0]!.ids);
    expect(weighted.filter((id) => id === 1)).toHaveLength(3);
    expect(weighted.filter((id) => id !== 1)).toEqual(plain.filter((id) => id !== 1));
  });

  it('gives an obfuscated insult the same features as the plain one', () => {
    const plain = featurizer.featurize('you idiot')[0]!.ids;
    const obfuscated = featurizer.featurize('Y0U 1d\u200B10t!!!')[0]!.ids;
    expect(Array.from(obfuscated)).toEqual(Array.from(plain));
  });

  it('covers long texts with overlapping windows whose spans are original offsets', () => {
    const text = 'one two three four five six seven';
    const windows = featurizer.featurize(text);
    expect(windows.map((w) => text.slice(w.span.start, w.span.end))).toEqual([
      'one two three four',
      'three four five six',
      'four five six seven',
    ]);
  });

  it('yields the padding id for text without words', () => {
    expect(Array.from(featurizer.featurize('!!! ...')[0]!.ids)).toEqual([0]);
  });
});

describe("Featurizer, 'blocks' window layout", () => {
  const blocky = new Featurizer({ ...featurizer.settings, windowTokens: 4, windowStride: 2, windowLayout: 'blocks' });
  const sliding = new Featurizer({ ...featurizer.settings, windowTokens: 4, windowStride: 2 });

  /** Token t's rows with its bigram when a next token exists in the text (idsFor over t, t+1 less t+1's own). */
  const tokenIds = (tokens: ReturnType<typeof tokenize>, t: number): number[] => {
    if (t + 1 >= tokens.length) return Array.from(sliding.idsFor(tokens, t, t + 1));
    const pair = Array.from(sliding.idsFor(tokens, t, t + 2));
    return pair.slice(0, pair.length - sliding.idsFor(tokens, t + 1, t + 2).length);
  };

  it("keeps the sliding layout's windows: runs of two blocks, and the last one flush with the end as its own row", () => {
    const text = 'one two three four five six seven';
    const { blocks, windows } = blocky.featurizeBlocks(text);
    expect(blocks).toHaveLength(4);
    expect(windows.map((w) => [w.first, w.count])).toEqual([[0, 2], [1, 2], [3, 1]]);
    expect(windows.map((w) => w.span)).toEqual(sliding.featurize(text).map((w) => w.span));
    expect(windows.map((w) => text.slice(w.span.start, w.span.end))).toEqual(['one two three four', 'three four five six', 'four five six seven']);
    // A last window that starts on a block is two blocks too.
    expect(blocky.featurizeBlocks('one two three four five six').windows.map((w) => [w.first, w.count])).toEqual([[0, 2], [1, 2]]);
  });

  it("gives each window its blocks' ids, which hold every token's bigram with the next token of the text", () => {
    for (const text of ['one two three four five six seven', 'one two three four five six', 'kill zebra', 'a b c d e', 'x', 'a b c d e f g h i j k']) {
      const tokens = tokenize(text);
      const { blocks, windows } = blocky.featurizeBlocks(text);
      const fromBlocks = blocky.featurize(text);
      const spans = sliding.featurize(text).map((w) => w.span);
      expect(fromBlocks.map((w) => w.span)).toEqual(spans);
      windows.forEach((w, i) => {
        const from = tokens.findIndex((t) => t.start === w.span.start);
        const to = tokens.findIndex((t) => t.end === w.span.end) + 1;
        const expected: number[] = [];
        for (let t = from; t < to; t++) expected.push(...tokenIds(tokens, t));
        expect(Array.from(fromBlocks[i]!.ids)).toEqual(expected);
        expect(blocks.slice(w.first, w.first + w.count).flatMap((b) => Array.from(b))).toEqual(expected);
      });
    }
  });

  it('scores a text of at most windowTokens tokens as one window with the same ids as the sliding layout', () => {
    for (const text of ['kill zebra', 'one two three four', 'you are an idiot']) {
      expect(blocky.featurize(text).map((w) => Array.from(w.ids))).toEqual(sliding.featurize(text).map((w) => Array.from(w.ids)));
    }
    expect(Array.from(blocky.featurize('!!! ...')[0]!.ids)).toEqual([0]);
  });

  it('refuses a window that is not a whole number of strides', () => {
    expect(() => new Featurizer({ ...featurizer.settings, windowTokens: 5, windowStride: 2, windowLayout: 'blocks' })).toThrow(/multiple of windowStride/);
  });
});
