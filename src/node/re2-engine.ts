// The Node implementation of RegexEngine, over node-re2 (Google RE2: linear time, no backtracking).
// This is the only module that imports `re2`; every detector pattern, built-in or tenant, compiles here.

import { LRUCache } from 'lru-cache';
import RE2 from 're2';
import { RegexCompileError, type CompiledPattern, type RegexEngine, type RegexMatch } from '../guard/regex/engine.ts';

/** Flags a caller may ask for; `g` and `u` are always added (global scan, code-point semantics). */
const ALLOWED_FLAGS = new Set(['i', 'm', 's', 'g', 'u']);

function normaliseFlags(pattern: string, flags: string): string {
  const wanted = new Set<string>(['g', 'u']);
  for (const flag of flags) {
    if (!ALLOWED_FLAGS.has(flag)) throw new RegexCompileError(pattern, `unsupported flag "${flag}"`);
    wanted.add(flag);
  }
  return [...wanted].sort().join('');
}

class Re2Pattern implements CompiledPattern {
  readonly source: string;
  readonly #regex: InstanceType<typeof RE2>;

  constructor(source: string, regex: InstanceType<typeof RE2>) {
    this.source = source;
    this.#regex = regex;
  }

  matchAll(text: string): RegexMatch[] {
    const regex = this.#regex;
    const matches: RegexMatch[] = [];
    regex.lastIndex = 0;
    // node-re2 reports `index` and `lastIndex` in UTF-16 code units for JS strings (verified in
    // test/node/re2-engine.test.ts with astral characters before the match), so no conversion here.
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

/**
 * Build the RE2-backed engine. Patterns RE2 rejects (lookaround, backreferences) throw RegexCompileError.
 * Compiled patterns are shared by (pattern, flags): the built-in injection and sponge rules take
 * ~0.3 s to compile, and every profile and every policy reload asks for them again. Sharing is safe
 * because a compiled pattern keeps no state between calls (lastIndex is reset around each scan).
 */
export function createRe2Engine(options: { maxCachedPatterns?: number } = {}): RegexEngine {
  const compiled = new LRUCache<string, CompiledPattern>({ max: options.maxCachedPatterns ?? 4096 });
  return {
    compile(pattern: string, flags = ''): CompiledPattern {
      const effectiveFlags = normaliseFlags(pattern, flags);
      const key = `${effectiveFlags}/${pattern}`;
      const cached = compiled.get(key);
      if (cached) return cached;
      let regex: InstanceType<typeof RE2>;
      try {
        regex = new RE2(pattern, effectiveFlags);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new RegexCompileError(pattern, reason, { cause: error });
      }
      const result = new Re2Pattern(pattern, regex);
      compiled.set(key, result);
      return result;
    },
  };
}
