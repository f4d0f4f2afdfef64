// The Workers implementation of RegexEngine: the platform's RegExp (there is no RE2 binding on
// Workers), accepting only the RE2-compatible subset (re2-subset.ts), so every pattern that
// compiles here compiles on Node's RE2 too. Same flags and match contract as src/node/re2-engine.ts.
// Unlike RE2, RegExp backtracks: see README "Workers" for what that means for tenant patterns.

import { RegexCompileError, type RegexEngine } from '../guard/regex/engine.ts';
import { compileFlags, createCachingRegexEngine, flagString } from '../guard/regex/global-pattern.ts';
import { Re2SubsetError, toRe2Subset } from './re2-subset.ts';

/** Checks `pattern` against the RE2 subset and compiles it; throws RegexCompileError like the RE2 engine. */
export function compileRe2Subset(pattern: string, flags = ''): RegExp {
  return compileSubset(pattern, flags, compileFlags(pattern, flags));
}

function compileSubset(pattern: string, flags: string, checked: ReadonlySet<string>): RegExp {
  const wanted = new Set(checked);
  let subset;
  try {
    subset = toRe2Subset(pattern, flags);
  } catch (error) {
    if (error instanceof Re2SubsetError) throw new RegexCompileError(pattern, error.message, { cause: error });
    throw error;
  }
  for (const flag of subset.inlineFlags) wanted.add(flag);
  try {
    return new RegExp(subset.source, flagString(wanted));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new RegexCompileError(pattern, reason, { cause: error });
  }
}

/** Compiled patterns are shared by (pattern, flags), as on Node: a compiled pattern keeps no state between calls. */
export function createRegExpEngine(options: { maxCachedPatterns?: number } = {}): RegexEngine {
  return createCachingRegexEngine((pattern, flags) => compileSubset(pattern, [...flags].join(''), flags), options);
}
