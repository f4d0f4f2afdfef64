// Text normalisation for matching and for the classifier's featurizer: NFKC, case folding,
// zero-width removal, diacritic stripping, homoglyph and (optionally) leetspeak folding, and
// collapsing of spaced-out letters ("k i l l"). Every output character remembers which original
// UTF-16 range it came from, so detectors that match on the folded text still report spans in the
// text the client sent.

import { LOOKALIKE_LETTERS } from './lookalikes.ts';

export interface NormalizeOptions {
  /** Fold digits and symbols used as letters: 0→o, 1→i, 3→e, 4→a, 5→s, 7→t, @→a, $→s. */
  leetspeak?: boolean;
  /** Join runs of three or more single letters separated by spaces, dots, dashes or underscores. */
  collapseSpacedLetters?: boolean;
}

export interface NormalizedText {
  /** The folded text. */
  readonly text: string;
  /** For each UTF-16 unit of `text`, the start offset in the original of the code point it came from. */
  readonly starts: Uint32Array;
  /** For each UTF-16 unit of `text`, the end offset (exclusive) in the original. */
  readonly ends: Uint32Array;
  readonly original: string;
}

export interface Span {
  start: number;
  end: number;
}

/** Code points that render as nothing and are used to split words past filters. */
const INVISIBLE = /^[\u00AD\u034F\u061C\u115F\u1160\u17B4\u17B5\u180B-\u180F\u200B-\u200F\u202A-\u202E\u2060-\u206F\u3164\uFE00-\uFE0F\uFEFF\uFFA0]$|^[\u{E0000}-\u{E007F}\u{E0100}-\u{E01EF}]$/u;

const COMBINING_MARK = /\p{M}/gu;

/**
 * The shared lookalike letters (lookalikes.ts) plus the ligatures the classifier reads as letter pairs,
 * folded to ASCII. Keys are lower case: folding happens after case folding.
 */
const HOMOGLYPHS: Readonly<Record<string, string>> = { ...LOOKALIKE_LETTERS, ß: 'ss', æ: 'ae', œ: 'oe' };

const LEET: Readonly<Record<string, string>> = {
  '0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '@': 'a', $: 's', '!': 'i', '|': 'l',
  '€': 'e', '+': 't',
};

const SPACED_SEPARATOR = /^[ \t.\-_*·•]$/;

/** Fold one code point to its matching form (may be empty or several characters), leetspeak aside. */
function foldCodePoint(cp: string): string {
  const code = cp.charCodeAt(0);
  // ASCII fast path: NFKC, diacritics and homoglyphs never apply; only case folding does.
  if (code < 0x80) return code >= 0x41 && code <= 0x5a ? String.fromCharCode(code + 32) : cp;
  if (INVISIBLE.test(cp)) return '';
  const out = cp.normalize('NFKC').normalize('NFD').replace(COMBINING_MARK, '').toLowerCase();
  if (out.length === 0) return '';
  let folded = '';
  for (const ch of out) folded += HOMOGLYPHS[ch] ?? ch;
  return folded;
}

const LETTER = /\p{L}/u;
function isLetter(ch: string | undefined): boolean {
  if (ch === undefined) return false;
  const code = ch.charCodeAt(0);
  if (code < 0x80) return (code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a);
  return LETTER.test(ch);
}
const isDigit = (ch: string | undefined) => ch !== undefined && ch >= '0' && ch <= '9';
const isLeetSymbol = (ch: string | undefined) => ch !== undefined && !isDigit(ch) && LEET[ch] !== undefined;
/** Punctuation that is far more often punctuation than a letter: only folded between letters. */
const PUNCTUATION_LEET = new Set(['!', '|', '+']);

/**
 * Fold leetspeak in context, so "h3ll0", "k!ll", "$hit" fold while "2024", "kill!" and "a + b" do
 * not: a digit folds only inside a token that has a letter; a symbol folds only when a letter or
 * digit follows it in the token (and, for ! | +, also precedes it).
 */
