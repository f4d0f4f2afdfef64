// The classifier's featurizer, shared by training (scripts/train) and serving (src/classifier):
// text → normalised word tokens (with original offsets) → windows (sliding, or runs of blocks) → embedding-row ids
// (vocabulary words, hashed word bigrams, hashed character n-grams). Pure TypeScript with no Node
// APIs, so the same code runs on Workers with onnxruntime-web.

import { normalizeForMatching } from './normalize.ts';
import type { Span } from './normalize.ts';

/** Settings stored beside the model (models/*.json) so serving featurizes exactly as training did. */
export interface FeaturizerSettings {
  /** Row 1..V of the embedding table; row 0 is padding (all zeros). */
  readonly vocabulary: readonly string[];
  /** Hashed rows after the vocabulary, shared by word bigrams and character n-grams. */
  readonly buckets: number;
  readonly charNgramMin: number;
  readonly charNgramMax: number;
  /** Longest word n-gram (1 = unigrams only, 2 adds bigrams). */
  readonly wordNgrams: number;
  /**
   * Times a vocabulary word's own row is repeated in the window's ids (1 when absent), i.e. its
   * weight in the mean against its character n-grams (a 5-letter word has 12 of them).
   */
  readonly wordWeight?: number;
  /** Tokens per sliding window, and the step between windows for longer texts. */
  readonly windowTokens: number;
  readonly windowStride: number;
  /**
   * How a long text is cut into windows (a text of at most windowTokens tokens is one window in
   * both):
   * - 'sliding' (the default): a window every windowStride tokens, the last one flush with the
   *   text's end; a window holds the bigram of each of its tokens but its last.
   * - 'blocks': the same windows, cut into blocks of windowStride tokens (windowTokens must be a
   *   multiple of it): each window but the last is windowTokens / windowStride consecutive
   *   blocks, and the last one (flush with the text's end) is its own row unless it starts on a
   *   block. A block holds the bigram of each of its tokens that has a next token in the text (so
   *   a window also holds the bigram of its last token with the next one), and a window's ids are
   *   exactly its blocks' ids: the model pools each block once (featurizeBlocks; the ONNX graph
   *   sums block rows per window), half the gathered rows of 'sliding' at half-window strides.
   */
  readonly windowLayout?: 'sliding' | 'blocks';
}

export interface Token {
  /** Folded form (case, homoglyphs, leetspeak, repeated letters). */
  readonly text: string;
  /** Offsets in the original text. */
  readonly start: number;
  readonly end: number;
}

export interface FeatureWindow {
  /** Embedding-row ids of this window; never empty (an empty text yields the padding id). */
  readonly ids: Int32Array;
  /** Original-text range covered by the window's tokens. */
  readonly span: Span;
}

/** A text cut into blocks (windowLayout 'blocks'), and its windows as runs of blocks. */
export interface FeatureBlocks {
  /** Each block's embedding-row ids; never empty (a text without tokens is one padding block). */
  readonly blocks: readonly Int32Array[];
  /** Each window: its first block, how many blocks it holds, and the original-text range they cover. */
  readonly windows: ReadonlyArray<{ readonly first: number; readonly count: number; readonly span: Span }>;
}

export const PADDING_ID = 0;

/** Longest token (in UTF-16 units) whose character n-grams are used; longer ones are cut. */
const MAX_NGRAM_TOKEN_LENGTH = 24;

/**
 * Source and chat markup that carries no meaning but would let a model learn where a text came
 * from (retweet markers, @mentions, links, HTML entities, trailing runs of punctuation). Each match
 * is blanked with spaces of the same length, so offsets into the original stay valid.
 */
