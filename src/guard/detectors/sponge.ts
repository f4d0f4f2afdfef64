// Sponge-attack pre-filter (inputs built to burn compute): extreme length, extreme repetition of a
// character, token or n-gram, and requests to repeat something forever. Repetition is measured in
// linear time as the longest periodic stretch of the text.

import type { Span } from '../../text/normalize.ts';
import type { RegexEngine } from '../regex/engine.ts';
import type { Finding, TextDetector } from '../types.ts';
import { matchOnView, phraseViewOf, PHRASE_LETTER_RANGES, PHRASE_SEPARATOR, type MatchingView } from './matching-view.ts';

export interface SpongeOptions {
  maxChars: number;
  /** Fraction of the text (0..1) a single repeated stretch may cover before it is flagged. */
  maxRepeatedRatio: number;
}

/** Repeated stretches shorter than this are ordinary ("ha ha ha", "!!!"). */
const MIN_REPEATED_CHARS = 128;
/** A repeated stretch this long is flagged whatever its share of the text. */
const EXTREME_REPEATED_CHARS = 4096;
/** Character periods tried ("aaaa", "abab", "🙂🙂", "hahaha") and token periods (n-grams up to 64 words). */
const MAX_CHAR_PERIOD = 16;
const MAX_TOKEN_PERIOD = 64;
/** Texts are analysed up to this length; longer ones are already flagged as too long. */
const MAX_ANALYSED_CHARS = 200_000;
const MIN_TOKENS_FOR_DIVERSITY = 256;
const MIN_DISTINCT_TOKEN_RATIO = 0.05;

/** Positions sampled per period: every periodic stretch of MIN_REPEATED_CHARS or more holds one (see longestCharRepetition). */
const CHAR_SAMPLE_STRIDE = 64;

/**
 * Longest stretch that repeats itself with some period p ≤ MAX_CHAR_PERIOD (at least one whole
 * period repeated), exact for stretches of at least MIN_REPEATED_CHARS chars; shorter ones may be
 * missed (they are never flagged). A stretch of length L with period p has L − p consecutive
 * positions i where text[i] = text[i − p]; with L ≥ MIN_REPEATED_CHARS that is at least
 * MIN_REPEATED_CHARS − MAX_CHAR_PERIOD = 112 ≥ CHAR_SAMPLE_STRIDE, so testing every 64th position
 * finds each such stretch, which is then extended both ways: about n/64 tests per period, not n.
 */
export function longestCharRepetition(text: string): Span {
  let bestStart = 0;
  let bestEnd = 0;
  const n = Math.min(text.length, MAX_ANALYSED_CHARS);
  const same = (i: number, p: number) => text.charCodeAt(i) === text.charCodeAt(i - p);
  for (let p = 1; p <= MAX_CHAR_PERIOD; p++) {
    for (let k = p; k < n; k += CHAR_SAMPLE_STRIDE) {
      if (!same(k, p)) continue;
      let first = k;
      while (first - 1 >= p && same(first - 1, p)) first--;
      let last = k;
      while (last + 1 < n && same(last + 1, p)) last++;
      const run = last - first + 1;
      if (run >= p && run + p > bestEnd - bestStart) {
        bestStart = first - p;
        bestEnd = last + 1;
      }
      // Go on from the first sample after this run (the loop adds the stride).
      k = p + Math.floor((last - p) / CHAR_SAMPLE_STRIDE) * CHAR_SAMPLE_STRIDE;
    }
  }
  return { start: bestStart, end: bestEnd };
}

interface Tokens {
  ids: Int32Array;
  starts: Uint32Array;
  ends: Uint32Array;
  distinct: number;
}

