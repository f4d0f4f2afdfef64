// The Workers implementation of RegexEngine: the platform's RegExp (there is no RE2 binding on
// Workers), accepting only the RE2-compatible subset (re2-subset.ts), so every pattern that
// compiles here compiles on Node's RE2 too. Same flags and match contract as src/node/re2-engine.ts.
// Unlike RE2, RegExp backtracks: see README "Workers" for what that means for tenant patterns.

import { LRUCache } from 'lru-cache';
import { RegexCompileError, type CompiledPattern, type RegexEngine, type RegexMatch } from '../guard/regex/engine.ts';
import { Re2SubsetError, toRe2Subset } from './re2-subset.ts';

/** Flags a caller may ask for; `g` and `u` are always added (global scan, code-point semantics). */
const ALLOWED_FLAGS = new Set(['i', 'm', 's', 'g', 'u']);

class RegExpPattern implements CompiledPattern {
  readonly source: string;
  readonly #regex: RegExp;

  constructor(source: string, regex: RegExp) {
    this.source = source;
    this.#regex = regex;
  }

  matchAll(text: string): RegexMatch[] {
    const regex = this.#regex;
    const matches: RegexMatch[] = [];
    regex.lastIndex = 0;
    for (let m = regex.exec(text); m !== null; m = regex.exec(text)) {
      const start = m.index;
      const matched = m[0];
      matches.push({ start, end: start + matched.length, text: matched });
      if (matched.length === 0) {
        // Step over an empty match by a whole code point so a surrogate pair is never split.
        const code = text.charCodeAt(start);
        regex.lastIndex = start + (code >= 0xd800 && code <= 0xdbff ? 2 : 1);
        if (regex.lastIndex > text.length) break;
      }
    }
    regex.lastIndex = 0;
    return matches;
  }

  test(text: string): boolean {
    const regex = this.#regex;
    regex.lastIndex = 0;
    const found = regex.test(text);
    regex.lastIndex = 0;
    return found;
  }
}

/** Checks `pattern` against the RE2 subset and compiles it; throws RegexCompileError like the RE2 engine. */
export function compileRe2Subset(pattern: string, flags = ''): RegExp {
  const wanted = new Set<string>(['g', 'u']);
  for (const flag of flags) {
    if (!ALLOWED_FLAGS.has(flag)) throw new RegexCompileError(pattern, `unsupported flag "${flag}"`);
    wanted.add(flag);
  }
  let subset;
  try {
    subset = toRe2Subset(pattern, flags);
  } catch (error) {
    if (error instanceof Re2SubsetError) throw new RegexCompileError(pattern, error.message, { cause: error });
    throw error;
  }
  for (const flag of subset.inlineFlags) wanted.add(flag);
  try {
    return new RegExp(subset.source, [...wanted].sort().join(''));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new RegexCompileError(pattern, reason, { cause: error });
  }
}

/** Compiled patterns are shared by (pattern, flags), as on Node: a compiled pattern keeps no state between calls. */
export function createRegExpEngine(options: { maxCachedPatterns?: number } = {}): RegexEngine {
  const compiled = new LRUCache<string, CompiledPattern>({ max: options.maxCachedPatterns ?? 4096 });
  return {
    compile(pattern: string, flags = ''): CompiledPattern {
      const key = `${[...new Set(flags)].sort().join('')}/${pattern}`;
      const cached = compiled.get(key);
      if (cached) return cached;
      const result = new RegExpPattern(pattern, compileRe2Subset(pattern, flags));
      compiled.set(key, result);
      return result;
    },
  };
}