const MARKUP = /https?:\/\/\S+|www\.\S+|(?<![\p{L}\p{N}])@[\p{L}\p{N}_]+|<user>|\bURL\b|\bRT\b|&(?:[a-z]+|#\d+);|[!?.,;:|+]+(?=\s|$)/gu;

const WORD = /[\p{L}\p{N}]+/gu;
const REPEATED_LETTER = /(.)\1{2,}/gu;

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a 32-bit over UTF-16 code units: deterministic across runtimes, cheap, good enough spread. */
export function fnv1a32(text: string): number {
  return fnvExtend(FNV_OFFSET, text) >>> 0;
}

/** Continues an FNV-1a hash over `text`'s code units (the result is not yet made unsigned). */
function fnvExtend(hash: number, text: string): number {
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), FNV_PRIME);
  return hash;
}

/** What one token contributes to any window holding it, computed once per text (featurize). */
interface TokenFeatures {
  /** Its vocabulary row, repeated wordWeight times, then its character n-gram rows: idsFor's order. */
  readonly own: Int32Array;
  /** How many of `own` come before the bigram slot (the repeated word rows). */
  readonly wordRows: number;
  /** The bigram (this token, the next) row; -1 when there is no next token or no bigrams. */
  readonly bigram: number;
}

function blankMarkup(text: string): string {
  return text.replace(MARKUP, (match) => ' '.repeat(match.length));
}

/**
 * Whether some code point occurs three times in a row (what REPEATED_LETTER needs to match): three
 * equal units, or one surrogate pair three times. Most words have none, and the regex replace is
 * the costlier test.
 */
function hasTripleRepeat(word: string): boolean {
  for (let i = 0; i + 2 < word.length; i++) {
    const unit = word.charCodeAt(i);
    if (unit === word.charCodeAt(i + 1) && unit === word.charCodeAt(i + 2)) return true;
    if (i + 5 < word.length && unit === word.charCodeAt(i + 2) && unit === word.charCodeAt(i + 4) && word.charCodeAt(i + 1) === word.charCodeAt(i + 3) && word.charCodeAt(i + 1) === word.charCodeAt(i + 5)) return true;
  }
  return false;
}

/** Normalise (NFKC, case, zero-width, homoglyphs, leetspeak, spaced letters) and split into words. */
export function tokenize(text: string): Token[] {
  const normalized = normalizeForMatching(blankMarkup(text), { leetspeak: true, collapseSpacedLetters: true });
  const tokens: Token[] = [];
  for (const match of normalized.text.matchAll(WORD)) {
    const from = match.index;
    const to = from + match[0].length;
    tokens.push({
      // "fuuuuck" and "fuuck" share a form: runs of 3+ identical characters shrink to 2.
      text: hasTripleRepeat(match[0]) ? match[0].replace(REPEATED_LETTER, '$1$1') : match[0],
      start: normalized.starts[from]!,
      end: normalized.ends[to - 1]!,
    });
  }
  return tokens;
}

/** Word → row id lookup built once per model. */
export class Featurizer {
  readonly settings: FeaturizerSettings;
  private readonly wordIds: Map<string, number>;
  /** Ids below this are padding (0) or vocabulary words; hashed n-gram buckets start here. */
  readonly bucketBase: number;

  constructor(settings: FeaturizerSettings) {
    if (settings.windowLayout === 'blocks' && settings.windowTokens % settings.windowStride !== 0) throw new Error('the blocks window layout needs windowTokens to be a multiple of windowStride');
    this.settings = settings;
    this.wordIds = new Map(settings.vocabulary.map((word, i) => [word, i + 1]));
    this.bucketBase = settings.vocabulary.length + 1;
  }

  /** Rows in the embedding table: padding + vocabulary + buckets. */
  get rows(): number {
    return this.bucketBase + this.settings.buckets;
  }

  private bucket(key: string): number {
    return this.bucketBase + (fnv1a32(key) % this.settings.buckets);
  }

