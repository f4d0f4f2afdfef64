// The regular-expression engine the cascade compiles every pattern with. On Node it is RE2
// (linear time, no backtracking), so a tenant's pattern can never stall the proxy; other runtimes
// supply their own implementation of this contract.

export interface RegexMatch {
  /** UTF-16 offsets into the searched string. */
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

export interface CompiledPattern {
  readonly source: string;
  /** All non-overlapping matches, left to right. */
  matchAll(text: string): RegexMatch[];
  test(text: string): boolean;
}

export interface RegexEngine {
  /**
   * Compile `pattern`; `flags` uses JavaScript letters (i, m, s). Throws RegexCompileError when the
   * engine rejects the pattern (e.g. RE2 has no lookaround or backreferences).
   */
  compile(pattern: string, flags?: string): CompiledPattern;
  /**
   * True when matching is linear in the text whatever the pattern (RE2). Pattern gates
   * (pattern-gate.ts) are built only then: their loosened alternations would backtrack badly.
   */
  readonly linear?: boolean;
}

export class RegexCompileError extends Error {
  readonly pattern: string;
  constructor(pattern: string, reason: string, options?: { cause?: unknown }) {
    super(`invalid pattern /${pattern}/: ${reason}`, options);
    this.name = 'RegexCompileError';
    this.pattern = pattern;
  }
}
