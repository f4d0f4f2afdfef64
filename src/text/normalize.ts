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

/** Fold one non-ASCII code point to its matching form (may be empty or several characters), leetspeak aside. */
function foldNonAscii(cp: string): string {
  if (INVISIBLE.test(cp)) return '';
  const out = cp.normalize('NFKC').normalize('NFD').replace(COMBINING_MARK, '').toLowerCase();
  if (out.length === 0) return '';
  let folded = '';
  for (const ch of out) folded += HOMOGLYPHS[ch] ?? ch;
  return folded;
}

/**
 * Folded forms of the non-ASCII code points seen so far (a lone surrogate is its own key: no code
 * point shares its value). The fold is pure and a process meets few distinct code points, so NFKC,
 * NFD and the regexes run once per code point instead of once per character.
 */
const foldMemo = new Map<number, string>();
const FOLD_MEMO_MAX = 65_536;

function foldCode(code: number, cp: string): string {
  let folded = foldMemo.get(code);
  if (folded === undefined) {
    folded = foldNonAscii(cp);
    if (foldMemo.size >= FOLD_MEMO_MAX) foldMemo.clear();
    foldMemo.set(code, folded);
  }
  return folded;
}

/** A per-UTF-16-unit yes/no memo over a regex (0 not asked yet, 1 no, 2 yes): one test per distinct unit. */
function unitClass(regex: RegExp): (unit: number) => boolean {
  const memo = new Uint8Array(0x10000);
  return (unit) => {
    let known = memo[unit]!;
    if (known === 0) memo[unit] = known = regex.test(String.fromCharCode(unit)) ? 2 : 1;
    return known === 2;
  };
}

const isLetterUnit = unitClass(/\p{L}/u);
const isWordUnit = unitClass(/[\p{L}\p{N}]/u);
const LETTER = /\p{L}/u;

const NONE = 0;
const LETTER_CLASS = 1;
const DIGIT_CLASS = 2;
const LEET_SYMBOL_CLASS = 3;

const LEET_CODES = new Map<number, number>(Object.entries(LEET).map(([from, to]) => [from.charCodeAt(0), to.charCodeAt(0)]));
/** Punctuation that is far more often punctuation than a letter: only folded between letters. */
const PUNCTUATION_LEET = new Set(['!', '|', '+'].map((ch) => ch.charCodeAt(0)));
/** ' ', '\t', '.', '-', '_', '*', '·', '•': what may separate spaced-out letters. */
const SPACED_SEPARATORS = new Set([' ', '\t', '.', '-', '_', '*', '·', '•'].map((ch) => ch.charCodeAt(0)));

/**
 * The text being normalised, one UTF-16 unit per slot with the original range each came from, in
 * arrays grown on demand (a fold may expand: "ß" → "ss").
 */
interface Buffer {
  units: Uint16Array;
  starts: Uint32Array;
  ends: Uint32Array;
  length: number;
}

function grow(buffer: Buffer, needed: number): void {
  const capacity = Math.max(needed, buffer.units.length * 2);
  const units = new Uint16Array(capacity);
  const starts = new Uint32Array(capacity);
  const ends = new Uint32Array(capacity);
  units.set(buffer.units.subarray(0, buffer.length));
  starts.set(buffer.starts.subarray(0, buffer.length));
  ends.set(buffer.ends.subarray(0, buffer.length));
  Object.assign(buffer, { units, starts, ends });
}

