import { describe, expect, it } from 'vitest';
import { RegexCompileError } from '../../src/guard/regex/engine.ts';
import { createRe2Engine } from '../../src/node/re2-engine.ts';

const engine = createRe2Engine();

describe('createRe2Engine', () => {
  it('reports UTF-16 offsets after astral characters and non-Latin text', () => {
    const text = '😀👍🏽 Привет 你好 مرحبا secret-42 and secret-7';
    const matches = engine.compile('secret-\\d+').matchAll(text);
    expect(matches.map((m) => text.slice(m.start, m.end))).toEqual(['secret-42', 'secret-7']);
    expect(matches[0]!.start).toBe(text.indexOf('secret-42'));
    expect(matches[0]!.text).toBe('secret-42');
  });

  it('matches code points, not bytes, with the unicode flag always on', () => {
    const matches = engine.compile('^.$').matchAll('😀');
    expect(matches).toEqual([{ start: 0, end: 2, text: '😀' }]);
  });

  it('applies the i, m and s flags', () => {
    expect(engine.compile('hello', 'i').test('HeLLo')).toBe(true);
    expect(engine.compile('^b$', 'm').matchAll('a\nb\nc')).toHaveLength(1);
    expect(engine.compile('a.b', 's').test('a\nb')).toBe(true);
    expect(engine.compile('a.b').test('a\nb')).toBe(false);
  });

  it('steps over empty matches without splitting surrogate pairs', () => {
    const matches = engine.compile('x*').matchAll('😀x');
    expect(matches.map((m) => m.start)).toEqual([0, 2, 3]);
  });

  it('is reusable: test and matchAll do not leak lastIndex state', () => {
    const pattern = engine.compile('ab');
    expect(pattern.test('ab')).toBe(true);
    expect(pattern.test('ab')).toBe(true);
    expect(pattern.matchAll('ab ab')).toHaveLength(2);
    expect(pattern.matchAll('ab ab')).toHaveLength(2);
  });

  it('rejects lookaround and backreferences with RegexCompileError', () => {
    expect(() => engine.compile('(?=secret)\\w+')).toThrow(RegexCompileError);
    expect(() => engine.compile('(a)\\1')).toThrow(RegexCompileError);
    expect(() => engine.compile('abc', 'y')).toThrow(/unsupported flag/);
  });

  it('finishes a catastrophic-backtracking pattern on a long input', () => {
    const text = 'a'.repeat(100_000) + '!';
    expect(engine.compile('(a+)+$').test(text)).toBe(false);
    expect(engine.compile('(a|aa)*b').matchAll(text)).toEqual([]);
  });
});

describe('createRe2Engine pattern sharing', () => {
  it('compiles a pattern once and reuses it for the same flags only', () => {
    const engine = createRe2Engine();
    const first = engine.compile('a+b', 'i');
    expect(engine.compile('a+b', 'i')).toBe(first);
    expect(engine.compile('a+b')).not.toBe(first);
    // A shared pattern carries no scan state from one caller to the next.
    expect(first.matchAll('xaab AB')).toHaveLength(2);
    expect(engine.compile('a+b', 'i').matchAll('ab')).toEqual([{ start: 0, end: 2, text: 'ab' }]);
  });
});
