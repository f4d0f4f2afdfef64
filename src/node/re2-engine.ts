// The Node implementation of RegexEngine, over node-re2 (Google RE2: linear time, no backtracking).
// This is the only module that imports `re2`; every detector pattern, built-in or tenant, compiles
// here. The match loop and the pattern cache are shared with Workers (guard/regex/global-pattern.ts).

import RE2 from 're2';
import { RegexCompileError, type RegexEngine } from '../guard/regex/engine.ts';
import { createCachingRegexEngine, flagString } from '../guard/regex/global-pattern.ts';

/**
 * Build the RE2-backed engine. Patterns RE2 rejects (lookaround, backreferences) throw RegexCompileError.
 * Compiled patterns are shared by (pattern, flags): the built-in injection and sponge rules take
 * ~0.3 s to compile with RE2.
 */
export function createRe2Engine(options: { maxCachedPatterns?: number } = {}): RegexEngine {
  return createCachingRegexEngine((pattern, flags) => {
    try {
      return new RE2(pattern, flagString(flags));
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new RegexCompileError(pattern, reason, { cause: error });
    }
  }, { ...options, linear: true });
}
