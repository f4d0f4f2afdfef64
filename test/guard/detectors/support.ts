// Shared helpers for detector tests: one RE2 engine, and findings rendered as the text they cover.

import type { Finding } from '../../../src/guard/types.ts';
import { createRe2Engine } from '../../../src/node/re2-engine.ts';

export const engine = createRe2Engine();

/** `ruleId: "covered text"` for each finding, so assertions check exact offsets. */
export function covered(text: string, findings: readonly Finding[]): string[] {
  return findings.map((f) => `${f.ruleId}: ${f.span ? text.slice(f.span.start, f.span.end) : '<no span>'}`);
}

export function ruleIds(findings: readonly Finding[]): string[] {
  return [...new Set(findings.map((f) => f.ruleId))];
}

/** Text in several scripts and astral emoji, put before a match to prove spans are UTF-16 exact. */
export const MIXED_PREFIX = '👩‍👩‍👧‍👦😀 Привет, 你好世界, مرحبا بالعالم 🇺🇦 — ';
