// The one folding every pre-filter matcher reads (PII, secrets, tenant regex, keywords, injection):
// a data view that undoes the tricks used to hide data from ASCII patterns, and a word view on top
// of it for word and phrase rules. Every character of a view remembers the original UTF-16 range
// it came from, so findings are reported (and redacted) in the text the client sent.
//
// Data view, per code point: default-ignorable code points removed (UAX #44 Default_Ignorable_Code_Point:
// zero-width, U+2062, U+034F, U+180E, variation selectors, tags, soft hyphen, bidi controls...),
// combining marks removed, every decimal digit (\p{Nd}: Arabic-Indic, Devanagari, fullwidth,
// mathematical...) mapped to its ASCII digit, space separators to ' ', dashes (\p{Pd}) to '-',
// NFKC where it yields ASCII (fullwidth forms, U+FE6B/U+FF20 at-signs, ligatures), confusable
// Cyrillic/Greek/IPA letters to the Latin letter they imitate (case kept), and JSON `\uXXXX` escapes,
// URL `%XX` escapes and HTML character references (`&#64;`, `&#x40;`, `&commat;`) decoded (tool
// arguments are JSON; a URL-encoded run or an entity hides an email; retrieved pages are HTML).
// Word view: the data view through normalizeForMatching (case folding, diacritics, leetspeak in
// context, spaced letters), for keywords and folded tenant rules. Phrase view: the word view with
// non-ASCII separators as spaces, for the built-in phrase rules (injection, sponge).

import { normalizeForMatching, type Span } from './normalize.ts';
import { LOOKALIKE_LETTERS } from './lookalikes.ts';

/** A folded view of `original` with the way back to it. */
export interface TextView {
  readonly text: string;
  readonly original: string;
  /** The original range of view[start, end); identity when nothing was folded. */
  toOriginal(start: number, end: number): Span;
}

const DEFAULT_IGNORABLE = /^\p{Default_Ignorable_Code_Point}$/u;
const MARK = /^\p{M}$/u;
const DECIMAL_DIGIT = /^\p{Nd}$/u;
const SPACE_SEPARATOR = /^\p{Zs}$/u;
const DASH = /^\p{Pd}$/u;
const COMBINING_MARKS = /\p{M}/gu;
const ASCII_ONLY = /^[\x00-\x7f]*$/;
/** Minus signs and hyphen-like symbols outside \p{Pd} that separate digit groups just as well. */
const MINUS_LIKE = new Set(['\u2212', '\u2043', '\u02D7', '\u2796']);
/** Ideographic and fullwidth full stops: IDNA reads them as dots in domain names. */
const DOT_LIKE = new Set(['\u3002', '\uFF0E', '\uFF61']);
const UTF8_ENCODER = new TextEncoder();

