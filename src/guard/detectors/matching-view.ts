// The folded view of a text that keyword, regex, injection, sponge and minors detectors match on,
// computed once per text and shared by every detector of a suite, plus the span mapping back.

import { normalizeForMatching, toOriginalSpan, type NormalizedText, type Span } from '../../text/normalize.ts';
import type { CompiledPattern } from '../regex/engine.ts';

/** Returns the matching view (NFKC, case, zero-width, homoglyph, leetspeak, spaced letters folded). */
export type MatchingView = (text: string) => NormalizedText;

/**
 * A one-entry memo: `runDetectors` hands the same string to each detector in turn, so the
 * normalisation runs once per text rather than once per detector.
 */
export function createMatchingView(): MatchingView {
  let lastInput: string | undefined;
  let lastView: NormalizedText | undefined;
  return (text: string) => {
    if (lastView !== undefined && lastInput === text) return lastView;
    lastView = normalizeForMatching(text, { leetspeak: true, collapseSpacedLetters: true });
    lastInput = text;
    return lastView;
  };
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

/** Run `pattern` on the folded view and map each match back to the original text. */
export function matchOnView(pattern: CompiledPattern, view: NormalizedText): ViewMatch[] {
  return pattern.matchAll(view.text).map((m) => ({
    folded: m.text,
    foldedStart: m.start,
    foldedEnd: m.end,
    span: toOriginalSpan(view, m.start, m.end),
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
