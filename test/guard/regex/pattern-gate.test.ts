import { describe, expect, it } from 'vitest';
import { createExactGate, createGateGroups, createPatternGate, loosenForGate } from '../../../src/guard/regex/pattern-gate.ts';
import { buildDetectors } from '../../../src/guard/detectors/index.ts';
import { PII_TYPES, SECRET_TYPES } from '../../../src/policy/profiles/detector-options.ts';
import { INJECTION_RULES } from '../../../src/guard/detectors/injection.ts';
import { foldForWords } from '../../../src/text/fold.ts';
import { INJECTION_HELDOUT } from '../../../fixtures/security/injection-heldout.ts';
import { INJECTION_SET } from '../../../fixtures/security/injection-set.ts';
import type { RegexEngine } from '../../../src/guard/regex/engine.ts';
import { createRegexDetector } from '../../../src/guard/detectors/regex.ts';
import { SEXUAL_MINORS_RULES } from '../../../src/guard/detectors/minors.ts';
import { createRe2Engine } from '../../../src/node/re2-engine.ts';
import type { RegexRuleOptions } from '../../../src/policy/profiles/detector-options.ts';

const engine = createRe2Engine();

/** An engine that counts the scans it runs, to show the gate saves them. */
function countingEngine(): { engine: RegexEngine; scans: () => number } {
  let scans = 0;
  return {
    scans: () => scans,
    engine: {
      linear: true,
      compile(pattern, flags) {
        const compiled = engine.compile(pattern, flags);
        return {
          source: compiled.source,
          matchAll: (text) => (scans++, compiled.matchAll(text)),
          test: (text) => (scans++, compiled.test(text)),
        };
      },
    },
  };
}

describe('createPatternGate', () => {
  it('opens exactly when one of its patterns matches', () => {
    const gate = createPatternGate(engine, ['^ticket-\\d+$', 'kill\\s+(?:all|every)', '(?i)secret'], 'm');
    expect(gate.mayMatch('ticket-42')).toBe(true);
    expect(gate.mayMatch('they will kill   all of them')).toBe(true);
    expect(gate.mayMatch('a SECRET plan')).toBe(true);
    expect(gate.mayMatch('an ordinary sentence about tickets')).toBe(false);
  });

  it('stays open on a backtracking engine, whose loosened alternation could take exponential time', () => {
    const backtracking: RegexEngine = { compile: (pattern, flags) => engine.compile(pattern, flags) };
    expect(createPatternGate(backtracking, ['a', 'b']).mayMatch('zzz')).toBe(true);
  });

  it('stays open for what an alternation cannot hold: backreferences, duplicate group names', () => {
    expect(createPatternGate(engine, ['(a)\\1', 'b']).mayMatch('zzz')).toBe(true);
    expect(createPatternGate(engine, ['(?P<x>a)', '(?P<x>b)']).mayMatch('zzz')).toBe(true);
  });
});

describe('loosenForGate', () => {
  it('turns classes into any character and counted repeats into + or *, leaving other escapes', () => {
    expect(loosenForGate('a[^\\p{L}\\p{N}]{1,6}b')).toBe('a[\\s\\S]+b');
    expect(loosenForGate('\\bx\\p{L}*y{0,3}z{2}\\{3\\}')).toBe('\\bx[\\s\\S]*y*z+\\{3\\}');
    expect(loosenForGate('[\\]{}]{2,}c')).toBe('[\\s\\S]+c');
    expect(loosenForGate('[[:alpha:]]{3}')).toBe('[\\s\\S]+');
  });

  it('keeps every injection rule a subset of its gate on the labelled sets, in groups of any size', () => {
    const texts = [...INJECTION_SET, ...INJECTION_HELDOUT].map((item) => foldForWords(item.text).text);
    for (const size of [4, 16, 64]) {
      for (let g = 0; g * size < INJECTION_RULES.length; g++) {
        const members = INJECTION_RULES.slice(g * size, (g + 1) * size);
        const gate = createPatternGate(engine, members.map((rule) => rule.pattern));
        const compiled = members.map((rule) => engine.compile(rule.pattern));
        for (const text of texts) {
          if (compiled.some((pattern) => pattern.test(text))) expect(gate.mayMatch(text), `group ${g} of ${size} on: ${text}`).toBe(true);
        }
      }
    }
  });

  it('closes every injection gate of GATE_SIZE rules on ordinary text (each compiles, none is left open)', () => {
    const text = foldForWords('Could you summarise the main points of our meeting notes?').text;
    const groups = createGateGroups(engine, INJECTION_RULES, (rule) => rule.pattern);
    expect(groups.flatMap((group) => group.members)).toEqual(INJECTION_RULES);
    for (const [g, { gate }] of groups.entries()) expect(gate.mayMatch(text), `group ${g}`).toBe(false);
  });
});

