// One scan before many: a detector with N rules would otherwise scan each text N times (and on
// Node every RE2 call also converts the text to UTF-8), although most texts match none of them.
// The gate compiles the rules' alternation `(?:p1)|(?:p2)|…` once, at policy load; a text the gate
// does not match cannot match any single rule, so the per-rule scans run only after a hit. The gate
// may be looser than its rules (a superset is enough): every character class and `\p{…}` becomes any
// character and counted repeats become `+` / `*`, since RE2 compiles each Unicode class into a large
// program (and `[^\p{L}]{1,6}` into six of them), and a few dozen rules would exceed its program size;
// what is left is the rules' literal skeleton, which is what rejects a clean text. Never a way to miss: a pattern the alternation cannot safely hold (a backreference,
// whose group number would shift), an alternation the engine refuses, or an engine that backtracks
// (JavaScript's RegExp on Workers: `(?:[\s\S]+[\s\S]+)*` would be exponential there) leaves the gate
// always open.

import type { CompiledPattern, RegexEngine } from './engine.ts';

export interface PatternGate {
  /** False only when none of the gated patterns can match `text`. */
  mayMatch(text: string): boolean;
}

const OPEN: PatternGate = { mayMatch: () => true };

/** Rules per gate: small enough that each loosened alternation stays well inside RE2's DFA memory (measured in docs/performance.md). */
export const GATE_SIZE = 16;

/** `items` in runs of `size`, in order, each run behind one gate over its patterns. */
export function createGateGroups<T>(engine: RegexEngine, items: readonly T[], patternOf: (item: T) => string, flags = '', size = GATE_SIZE): Array<{ members: T[]; gate: PatternGate }> {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, g) => {
    const members = items.slice(g * size, (g + 1) * size);
    return { members, gate: createPatternGate(engine, members.map(patternOf), flags) };
  });
}

/** `\1`…`\9` or `\k<name>` outside a character class: numbering that an alternation would shift. */
const BACKREFERENCE = /\\[1-9]|\\k</;

export function createPatternGate(engine: RegexEngine, patterns: readonly string[], flags = ''): PatternGate {
  if (!engine.linear || patterns.length < 2 || patterns.some((pattern) => BACKREFERENCE.test(pattern))) return OPEN;
  let combined: CompiledPattern;
  try {
    combined = engine.compile(patterns.map((pattern) => `(?:${loosenForGate(pattern)})`).join('|'), flags);
  } catch {
    return OPEN;
  }
  return { mayMatch: (text) => combined.test(text) };
}

/** Flags a rule may carry that RE2 also accepts inline, as `(?i:…)`. */
const INLINE_FLAGS = /^[ims]*$/;

/**
 * A gate that is exact: the alternation of the rules as written, each with its own flags inline, so
 * `mayMatch` is true exactly when one of them matches. For rules in ASCII classes (the PII and secret
 * rules), which RE2 holds unloosened; a loosened alternation of them would match nearly any text (a
 * run of 24 token characters becomes "any one character or more"). Falls back to the loosened gate
 * when the engine refuses the alternation, and is always open where createPatternGate would be.
 */
export function createExactGate(engine: RegexEngine, rules: ReadonlyArray<{ readonly pattern: string; readonly flags?: string }>): PatternGate {
  if (!engine.linear || rules.length < 2 || rules.some((rule) => BACKREFERENCE.test(rule.pattern) || !INLINE_FLAGS.test(rule.flags ?? ''))) return OPEN;
  try {
    const combined = engine.compile(rules.map(({ pattern, flags }) => (flags ? `(?${flags}:${pattern})` : `(?:${pattern})`)).join('|'));
    return { mayMatch: (text) => combined.test(text) };
  } catch {
    return rules.every((rule) => !rule.flags) ? createPatternGate(engine, rules.map((rule) => rule.pattern)) : OPEN;
  }
}

/** Any one character, written so that both RE2 and JavaScript's RegExp (Workers) accept it. */
const ANY_CHARACTER = '[\\s\\S]';

/**
 * `pattern` loosened so that it matches everything `pattern` matches, and more: every character class
 * (`[^\p{L}\p{N}]`) and Unicode property escape (`\p{L}`) becomes any one character, and every counted
 * repeat `{m,n}`, `{m,}` or `{m}` becomes `+` (m ≥ 1) or `*` (m = 0). Other escapes are copied as they are.
 */
export function loosenForGate(pattern: string): string {
  let out = '';
  let i = 0;
  while (i < pattern.length) {
    const ch = pattern[i]!;
    if (ch === '\\') {
      const next = pattern[i + 1] ?? '';
      const named = (next === 'p' || next === 'P') && pattern[i + 2] === '{' ? pattern.indexOf('}', i + 2) : -1;
      const end = named >= 0 ? named + 1 : i + 2;
      out += named >= 0 ? ANY_CHARACTER : pattern.slice(i, end);
      i = end;
    } else if (ch === '[') {
      let j = i + 1;
      if (pattern[j] === '^') j++;
      if (pattern[j] === ']') j++;
      while (j < pattern.length && pattern[j] !== ']') {
        const posix = pattern.startsWith('[:', j) ? pattern.indexOf(':]', j + 2) : -1;
        j = pattern[j] === '\\' ? j + 2 : posix >= 0 ? posix + 2 : j + 1;
      }
      out += ANY_CHARACTER;
      i = j + 1;
    } else if (ch === '{') {
      const repeat = /^\{(\d+)(?:,(\d*))?\}/.exec(pattern.slice(i));
      if (!repeat) {
        out += ch;
        i++;
        continue;
      }
      out += Number(repeat[1]) >= 1 ? '+' : '*';
      i += repeat[0].length;
    } else {
      out += ch;
      i++;
    }
  }
  return out;
}