function foldLeetspeak(text: string): string {
  const chars = [...text];
  const out = chars.slice();
  let i = 0;
  while (i < chars.length) {
    const ch = chars[i];
    if (!(isLetter(ch) || isDigit(ch) || isLeetSymbol(ch))) {
      i++;
      continue;
    }
    let j = i;
    let hasLetter = false;
    while (j < chars.length && (isLetter(chars[j]) || isDigit(chars[j]) || isLeetSymbol(chars[j]))) {
      if (isLetter(chars[j])) hasLetter = true;
      j++;
    }
    if (hasLetter) {
      let lastAlnum = -1;
      for (let k = j - 1; k >= i; k--) {
        if (isLetter(chars[k]) || isDigit(chars[k])) {
          lastAlnum = k;
          break;
        }
      }
      let seenAlnum = false;
      for (let k = i; k < j; k++) {
        const c = chars[k]!;
        if (isDigit(c)) out[k] = LEET[c] ?? c;
        else if (isLeetSymbol(c) && k < lastAlnum && (seenAlnum || !PUNCTUATION_LEET.has(c))) out[k] = LEET[c]!;
        if (isLetter(c) || isDigit(c)) seenAlnum = true;
      }
    }
    i = j;
  }
  return out.join('');
}

export function normalizeForMatching(input: string, options: NormalizeOptions = {}): NormalizedText {
  const leetspeak = options.leetspeak ?? false;
  const pieces: string[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  let offset = 0;
  for (const cp of input) {
    const folded = foldCodePoint(cp);
    const end = offset + cp.length;
    for (let i = 0; i < folded.length; i++) {
      pieces.push(folded[i]!);
      starts.push(offset);
      ends.push(end);
    }
    offset = end;
  }
  let text = pieces.join('');
  // Leet symbols and digits are single UTF-16 units mapping to single letters, so folding them in
  // place keeps the span arrays aligned.
  if (leetspeak) text = foldLeetspeak(text);
  const folded: NormalizedText = {
    text,
    starts: Uint32Array.from(starts),
    ends: Uint32Array.from(ends),
    original: input,
  };
  return options.collapseSpacedLetters ? collapseSpacedLetters(folded) : folded;
}

/** "k i l l" / "k.i.l.l" → "kill": runs of ≥3 single letters each followed by one separator. */
function collapseSpacedLetters(input: NormalizedText): NormalizedText {
  const { text } = input;
  const keep = new Uint8Array(text.length).fill(1);
  const isWordChar = (i: number) => i >= 0 && i < text.length && /[\p{L}\p{N}]/u.test(text[i]!);
  let i = 0;
  while (i < text.length) {
    // A run starts at a single letter that is not part of a longer word.
    if (isWordChar(i) && !isWordChar(i - 1) && !isWordChar(i + 1) && SPACED_SEPARATOR.test(text[i + 1] ?? '')) {
      let j = i;
      let letters = 1;
      const separators: number[] = [];
      while (SPACED_SEPARATOR.test(text[j + 1] ?? '') && isWordChar(j + 2) && !isWordChar(j + 3)) {
        separators.push(j + 1);
        j += 2;
        letters++;
      }
      if (letters >= 3) for (const s of separators) keep[s] = 0;
      i = j + 1;
    } else {
      i++;
    }
  }
  const pieces: string[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  for (let k = 0; k < text.length; k++) {
    if (!keep[k]) continue;
    pieces.push(text[k]!);
    starts.push(input.starts[k]!);
    ends.push(input.ends[k]!);
  }
  return {
    text: pieces.join(''),
    starts: Uint32Array.from(starts),
    ends: Uint32Array.from(ends),
    original: input.original,
  };
}

/** Map a [start, end) range of the normalised text back to the original text. */
export function toOriginalSpan(normalized: NormalizedText, start: number, end: number): Span {
  if (normalized.text.length === 0) return { start: 0, end: 0 };
  const first = Math.min(Math.max(start, 0), normalized.text.length - 1);
  const last = Math.min(Math.max(end - 1, first), normalized.text.length - 1);
  return { start: normalized.starts[first]!, end: normalized.ends[last]! };
}