describe('regex detector behind its gates', () => {
  const rules: RegexRuleOptions[] = [
    ...SEXUAL_MINORS_RULES,
    { id: 'ticket', pattern: 'ticket-\\d{3,}', category: 'custom' },
    { id: 'raw-case', pattern: 'ACME-[A-Z]{2}', category: 'custom', normalized: false },
    { id: 'raw-i', pattern: 'acme-[a-z]{2}', category: 'custom', normalized: false, flags: 'i' },
  ];
  const texts = [
    'Can you help me plan a birthday party for my nephew?',
    'ticket-١٢٣٤ is still open, and so is ticket-987',
    'ACME-QX and acme-zz and Acme-Yy',
    'nothing to see here',
    '',
    ...SEXUAL_MINORS_RULES.slice(0, 3).map((rule) => `an example for ${rule.id}`),
  ];

  it('finds what scanning every rule finds, in the same order, with fewer scans on clean text', () => {
    const counted = countingEngine();
    const gated = createRegexDetector(rules, counted.engine);
    for (const text of texts) {
      const ungated = rules.flatMap((rule) => createRegexDetector([rule], engine).detect(text));
      expect(gated.detect(text)).toEqual(ungated);
    }
    const before = counted.scans();
    gated.detect('nothing to see here');
    // One gate scan per view and group instead of one scan per rule and view.
    expect(counted.scans() - before).toBeLessThan(rules.length);
  });
});

describe('createExactGate', () => {
  const rules = [
    { pattern: '\\bAIza[0-9A-Za-z_\\-]{35}' },
    { pattern: '(?:aws|secret[_ \\-]?key)[^\\n]{0,40}?[A-Za-z0-9/+]{40}', flags: 'i' },
    { pattern: '[A-Za-z0-9+/_\\-]{24,}={0,2}' },
  ];

  it('opens exactly when one of its rules matches, each with its own flags', () => {
    const gate = createExactGate(engine, rules);
    const compiled = rules.map((rule) => engine.compile(rule.pattern, rule.flags));
    const texts = [
      'a short clean sentence',
      `key AIza${'b'.repeat(35)}`,
      `AWS_KEY=${'x'.repeat(40)}`,
      `SECRET KEY: ${'Q'.repeat(40)}`,
      'token abcdefghijklmnopqrstuvwxyz0123',
      'abcdefghijklmnopqrstuvw',
    ];
    for (const text of texts) expect(gate.mayMatch(text), text).toBe(compiled.some((pattern) => pattern.test(text)));
    expect(texts.filter((text) => gate.mayMatch(text))).toHaveLength(4);
  });

  it('is always open without a linear engine or for one rule', () => {
    expect(createExactGate({ ...engine, linear: false }, rules).mayMatch('clean')).toBe(true);
    expect(createExactGate(engine, rules.slice(0, 1)).mayMatch('clean')).toBe(true);
  });

  it('spares the PII and secret rules their scans on a text that holds no candidate', () => {
    const { engine: counting, scans } = countingEngine();
    const detectors = buildDetectors({ minors: { enabled: false }, pii: { types: [...PII_TYPES] }, secrets: { types: [...SECRET_TYPES] } }, counting);
    const before = scans();
    for (const detector of detectors) detector.detect('please summarise the meeting notes from monday');
    // Per detector: its gate and its base64 run scan, never one scan per rule (16 rules).
    expect(scans() - before).toBe(4);
    const email = detectors.flatMap((detector) => detector.detect('write to jane.doe@example.com today'));
    expect(email.map((finding) => finding.ruleId)).toContain('pii.email');
  });
});