  /** Feature ids of tokens[from, to). */
  idsFor(tokens: readonly Token[], from = 0, to = tokens.length): Int32Array {
    const { charNgramMin, charNgramMax, wordNgrams, wordWeight = 1 } = this.settings;
    const ids: number[] = [];
    for (let t = from; t < to; t++) {
      const word = tokens[t]!.text;
      const wordId = this.wordIds.get(word);
      if (wordId !== undefined) for (let r = 0; r < wordWeight; r++) ids.push(wordId);
      if (wordNgrams >= 2 && t + 1 < to) ids.push(this.bucket(`w ${word} ${tokens[t + 1]!.text}`));
      const bounded = `<${word.slice(0, MAX_NGRAM_TOKEN_LENGTH)}>`;
      for (let n = charNgramMin; n <= charNgramMax; n++) {
        for (let i = 0; i + n <= bounded.length; i++) ids.push(this.bucket(bounded.slice(i, i + n)));
      }
    }
    if (ids.length === 0) ids.push(PADDING_ID);
    return Int32Array.from(ids);
  }

  /** Start indices of the sliding windows over `tokenCount` tokens (one window for short texts). */
  windowStarts(tokenCount: number): number[] {
    const { windowTokens, windowStride } = this.settings;
    if (tokenCount <= windowTokens) return [0];
    const starts: number[] = [];
    for (let s = 0; ; s += windowStride) {
      if (s + windowTokens >= tokenCount) {
        starts.push(Math.max(0, tokenCount - windowTokens));
        break;
      }
      starts.push(s);
    }
    return starts;
  }

  /**
   * Split a text into sliding windows of feature ids, each with its span in the original text.
   * The ids of each window are exactly `idsFor(tokens, start, end)`, but each token's rows are
   * computed once per text (windows overlap by half; a word that recurs is hashed once), and
   * n-grams are hashed over code units without building substrings.
   */
  featurize(text: string): FeatureWindow[] {
    return this.windowsOf(tokenize(text), text.length);
  }

  /** featurize over tokens already made (the trainer keeps each text's tokens); `textLength` spans a text without tokens. */
  windowsOf(tokens: readonly Token[], textLength: number): FeatureWindow[] {
    if (this.blockLayout) {
      const { blocks, windows } = this.blocksOf(tokens, textLength);
      return windows.map(({ first, count, span }) => ({ ids: concatenate(blocks.slice(first, first + count)), span }));
    }
    if (tokens.length === 0) return [{ ids: Int32Array.of(PADDING_ID), span: { start: 0, end: textLength } }];
    const features = this.tokenFeatures(tokens);
    return this.windowStarts(tokens.length).map((start) => {
      const end = Math.min(tokens.length, start + this.settings.windowTokens);
      return { ids: windowIds(features, start, end, end), span: { start: tokens[start]!.start, end: tokens[end - 1]!.end } };
    });
  }

  /** Whether windows are runs of blocks (windowLayout 'blocks'). */
  get blockLayout(): boolean {
    return this.settings.windowLayout === 'blocks';
  }

  /** Blocks per window in the 'blocks' layout (a whole number there: the constructor checks it). */
  get blocksPerWindow(): number {
    return this.settings.windowTokens / this.settings.windowStride;
  }

  /**
   * The 'blocks' layout (see FeaturizerSettings.windowLayout): a text's blocks of windowStride
   * tokens and its windows over them. Featurize's windows are these windows' blocks joined.
   */
  featurizeBlocks(text: string): FeatureBlocks {
    return this.blocksOf(tokenize(text), text.length);
  }