function tokenize(text: string): Tokens {
  const ids: number[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  const vocabulary = new Map<string, number>();
  const n = Math.min(text.length, MAX_ANALYSED_CHARS);
  let i = 0;
  while (i < n) {
    while (i < n && isSpace(text.charCodeAt(i))) i++;
    const start = i;
    while (i < n && !isSpace(text.charCodeAt(i))) i++;
    if (i > start) {
      const word = text.slice(start, i).toLowerCase();
      let id = vocabulary.get(word);
      if (id === undefined) vocabulary.set(word, (id = vocabulary.size));
      ids.push(id);
      starts.push(start);
      ends.push(i);
    }
  }
  return { ids: Int32Array.from(ids), starts: Uint32Array.from(starts), ends: Uint32Array.from(ends), distinct: vocabulary.size };
}

const isSpace = (c: number) => c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0xa0 || c === 0x3000;

/** Longest stretch of tokens repeating with period p ≤ MAX_TOKEN_PERIOD ("buy now buy now …"), as a character span. */
function longestTokenRepetition(tokens: Tokens): Span {
  let bestFirst = 0;
  let bestLast = -1;
  const n = tokens.ids.length;
  for (let p = 1; p <= MAX_TOKEN_PERIOD && p < n; p++) {
    let run = 0;
    for (let i = p; i < n; i++) {
      if (tokens.ids[i] === tokens.ids[i - p]) {
        run++;
        if (run >= p && run + p > bestLast - bestFirst + 1) {
          bestFirst = i - run - p + 1;
          bestLast = i;
        }
      } else {
        run = 0;
      }
    }
  }
  if (bestLast < 0) return { start: 0, end: 0 };
  return { start: tokens.starts[bestFirst]!, end: tokens.ends[bestLast]! };
}

/** Bounded separator between words on the phrase view (src/text/fold.ts). */
const SEP = `${PHRASE_SEPARATOR}{1,4}`;
const phrase = (words: string) => words.split(' ').join(SEP);

/** "repeat the word X forever", "say 'poem' a million times", "write hello 10000 times". */
const REPEAT_FOREVER = [
  `\\b(?:repeat|say|write|print|output|type|generate|spell)${SEP}(?:the${SEP})?`,
  `(?:(?:word|phrase|letter|string|sentence|following|this|that|it)${SEP})?`,
  `(?:[${PHRASE_LETTER_RANGES}0-9"']{1,30}${SEP}){0,6}`,
  '(?:',
  ['forever', 'indefinitely', 'infinitely', 'endlessly', 'non-?stop', phrase('without stopping'), phrase('until the end of time'), phrase('an infinite number of times'), phrase('to infinity')].join('|'),
  `|(?:\\d{4,}|${phrase('a million')}|${phrase('a billion')}|${phrase('a thousand')}|${phrase('thousands of')}|${phrase('millions of')})${SEP}times`,
  ')',
].join('');

export function createSpongeDetector(options: SpongeOptions, engine: RegexEngine, view: MatchingView = phraseViewOf()): TextDetector {
  const { maxChars, maxRepeatedRatio } = options;
  const repeatForever = engine.compile(REPEAT_FOREVER);
  const finding = (ruleId: string, score: number, span: Span): Finding => ({
    detector: 'sponge_attack',
    ruleId,
    category: 'sponge',
    score,
    span,
  });

  function repetitionFindings(text: string): Finding[] {
    const findings: Finding[] = [];
    const analysed = Math.min(text.length, MAX_ANALYSED_CHARS);
    const tokens = tokenize(text);
    const charSpan = longestCharRepetition(text);
    const tokenSpan = longestTokenRepetition(tokens);
    const repeated = charSpan.end - charSpan.start >= tokenSpan.end - tokenSpan.start ? charSpan : tokenSpan;
    const repeatedChars = repeated.end - repeated.start;
    const ratio = repeatedChars / analysed;
    if ((repeatedChars >= MIN_REPEATED_CHARS && ratio >= maxRepeatedRatio) || repeatedChars >= EXTREME_REPEATED_CHARS) {
      findings.push(finding('sponge.repetition', 1, repeated));
    }
    const total = tokens.ids.length;
    if (total >= MIN_TOKENS_FOR_DIVERSITY && tokens.distinct / total < MIN_DISTINCT_TOKEN_RATIO) {
      findings.push(finding('sponge.low_diversity', 0.9, { start: 0, end: analysed }));
    }
    return findings;
  }

  const lengthCheck = (text: string): Finding[] => (text.length > maxChars ? [finding('sponge.too_long', 1, { start: maxChars, end: text.length })] : []);

  return {
    name: 'sponge_attack',
    lengthCheck,
    detect(text: string): Finding[] {
      const findings = lengthCheck(text);

      // A text shorter than MIN_REPEATED_CHARS can hold no flagged repetition, nor enough tokens to judge diversity.
      if (text.length >= MIN_REPEATED_CHARS) findings.push(...repetitionFindings(text));
      for (const m of matchOnView(repeatForever, view(text))) findings.push(finding('sponge.repeat_forever', 0.9, m.span));
      return findings;
    },
  };
}
