import { describe, expect, it } from 'vitest';
import { normalizeForMatching, toOriginalSpan } from '../../src/text/normalize.ts';

function find(input: string, needle: string, options = {}) {
  const n = normalizeForMatching(input, options);
  const at = n.text.indexOf(needle);
  expect(at, `"${needle}" in "${n.text}"`).toBeGreaterThanOrEqual(0);
  const span = toOriginalSpan(n, at, at + needle.length);
  return input.slice(span.start, span.end);
}

describe('normalizeForMatching', () => {
  it('folds case, NFKC width and mathematical letters', () => {
    expect(normalizeForMatching('ＫＩＬＬ 𝐤𝐢𝐥𝐥 Kill').text).toBe('kill kill kill');
  });

  it('drops zero-width characters but keeps spans in the original', () => {
    const input = 'please k\u200Bi\u200Dll him';
    expect(find(input, 'kill')).toBe('k\u200Bi\u200Dll');
  });

  it('folds Cyrillic and Greek homoglyphs', () => {
    expect(normalizeForMatching('\u0456gn\u043Er\u0435 previous').text).toBe('ignore previous');
    expect(normalizeForMatching('\u03BA\u03B9ll').text).toBe('kill');
  });

  it('strips diacritics, including combining sequences', () => {
    expect(normalizeForMatching('ki\u0301ll ķill').text).toBe('kill kill');
  });

  it('folds leetspeak only when asked', () => {
    expect(normalizeForMatching('k1ll 5h00t').text).toBe('k1ll 5h00t');
    expect(normalizeForMatching('k1ll 5h00t', { leetspeak: true }).text).toBe('kill shoot');
  });

  it('collapses spaced-out letters and maps the span back', () => {
    const input = 'I will k i l l you, a b c';
    const n = normalizeForMatching(input, { collapseSpacedLetters: true });
    expect(n.text).toBe('i will kill you, abc');
    expect(find(input, 'kill', { collapseSpacedLetters: true })).toBe('k i l l');
  });

  it('keeps ordinary words with single letters intact', () => {
    expect(normalizeForMatching('I am a cat', { collapseSpacedLetters: true }).text).toBe('i am a cat');
  });

  it('reports spans past astral characters (emoji) in UTF-16 units', () => {
    const input = '😀😀 call me at BOB@EXAMPLE.COM';
    expect(find(input, 'bob@example.com')).toBe('BOB@EXAMPLE.COM');
  });
});

describe('normalizeForMatching leetspeak in context', () => {
  const leet = (s: string) => normalizeForMatching(s, { leetspeak: true }).text;

  it('folds digits and symbols inside words', () => {
    expect(leet('h3ll0 k!ll $hit @ss 1gn0r3')).toBe('hello kill shit ass ignore');
  });

  it('leaves numbers and trailing punctuation alone', () => {
    expect(leet('in 2024 I said kill! a + b = 3')).toBe('in 2024 i said kill! a + b = 3');
  });

  it('keeps spans aligned after folding', () => {
    const input = '😀 1GN0RE this';
    expect(find(input, 'ignore', { leetspeak: true })).toBe('1GN0RE');
  });
});

describe('normalizeForMatching on long and expanding texts', () => {
  it('keeps every span aligned when folds expand the text past its length (ß → ss, ﷺ → 18 letters)', () => {
    const input = `${'Straße '.repeat(3000)}ﷺ ẞ k i l l`;
    const n = normalizeForMatching(input, { leetspeak: true, collapseSpacedLetters: true });
    expect(n.text.length).toBeGreaterThan(input.length);
    expect(n.text.startsWith('strasse strasse')).toBe(true);
    expect(n.text.endsWith(' ss kill')).toBe(true);
    expect(n.starts.length).toBe(n.text.length);
    expect(find(input, 'kill', { collapseSpacedLetters: true })).toBe('k i l l');
    const last = n.text.lastIndexOf('strasse');
    expect(input.slice(...Object.values(toOriginalSpan(n, last, last + 7)) as [number, number])).toBe('Straße');
  });

  it('gives the same result for a code point the second time (the fold is memoised)', () => {
    const first = normalizeForMatching('ＫＩＬＬ é \uD800 😀');
    const again = normalizeForMatching('ＫＩＬＬ é \uD800 😀');
    expect(again).toEqual(first);
    expect(first.text).toBe('kill e \uD800 😀');
  });
});
