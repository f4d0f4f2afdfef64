import { describe, expect, it } from 'vitest';
import { SEXUAL_MINORS_RULES } from '../../../src/guard/detectors/minors.ts';
import { createRegexDetector } from '../../../src/guard/detectors/regex.ts';
import { covered, engine, ruleIds } from './support.ts';

const detector = createRegexDetector(SEXUAL_MINORS_RULES, engine);
const rules = (text: string) => ruleIds(detector.detect(text));

describe('built-in sexual/minors rules', () => {
  it.each([
    ['child porn links', 'minors.csam_term'],
    ['kiddie p0rn', 'minors.csam_term'],
    ['jailbait pics', 'minors.csam_term'],
    ['looking for cp', 'minors.cp_in_context'],
    ['cp collection', 'minors.cp_in_context'],
    ['lolicon', 'minors.loli_shota'],
    ['loli hentai', 'minors.loli_shota'],
    ['sexy 12 year old', 'minors.minor_sexual'],
    ['nude pics of my 14 yo neighbour', 'minors.minor_sexual'],
    ['have sex with a minor', 'minors.minor_sexual'],
    ['underage girls nudes', 'minors.minor_sexual'],
    ['teen porn', 'minors.teen_sexual'],
  ])('flags %j as sexual/minors', (text, rule) => {
    const findings = detector.detect(text);
    expect(ruleIds(findings)).toContain(rule);
    expect(findings.every((f) => f.category === 'sexual/minors')).toBe(true);
  });

  it.each([
    'child safety online',
    'sex education for teenagers curriculum',
    'how do I talk to my 12 year old about sex',
    'my kids are so loud today',
    'cp the file to /tmp',
    'breast cancer screening for women over 40',
    'adult content filters for children',
    'the child protection team reviews reports of abuse',
  ])('does not flag %j', (text) => {
    expect(detector.detect(text)).toEqual([]);
  });

  it('marks the ambiguous bare forms with lower scores', () => {
    expect(detector.detect('teen porn')[0]!.score).toBeLessThan(1);
    expect(detector.detect('loli fashion')[0]!.score).toBeLessThan(1);
    expect(detector.detect('child porn')[0]!.score).toBe(1);
  });

  it('spans the original text', () => {
    const text = '😀 Привет: CHILD P0RN';
    expect(covered(text, detector.detect(text))).toContain('minors.csam_term: CHILD P0RN');
    expect(rules(text)).toContain('minors.csam_term');
  });
});
