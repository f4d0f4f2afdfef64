import { describe, expect, it } from 'vitest';
import { DetectorRuleError } from '../../../src/guard/detectors/errors.ts';
import { createRegexDetector } from '../../../src/guard/detectors/regex.ts';
import { covered, engine, MIXED_PREFIX } from './support.ts';

describe('regex rule detector', () => {
  it('matches normalised rules on the folded view and maps spans back', () => {
    const detector = createRegexDetector([{ id: 'tenant.codename', pattern: 'project\\s+x\\d*', category: 'internal' }], engine);
    const text = `${MIXED_PREFIX}PR\u041EJECT X`;
    expect(covered(text, detector.detect(text))).toEqual(['tenant.codename: PR\u041EJECT X']);
  });

  it('matches raw rules on the original text, case-sensitively unless asked', () => {
    const detector = createRegexDetector(
      [{ id: 'tenant.ticket', pattern: 'TICKET-\\d{4}', category: 'internal', normalized: false }],
      engine,
    );
    expect(covered('😀 TICKET-1234 ticket-5678', detector.detect('😀 TICKET-1234 ticket-5678'))).toEqual(['tenant.ticket: TICKET-1234']);
  });

  it('reports the rule score, default 1', () => {
    const detector = createRegexDetector([{ id: 'weak', pattern: 'maybe', category: 'x', score: 0.4 }], engine);
    expect(detector.detect('maybe')[0]?.score).toBe(0.4);
  });

  it('fails policy load with an error naming the rule when RE2 rejects the pattern', () => {
    const build = (pattern: string) => () => createRegexDetector([{ id: 'ok', pattern: 'fine', category: 'x' }, { id: 'tenant.bad', pattern, category: 'x' }], engine);
    expect(build('(?=secret)\\w+')).toThrow(DetectorRuleError);
    expect(build('(?=secret)\\w+')).toThrow(/tenant\.bad/);
    expect(build('(a)\\1')).toThrow(/rule "tenant\.bad"/);
  });

  it('returns on a pathological pattern over a long input', () => {
    const detector = createRegexDetector([{ id: 'redos', pattern: '(a+)+$', category: 'x', normalized: false }], engine);
    expect(detector.detect('a'.repeat(50_000) + '!')).toEqual([]);
  });
});