/** Anything the data view could change: non-ASCII, or a JSON / URL escape, or an HTML character reference. */
const NEEDS_DATA_FOLDING = /[^\x00-\x7f]|\\u[0-9A-Fa-f]{4}|%[0-9A-Fa-f]{2}|&(?:#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z]{2,8});/;

/**
 * Lookalikes NFKC leaves alone, folded to the Latin letter they imitate (lower-case keys; an upper-case
 * original folds to the upper-case letter). Same table as the classifier's normalisation plus the
 * capitals only Greek and Cyrillic have.
 */
const CONFUSABLES = LOOKALIKE_LETTERS;

/** Upper-case forms whose lower case is not in the table (Greek Η is 'H', not η's 'n'). */
const UPPER_CONFUSABLES: Readonly<Record<string, string>> = { Η: 'H', Ν: 'N', Ρ: 'P', Χ: 'X', Β: 'B', Μ: 'M', Τ: 'T', Υ: 'Y', Ζ: 'Z', Ι: 'I', Κ: 'K', Ο: 'O', Α: 'A', Ε: 'E' };

const digitCache = new Map<number, string>();

/**
 * The ASCII digit of a \p{Nd} code point. Unicode keeps decimal digits in contiguous runs of ten
 * ascending from zero (Unicode Standard §4.6), so the value is the distance from the run's start mod 10.
 */
function asciiDigit(code: number): string {
  const cached = digitCache.get(code);
  if (cached !== undefined) return cached;
  let start = code;
  while (start > 0 && DECIMAL_DIGIT.test(String.fromCodePoint(start - 1))) start--;
  const digit = String((code - start) % 10);
  digitCache.set(code, digit);
  return digit;
}

/** Fold one non-ASCII code point for the data view (may be empty). */
function foldDataCodePoint(cp: string): string {
  if (DEFAULT_IGNORABLE.test(cp) || MARK.test(cp)) return '';
  const code = cp.codePointAt(0)!;
  if (DECIMAL_DIGIT.test(cp)) return asciiDigit(code);
  if (SPACE_SEPARATOR.test(cp)) return ' ';
  if (DASH.test(cp) || MINUS_LIKE.has(cp)) return '-';
  if (DOT_LIKE.has(cp)) return '.';
  const upper = UPPER_CONFUSABLES[cp];
  if (upper !== undefined) return upper;
  const lower = cp.toLowerCase();
  const confusable = CONFUSABLES[lower];
  if (confusable !== undefined) return lower === cp ? confusable : confusable.toUpperCase();
  const compatible = cp.normalize('NFKC');
  if (compatible !== cp && ASCII_ONLY.test(compatible)) return compatible;
  // Accented Latin letters keep their base letter (an "é" in an email's local part).
  const base = cp.normalize('NFD').replace(COMBINING_MARKS, '');
  if (base.length > 0 && base !== cp && ASCII_ONLY.test(base)) return base;
  return cp;
}

const HEX = /^[0-9A-Fa-f]+$/;

/** A `\uXXXX` escape (or a surrogate pair of two) at `i`: the code point and the escape's length. */
function jsonEscapeAt(input: string, i: number): { cp: string; length: number } | null {
  if (input.charCodeAt(i + 1) !== 0x75 /* u */) return null;
  const hex = input.slice(i + 2, i + 6);
  if (hex.length !== 4 || !HEX.test(hex)) return null;
  const unit = parseInt(hex, 16);
  if (unit >= 0xd800 && unit <= 0xdbff && input.startsWith('\\u', i + 6)) {
    const low = input.slice(i + 8, i + 12);
    if (low.length === 4 && HEX.test(low)) {
      const lowUnit = parseInt(low, 16);
      if (lowUnit >= 0xdc00 && lowUnit <= 0xdfff) return { cp: String.fromCharCode(unit, lowUnit), length: 12 };
    }
  }
  return { cp: String.fromCharCode(unit), length: 6 };
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** A run of `%XX` escapes at `i` that decodes as UTF-8: each decoded code point with the escape range it came from. */
function percentRunAt(input: string, i: number): { cps: { cp: string; length: number }[]; length: number } | null {
  const bytes: number[] = [];
  let j = i;
  while (input.charCodeAt(j) === 0x25 && HEX.test(input.slice(j + 1, j + 3)) && input.slice(j + 1, j + 3).length === 2) {
    bytes.push(parseInt(input.slice(j + 1, j + 3), 16));
    j += 3;
  }
  if (bytes.length === 0) return null;
  let decoded: string;
  try {
    decoded = UTF8.decode(Uint8Array.from(bytes));
  } catch {
    return null;
  }
  const cps: { cp: string; length: number }[] = [];
  for (const cp of decoded) {
    const code = cp.codePointAt(0)!;
    // A control character is not hidden text; leave such escapes as they are.
    if (code < 0x20 || code === 0x7f) return null;
    cps.push({ cp, length: 3 * UTF8_ENCODER.encode(cp).length });
  }
  return { cps, length: j - i };
}

/**
 * Named references that spell the characters data and phrase rules read (HTML's own names); any
 * other name is left as written. Numeric references decode to any code point but a control character.
 */
const NAMED_REFERENCES: Readonly<Record<string, string>> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', commat: '@', period: '.', comma: ',', colon: ':',
  lowbar: '_', hyphen: '-', dash: '-', plus: '+', num: '#', sol: '/', bsol: '\\', excl: '!', quest: '?', semi: ';',
  lpar: '(', rpar: ')', lsqb: '[', rsqb: ']', equals: '=', percnt: '%', dollar: '$', ast: '*', shy: '\u00AD',
};
const CHARACTER_REFERENCE = /^&(?:#([0-9]{1,7})|#[xX]([0-9A-Fa-f]{1,6})|([A-Za-z]{2,8}));/;

/** An HTML character reference at `i` (`&#64;`, `&#x40;`, `&commat;`): the code point and the reference's length. */
function characterReferenceAt(input: string, i: number): { cp: string; length: number } | null {
  const m = CHARACTER_REFERENCE.exec(input.slice(i, i + 12));
  if (!m) return null;
  if (m[3] !== undefined) {
    const cp = NAMED_REFERENCES[m[3]];
    return cp === undefined ? null : { cp, length: m[0].length };
  }
  const code = m[1] !== undefined ? Number(m[1]) : parseInt(m[2]!, 16);
  if (code < 0x20 || code === 0x7f || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return null;
  return { cp: String.fromCodePoint(code), length: m[0].length };
}

class FoldedView implements TextView {
  constructor(
    readonly text: string,
    readonly original: string,
    private readonly starts: Uint32Array,
    private readonly ends: Uint32Array,
  ) {}

  toOriginal(start: number, end: number): Span {
    if (this.text.length === 0) return { start: 0, end: 0 };
    const first = Math.min(Math.max(start, 0), this.text.length - 1);
    const last = Math.min(Math.max(end - 1, first), this.text.length - 1);
    return { start: this.starts[first]!, end: this.ends[last]! };
  }
}

class IdentityView implements TextView {
  constructor(readonly text: string) {}
  get original(): string {
    return this.text;
  }
  toOriginal(start: number, end: number): Span {
    return { start, end };
  }
}

/** The data view of `input` (see the header); the input itself when there is nothing to fold. */
export function foldForData(input: string): TextView {
  if (!NEEDS_DATA_FOLDING.test(input)) return new IdentityView(input);
  const pieces: string[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  const emit = (folded: string, start: number, end: number) => {
    for (let k = 0; k < folded.length; k++) {
      pieces.push(folded[k]!);
      starts.push(start);
      ends.push(end);
    }
  };
  let i = 0;
  while (i < input.length) {
    const code = input.charCodeAt(i);
    if (code === 0x5c /* \ */ || code === 0x26 /* & */) {
      // One code point written as an escape: a JSON `\uXXXX` or an HTML character reference.
      const escape = code === 0x5c ? jsonEscapeAt(input, i) : characterReferenceAt(input, i);
      if (escape) {
        const cp = escape.cp;
        emit(cp.charCodeAt(0) < 0x80 ? cp : foldDataCodePoint(cp), i, i + escape.length);
        i += escape.length;
        continue;
      }
    } else if (code === 0x25 /* % */) {
      const run = percentRunAt(input, i);
      if (run) {
        let at = i;
        for (const { cp, length } of run.cps) {
          emit(cp.charCodeAt(0) < 0x80 ? cp : foldDataCodePoint(cp), at, at + length);
          at += length;
        }
        i += run.length;
        continue;
      }
    }
    if (code < 0x80) {
      emit(input[i]!, i, i + 1);
      i++;
      continue;
    }
    const cp = String.fromCodePoint(input.codePointAt(i)!);
    emit(foldDataCodePoint(cp), i, i + cp.length);
    i += cp.length;
  }
  return new FoldedView(pieces.join(''), input, Uint32Array.from(starts), Uint32Array.from(ends));
}

/** The word view: the data view case-folded, diacritics stripped, leetspeak and spaced letters folded. */
export function foldForWords(input: string, data: TextView = foldForData(input)): TextView {
  const words = normalizeForMatching(data.text, { leetspeak: true, collapseSpacedLetters: true });
  const starts = new Uint32Array(words.text.length);
  const ends = new Uint32Array(words.text.length);
  for (let k = 0; k < words.text.length; k++) {
    const span = data.toOriginal(words.starts[k]!, words.ends[k]!);
    starts[k] = span.start;
    ends[k] = span.end;
  }
  return new FoldedView(words.text, input, starts, ends);
}

/** A non-ASCII code point that is neither a letter nor a number (curly quotes, «», 、, emoji, lone surrogates). */
const NON_ASCII_SEPARATOR = /[^\x00-\x7f\p{L}\p{N}]/gu;

/** A view with the same offsets as `view` over a different text of the same length. */
class RetextedView implements TextView {
  constructor(
    readonly text: string,
    private readonly base: TextView,
  ) {}
  get original(): string {
    return this.base.original;
  }
  toOriginal(start: number, end: number): Span {
    return this.base.toOriginal(start, end);
  }
}

/**
 * The phrase view: the word view with every non-ASCII code point that is not a letter or a number
 * replaced by spaces, one per UTF-16 unit, so offsets (and the way back to the original) are the
 * word view's. On it a non-ASCII code point is always a letter or a number, so phrase rules
 * (injection, sponge) separate words with the ASCII-only classes of guard/detectors/matching-view.ts
 * rather than `[^\p{L}\p{N}]`: RE2 compiles each Unicode class into a large program, and the
 * injection rules' hundreds of them took seconds to compile at every start.
 */
export function phrasesOf(words: TextView): TextView {
  if (ASCII_ONLY.test(words.text)) return words;
  const text = words.text.replace(NON_ASCII_SEPARATOR, (cp) => (cp.length === 1 ? ' ' : '  '));
  return text === words.text ? words : new RetextedView(text, words);
}

/** The phrase view of `input` (phrasesOf its word view): how phrase rules fold their own literals too. */
export function foldForPhrases(input: string): TextView {
  return phrasesOf(foldForWords(input));
}

/** A hyphen or other dash inside a word ("ig-nore"), or a lower-case letter glued to a capital ("IgnoreAll"). */
const JOINABLE = /\p{L}\p{Pd}\p{L}|[a-z][A-Z]/u;
const LETTER = /^\p{L}$/u;

/**
 * The phrase view of `input` with its words put back together: a dash between two letters
 * dropped ("pre-vious instruc-tions") and a space put where a lower-case letter meets a capital
 * ("IgnoreAllPreviousInstructions"); null when the text has neither (most texts). A second view
 * for phrase rules to scan as well as the phrase view, never instead of it ("kill-yourself" reads
 * as two words there), with the way back to the original.
 */
export function joinedPhrasesOf(input: string): TextView | null {
  if (!JOINABLE.test(input)) return null;
  let joined = '';
  const from: number[] = [];
  for (let i = 0; i < input.length; i++) {
    const ch = input[i]!;
    if (DASH.test(ch) && LETTER.test(input[i - 1] ?? '') && LETTER.test(input[i + 1] ?? '')) continue;
    const previous = input.charCodeAt(i - 1);
    const code = input.charCodeAt(i);
    if (previous >= 0x61 && previous <= 0x7a && code >= 0x41 && code <= 0x5a) {
      joined += ' ';
      from.push(i);
    }
    joined += ch;
    from.push(i);
  }
  const view = foldForPhrases(joined);
  return {
    text: view.text,
    original: input,
    toOriginal(start, end) {
      const span = view.toOriginal(start, end);
      if (span.end <= span.start) return { start: from[span.start] ?? input.length, end: from[span.start] ?? input.length };
      return { start: from[span.start]!, end: from[span.end - 1]! + 1 };
    },
  };
}

/** The views of one text; every view but the data view is built only when a detector asks for it. */
export interface TextViews {
  readonly original: string;
  readonly data: TextView;
  readonly words: TextView;
  readonly phrases: TextView;
  /** joinedPhrasesOf the text: null for most texts. */
  readonly joinedPhrases: TextView | null;
}

export function foldText(input: string): TextViews {
  const data = foldForData(input);
  let words: TextView | undefined;
  let phrases: TextView | undefined;
  let joined: TextView | null | undefined;
  return {
    original: input,
    data,
    get words() {
      return (words ??= foldForWords(input, data));
    },
    get phrases() {
      return (phrases ??= phrasesOf(this.words));
    },
    get joinedPhrases() {
      if (joined === undefined) joined = joinedPhrasesOf(input);
      return joined;
    },
  };
}
