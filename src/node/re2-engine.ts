// The Node implementation of RegexEngine, over node-re2 (Google RE2: linear time, no backtracking).
// This is the only module that imports `re2`; every detector pattern, built-in or tenant, compiles
// here. The match loop and the pattern cache are shared with Workers (guard/regex/global-pattern.ts).

import RE2 from 're2';
import { RegexCompileError, type RegexEngine } from '../guard/regex/engine.ts';
import { createCachingRegexEngine, flagString } from '../guard/regex/global-pattern.ts';

/**
 * Build the RE2-backed engine. Patterns RE2 rejects (lookaround, backreferences) throw RegexCompileError.
 * Compiled patterns are shared by (pattern, flags). RE2 compiles each Unicode class (`\p{L}`,
 * `[^\p{L}\p{N}]`) into a large program, about 1 ms and tens of kilobytes an instance: the built-in
 * phrase rules use ASCII classes on the phrase view instead (guard/detectors/matching-view.ts).
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
