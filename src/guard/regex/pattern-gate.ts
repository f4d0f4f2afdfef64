// One scan before many: a detector with N rules would otherwise scan each text N times (and on
// Node every RE2 call also converts the text to UTF-8), although most texts match none of them.
// The gate compiles the rules' alternation `(?:p1)|(?:p2)|…` once, at policy load; a text the gate
// does not match cannot match any single rule, so the per-rule scans run only after a hit. Never
// a way to miss: a pattern the alternation cannot safely hold (a backreference, whose group number
// would shift) or an alternation the engine refuses (too large) leaves the gate always open.

import type { CompiledPattern, RegexEngine } from './engine.ts';

export interface PatternGate {
  /** False only when none of the gated patterns can match `text`. */
  mayMatch(text: string): boolean;
}

const OPEN: PatternGate = { mayMatch: () => true };

/** `\1`…`\9` or `\k<name>` outside a character class: numbering that an alternation would shift. */
const BACKREFERENCE = /\\[1-9]|\\k</;

export function createPatternGate(engine: RegexEngine, patterns: readonly string[], flags = ''): PatternGate {
  if (patterns.length < 2 || patterns.some((pattern) => BACKREFERENCE.test(pattern))) return OPEN;
  let combined: CompiledPattern;
  try {
    combined = engine.compile(patterns.map((pattern) => `(?:${pattern})`).join('|'), flags);
  } catch {
    return OPEN;
  }
  return { mayMatch: (text) => combined.test(text) };
}
