import { describe, expect, it } from 'vitest';
import { createSanityDetector } from '../../../src/guard/detectors/sanity.ts';
import { covered, MIXED_PREFIX } from './support.ts';

const detector = createSanityDetector({ maxChars: 50, rejectControlChars: true });

describe('input sanity detector', () => {
  it('flags text over the length cap with the excess as span', () => {
    const text = 'x'.repeat(60);
    expect(detector.detect(text)).toEqual([
      { detector: 'input_sanity', ruleId: 'sanity.too_long', category: 'sanity/too_long', score: 1, span: { start: 50, end: 60 } },
    ]);
  });

  it('flags lone surrogates and replacement characters at their offsets', () => {
    const text = `😀 ok \uD800 then \uFFFD\uFFFD end \uDC00`;
    expect(covered(text, detector.detect(text))).toEqual([
      'sanity.invalid_unicode: \uD800',
      'sanity.invalid_unicode: \uDC00',
      'sanity.replacement_chars: \uFFFD\uFFFD',
    ]);
  });

  it('flags C0/C1 controls and bidi overrides but not tab, newline, carriage return', () => {
    const text = 'a\tb\nc\r\nd\u0000e\u0007\u0085f\u202Eg';
    expect(covered(text, detector.detect(text))).toEqual([
      'sanity.control_chars: \u0000',
      'sanity.control_chars: \u0007\u0085',
      'sanity.bidi_controls: \u202E',
    ]);
  });

  it('accepts clean multilingual text and valid surrogate pairs', () => {
    expect(detector.detect(`${MIXED_PREFIX}ok`.slice(0, 50))).toEqual([]);
  });

  it('ignores control characters when the policy allows them', () => {
    const lenient = createSanityDetector({ maxChars: 50, rejectControlChars: false });
    expect(lenient.detect('a\u0000b')).toEqual([]);
  });

  it('caps the number of spans a hostile input produces', () => {
    const text = 'a\u0001'.repeat(1000);
    expect(detector.detect(text).filter((f) => f.ruleId === 'sanity.control_chars').length).toBeLessThanOrEqual(16);
  });
});
