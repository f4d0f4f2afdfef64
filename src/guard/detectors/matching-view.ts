// The folded views every detector of a suite matches on (src/text/fold.ts: the data view for PII,
// secrets and tenant rules, the word view for keywords and minors rules, the phrase view for
// injection and sponge rules),
// computed once per text and shared by the whole suite, plus the span mapping back.

import { foldText, type TextView, type TextViews } from '../../text/fold.ts';
import type { Span } from '../../text/normalize.ts';
import type { CompiledPattern } from '../regex/engine.ts';
import type { PatternGate } from '../regex/pattern-gate.ts';

/**
 * A phrase detector's findings on the phrase view, plus those of rules that fire only once the
 * text's words are put back together ("ig-nore", "IgnoreAllPrevious": fold.ts joinedPhrasesOf).
 */
export function scanPhraseViews<F extends { readonly ruleId: string }>(views: TextViews, scan: (view: TextView) => F[]): F[] {
  const findings = scan(views.phrases);
  const joined = views.joinedPhrases;
  if (joined === null) return findings;
  const fired = new Set(findings.map((f) => f.ruleId));
  return [...findings, ...scan(joined).filter((f) => !fired.has(f.ruleId))];
}

/** Returns both folded views of a text (the word view built on first use). */
export type MatchingViews = (text: string) => TextViews;

/**
 * Character classes for rules on the phrase view (src/text/fold.ts), where every non-ASCII code point
 * is a letter or a number: the same matches as `\p{L}` / `[^\p{L}\p{N}]` there, at a fraction of
 * RE2's compile cost (the injection rules went from about 8.6 s to under 0.1 s). Both RE2 and
 * JavaScript's RegExp (Workers) read them under the `u` flag the engines always add.
 */
export const PHRASE_LETTER_RANGES = 'A-Za-z\\u0080-\\u{10FFFF}';
/** One letter. */
export const PHRASE_LETTER = `[${PHRASE_LETTER_RANGES}]`;
/** A letter or an apostrophe: one character of a filler word ("don't"). */
export const PHRASE_WORD_CHAR = `[${PHRASE_LETTER_RANGES}']`;
/** Neither a letter nor a number: one character of a separator. */
export const PHRASE_SEPARATOR = `[^${PHRASE_LETTER_RANGES}0-9]`;

/** The word view alone, for detectors that only match words. */
export type MatchingView = (text: string) => TextView;

/**
 * A one-entry memo: `runDetectors` hands the same string to each detector in turn, so the
 * folding runs once per text rather than once per detector.
 */
export function createMatchingViews(): MatchingViews {
  let lastInput: string | undefined;
  let lastViews: TextViews | undefined;
  return (text: string) => {
    if (lastViews !== undefined && lastInput === text) return lastViews;
    lastViews = foldText(text);
    lastInput = text;
    return lastViews;
  };
}

/** The word view of a shared memo (a fresh memo when none is given). */
export function wordViewOf(views: MatchingViews = createMatchingViews()): MatchingView {
  return (text) => views(text).words;
}

/** The phrase view of a shared memo (a fresh memo when none is given). */
export function phraseViewOf(views: MatchingViews = createMatchingViews()): MatchingView {
  return (text) => views(text).phrases;
}

/** Kept for callers that want the word view directly. */
export function createMatchingView(): MatchingView {
  return wordViewOf(createMatchingViews());
}

export interface ViewMatch {
  /** The matched text in the folded view. */
  readonly folded: string;
  /** Offsets into the folded view. */
  readonly foldedStart: number;
  readonly foldedEnd: number;
  /** Offsets into the original text. */
  readonly span: Span;
}

/** Run `pattern` on a folded view and map each match back to the original text. */
/**
 * Every match of every rule whose group's gate lets `view` through (createGateGroups), in rule
 * order: the scan loop of the phrase detectors, which skip a group whose gate cannot match.
 */
export function matchGatedRules<R extends { readonly compiled: CompiledPattern }>(groups: ReadonlyArray<{ readonly members: readonly R[]; readonly gate: PatternGate }>, view: TextView): Array<{ rule: R; match: ViewMatch }> {
  const hits: Array<{ rule: R; match: ViewMatch }> = [];
  for (const group of groups) {
    if (!group.gate.mayMatch(view.text)) continue;
    for (const rule of group.members) for (const match of matchOnView(rule.compiled, view)) hits.push({ rule, match });
  }
  return hits;
}

export function matchOnView(pattern: CompiledPattern, view: TextView): ViewMatch[] {
  return pattern.matchAll(view.text).map((m) => ({
    folded: m.text,
    foldedStart: m.start,
    foldedEnd: m.end,
    span: view.toOriginal(m.start, m.end),
  }));
}

/** Escape a literal for use inside an RE2 pattern. */
export function escapeRegexLiteral(literal: string): string {
  return literal.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
}

/** Whether a UTF-16 unit is an ASCII letter, digit or underscore (RE2's `\w`, used by `\b`). */
export function isAsciiWordChar(ch: string | undefined): boolean {
  if (ch === undefined || ch.length === 0) return false;
  const c = ch.charCodeAt(0);
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;
}