function foldInto(input: string): Buffer {
  const n = input.length;
  const buffer: Buffer = { units: new Uint16Array(n), starts: new Uint32Array(n), ends: new Uint32Array(n), length: 0 };
  let i = 0;
  while (i < n) {
    const code = input.charCodeAt(i);
    if (code < 0x80) {
      // ASCII fast path: NFKC, diacritics and homoglyphs never apply; only case folding does.
      if (buffer.length === buffer.units.length) grow(buffer, buffer.length + 1);
      const at = buffer.length++;
      buffer.units[at] = code >= 0x41 && code <= 0x5a ? code + 32 : code;
      buffer.starts[at] = i;
      buffer.ends[at] = i + 1;
      i++;
      continue;
    }
    const pair = code >= 0xd800 && code <= 0xdbff && i + 1 < n && (input.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
    const width = pair ? 2 : 1;
    const folded = foldCode(pair ? input.codePointAt(i)! : code, input.slice(i, i + width));
    if (buffer.length + folded.length > buffer.units.length) grow(buffer, buffer.length + folded.length);
    for (let k = 0; k < folded.length; k++) {
      const at = buffer.length++;
      buffer.units[at] = folded.charCodeAt(k);
      buffer.starts[at] = i;
      buffer.ends[at] = i + width;
    }
    i += width;
  }
  return buffer;
}

/** The class of the code point at unit `at` and how many units it spans (a surrogate pair is one code point). */
function classAt(units: Uint16Array, length: number, at: number): { cls: number; width: number } {
  const unit = units[at]!;
  if (unit < 0x80) {
    if ((unit >= 0x61 && unit <= 0x7a) || (unit >= 0x41 && unit <= 0x5a)) return LETTER_WIDTH_1;
    if (unit >= 0x30 && unit <= 0x39) return DIGIT_WIDTH_1;
    return LEET_CODES.has(unit) ? LEET_WIDTH_1 : NONE_WIDTH_1;
  }
  if (unit >= 0xd800 && unit <= 0xdbff && at + 1 < length && (units[at + 1]! & 0xfc00) === 0xdc00) {
    const cp = ((unit - 0xd800) << 10) + (units[at + 1]! - 0xdc00) + 0x10000;
    return LETTER.test(String.fromCodePoint(cp)) ? LETTER_WIDTH_2 : NONE_WIDTH_2;
  }
  if (isLetterUnit(unit)) return LETTER_WIDTH_1;
  return LEET_CODES.has(unit) ? LEET_WIDTH_1 : NONE_WIDTH_1;
}
const LETTER_WIDTH_1 = { cls: LETTER_CLASS, width: 1 };
const LETTER_WIDTH_2 = { cls: LETTER_CLASS, width: 2 };
const DIGIT_WIDTH_1 = { cls: DIGIT_CLASS, width: 1 };
const LEET_WIDTH_1 = { cls: LEET_SYMBOL_CLASS, width: 1 };
const NONE_WIDTH_1 = { cls: NONE, width: 1 };
const NONE_WIDTH_2 = { cls: NONE, width: 2 };

/**
 * Fold leetspeak in context, so "h3ll0", "k!ll", "$hit" fold while "2024", "kill!" and "a + b" do
 * not: a digit folds only inside a token that has a letter; a symbol folds only when a letter or
 * digit follows it in the token (and, for ! | +, also precedes it). Leet symbols and digits are
 * single UTF-16 units mapping to single letters, so they are folded in place and the spans stay aligned.
 */
function foldLeetspeak(buffer: Buffer): void {
  const { units, length } = buffer;
  let i = 0;
  while (i < length) {
    const first = classAt(units, length, i);
    if (first.cls === NONE) {
      i += first.width;
      continue;
    }
    let j = i;
    let hasLetter = false;
    let lastAlnum = -1;
    while (j < length) {
      const { cls, width } = classAt(units, length, j);
      if (cls === NONE) break;
      if (cls === LETTER_CLASS) hasLetter = true;
      if (cls !== LEET_SYMBOL_CLASS) lastAlnum = j;
      j += width;
    }
    if (hasLetter) {
      let seenAlnum = false;
      for (let k = i; k < j; ) {
        const { cls, width } = classAt(units, length, k);
        const unit = units[k]!;
        if (cls === DIGIT_CLASS) units[k] = LEET_CODES.get(unit) ?? unit;
        else if (cls === LEET_SYMBOL_CLASS && k < lastAlnum && (seenAlnum || !PUNCTUATION_LEET.has(unit))) units[k] = LEET_CODES.get(unit)!;
        if (cls !== LEET_SYMBOL_CLASS) seenAlnum = true;
        k += width;
      }
    }
    i = j;
  }
}

/** "k i l l" / "k.i.l.l" → "kill": runs of ≥3 single letters each followed by one separator, dropped in place. */
function collapseSpacedLetters(buffer: Buffer): void {
  const { units, starts, ends, length } = buffer;
  const word = (i: number) => i >= 0 && i < length && isWordUnit(units[i]!);
  const separator = (i: number) => i < length && SPACED_SEPARATORS.has(units[i]!);
  let keep: Uint8Array | null = null;
  let i = 0;
  while (i < length) {
    // A run starts at a single letter that is not part of a longer word.
    if (word(i) && !word(i - 1) && !word(i + 1) && separator(i + 1)) {
      let j = i;
      let letters = 1;
      while (separator(j + 1) && word(j + 2) && !word(j + 3)) {
        j += 2;
        letters++;
      }
      if (letters >= 3) {
        keep ??= new Uint8Array(length).fill(1);
        for (let s = i + 1; s < j; s += 2) keep[s] = 0;
      }
      i = j + 1;
    } else {
      i++;
    }
  }
  if (keep === null) return;
  let out = 0;
  for (let k = 0; k < length; k++) {
    if (!keep[k]) continue;
    units[out] = units[k]!;
    starts[out] = starts[k]!;
    ends[out] = ends[k]!;
    out++;
  }
  buffer.length = out;
}

/** The first `length` units as a string, in chunks (String.fromCharCode takes its units as arguments). */
function unitsToString(units: Uint16Array, length: number): string {
  const CHUNK = 8192;
  if (length <= CHUNK) return String.fromCharCode.apply(null, units.subarray(0, length) as unknown as number[]);
  const parts: string[] = [];
  for (let at = 0; at < length; at += CHUNK) parts.push(String.fromCharCode.apply(null, units.subarray(at, Math.min(length, at + CHUNK)) as unknown as number[]));
  return parts.join('');
}

export function normalizeForMatching(input: string, options: NormalizeOptions = {}): NormalizedText {
  const buffer = foldInto(input);
  if (options.leetspeak) foldLeetspeak(buffer);
  if (options.collapseSpacedLetters) collapseSpacedLetters(buffer);
  const { length } = buffer;
  const exact = length === buffer.units.length;
  return {
    text: unitsToString(buffer.units, length),
    starts: exact ? buffer.starts : buffer.starts.slice(0, length),
    ends: exact ? buffer.ends : buffer.ends.slice(0, length),
    original: input,
  };
}

/** Map a [start, end) range of the normalised text back to the original text. */
export function toOriginalSpan(normalized: NormalizedText, start: number, end: number): Span {
  if (normalized.text.length === 0) return { start: 0, end: 0 };
  const first = Math.min(Math.max(start, 0), normalized.text.length - 1);
  const last = Math.min(Math.max(end - 1, first), normalized.text.length - 1);
  return { start: normalized.starts[first]!, end: normalized.ends[last]! };
}