  private blocksOf(tokens: readonly Token[], textLength: number): FeatureBlocks {
    if (tokens.length === 0) return { blocks: [Int32Array.of(PADDING_ID)], windows: [{ first: 0, count: 1, span: { start: 0, end: textLength } }] };
    const features = this.tokenFeatures(tokens);
    const total = tokens.length;
    const span = (start: number, end: number): Span => ({ start: tokens[start]!.start, end: tokens[end - 1]!.end });
    // A short text is one window: one row.
    if (total <= this.settings.windowTokens) return { blocks: [windowIds(features, 0, total, total)], windows: [{ first: 0, count: 1, span: span(0, total) }] };
    const size = this.settings.windowStride;
    const perWindow = this.blocksPerWindow;
    const blocks: Int32Array[] = [];
    const windows: Array<{ first: number; count: number; span: Span }> = [];
    // The sliding layout's windows: every one but the last starts on a block; the last ends with
    // the text and is its own row unless it starts on a block too.
    for (const start of this.windowStarts(total)) {
      const end = start + this.settings.windowTokens;
      if (start % size === 0) {
        const first = start / size;
        while (blocks.length < first + perWindow) blocks.push(windowIds(features, blocks.length * size, (blocks.length + 1) * size, total));
        windows.push({ first, count: perWindow, span: span(start, end) });
      } else {
        blocks.push(windowIds(features, start, end, total));
        windows.push({ first: blocks.length - 1, count: 1, span: span(start, end) });
      }
    }
    return { blocks, windows };
  }

  private tokenFeatures(tokens: readonly Token[]): TokenFeatures[] {
    const { wordNgrams } = this.settings;
    const ownByWord = new Map<string, { own: Int32Array; wordRows: number }>();
    return tokens.map((token, t) => {
      const word = token.text;
      let entry = ownByWord.get(word);
      if (!entry) ownByWord.set(word, (entry = this.ownRows(word)));
      const next = tokens[t + 1];
      const bigram = wordNgrams >= 2 && next ? this.bucketBase + ((fnvExtend(fnvExtend(fnvExtend(FNV_OFFSET, 'w '), word), ` ${next.text}`) >>> 0) % this.settings.buckets) : -1;
      return { own: entry.own, wordRows: entry.wordRows, bigram };
    });
  }

  /** A word's vocabulary rows and character n-gram rows, in idsFor's order. */
  private ownRows(word: string): { own: Int32Array; wordRows: number } {
    const { charNgramMin, charNgramMax, wordWeight = 1, buckets } = this.settings;
    const bounded = `<${word.slice(0, MAX_NGRAM_TOKEN_LENGTH)}>`;
    const wordId = this.wordIds.get(word);
    const wordRows = wordId === undefined ? 0 : wordWeight;
    let ngrams = 0;
    for (let n = charNgramMin; n <= charNgramMax; n++) ngrams += Math.max(0, bounded.length - n + 1);
    const own = new Int32Array(wordRows + ngrams);
    let k = 0;
    for (; k < wordRows; k++) own[k] = wordId!;
    for (let n = charNgramMin; n <= charNgramMax; n++) {
      for (let i = 0; i + n <= bounded.length; i++) {
        let hash = FNV_OFFSET;
        for (let j = i; j < i + n; j++) hash = Math.imul(hash ^ bounded.charCodeAt(j), FNV_PRIME);
        own[k++] = this.bucketBase + ((hash >>> 0) % buckets);
      }
    }
    return { own, wordRows };
  }
}

/** The ids of consecutive blocks, in order. */
function concatenate(parts: readonly Int32Array[]): Int32Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Int32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * tokens[start, end)'s rows: each token's word rows, its bigram while the next token is before
 * `bigramEnd` (the window's end for 'sliding', the text's for a block), its n-grams.
 */
function windowIds(features: readonly TokenFeatures[], start: number, end: number, bigramEnd: number): Int32Array {
  let length = 0;
  for (let t = start; t < end; t++) {
    const f = features[t]!;
    length += f.own.length + (f.bigram >= 0 && t + 1 < bigramEnd ? 1 : 0);
  }
  if (length === 0) return Int32Array.of(PADDING_ID);
  const ids = new Int32Array(length);
  let k = 0;
  for (let t = start; t < end; t++) {
    const f = features[t]!;
    ids.set(f.own.subarray(0, f.wordRows), k);
    k += f.wordRows;
    if (f.bigram >= 0 && t + 1 < bigramEnd) ids[k++] = f.bigram;
    ids.set(f.own.subarray(f.wordRows), k);
    k += f.own.length - f.wordRows;
  }
  return ids;
}
