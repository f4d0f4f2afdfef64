// The runtime-free half of every RegexEngine: the flags a caller may ask for, the match loop over a
// global regex (RE2 on Node and RegExp on Workers have the same exec/lastIndex surface), and the
// cache that shares compiled patterns by (pattern, flags). Each runtime supplies only the compile.

import { LRUCache } from 'lru-cache';
import { RegexCompileError, type CompiledPattern, type RegexEngine, type RegexMatch } from './engine.ts';

/** The part of RegExp (and of node-re2's RE2) the match loop uses. */
export interface GlobalRegex {
  lastIndex: number;
  exec(text: string): { index: number; 0: string } | null;
  test(text: string): boolean;
}

/** Flags a caller may ask for; `g` and `u` are always added (global scan, code-point semantics). */
const ALLOWED_FLAGS = new Set(['i', 'm', 's', 'g', 'u']);

/** The flags to compile with: the caller's, checked, plus `g` and `u`. Throws RegexCompileError on another letter. */
export function compileFlags(pattern: string, flags: string): Set<string> {
  const wanted = new Set<string>(['g', 'u']);
  for (const flag of flags) {
    if (!ALLOWED_FLAGS.has(flag)) throw new RegexCompileError(pattern, `unsupported flag "${flag}"`);
    wanted.add(flag);
  }
  return wanted;
}

export const flagString = (flags: ReadonlySet<string>): string => [...flags].sort().join('');

/** A compiled global regex; it keeps no state between calls (lastIndex is reset around each scan), so it may be shared. */
export class GlobalPattern implements CompiledPattern {
  readonly source: string;
  readonly #regex: GlobalRegex;

  constructor(source: string, regex: GlobalRegex) {
    this.source = source;
    this.#regex = regex;
  }

  matchAll(text: string): RegexMatch[] {
    const regex = this.#regex;
    const matches: RegexMatch[] = [];
    regex.lastIndex = 0;
    // Offsets are UTF-16 code units for both engines (node-re2 verified in test/node/re2-engine.test.ts).
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
 * An engine over `compile` (which gets the checked flags and returns the runtime's global regex),
 * sharing compiled patterns by (pattern, flags): the built-in injection and sponge rules take a
 * noticeable time to compile, and every profile and every policy reload asks for them again.
 */
export function createCachingRegexEngine(compile: (pattern: string, flags: ReadonlySet<string>) => GlobalRegex, options: { maxCachedPatterns?: number; linear?: boolean } = {}): RegexEngine {
  const compiled = new LRUCache<string, CompiledPattern>({ max: options.maxCachedPatterns ?? 4096 });
  return {
    linear: options.linear ?? false,
    compile(pattern: string, flags = ''): CompiledPattern {
      const wanted = compileFlags(pattern, flags);
      const key = `${flagString(wanted)}/${pattern}`;
      const cached = compiled.get(key);
      if (cached) return cached;
      const result = new GlobalPattern(pattern, compile(pattern, wanted));
      compiled.set(key, result);
      return result;
    },
  };
}
