// Input sanity pre-filter: length cap, invalid Unicode (lone surrogates, the JavaScript form of
// invalid UTF-8, and U+FFFD replacement runs) and control characters, each reported with a span.

import type { Span } from '../../text/normalize.ts';
import type { Finding, TextDetector } from '../types.ts';

export interface SanityOptions {
  maxChars: number;
  rejectControlChars: boolean;
}

/** Report at most this many spans per rule so a hostile input cannot make the response huge. */
const MAX_SPANS_PER_RULE = 16;

const isHighSurrogate = (c: number) => c >= 0xd800 && c <= 0xdbff;
const isLowSurrogate = (c: number) => c >= 0xdc00 && c <= 0xdfff;
/** C0 and C1 controls and DEL, except tab, line feed and carriage return. */
const isControl = (c: number) => (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || (c >= 0x7f && c <= 0x9f);
/** Bidirectional embedding/override/isolate controls ("Trojan Source", CVE-2021-42574). */
const isBidiControl = (c: number) => (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);

type SpanKind = 'invalid_unicode' | 'replacement_chars' | 'control_chars' | 'bidi_controls';

function collectSpans(text: string, rejectControlChars: boolean): Map<SpanKind, Span[]> {
  const spans = new Map<SpanKind, Span[]>();
  const add = (kind: SpanKind, start: number, end: number) => {
    let list = spans.get(kind);
    if (list === undefined) spans.set(kind, (list = []));
    const last = list[list.length - 1];
    if (last !== undefined && last.end === start) last.end = end; // merge adjacent runs
    else if (list.length < MAX_SPANS_PER_RULE) list.push({ start, end });
  };
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) {
      if (rejectControlChars && isControl(c)) add('control_chars', i, i + 1);
    } else if (isHighSurrogate(c)) {
      if (isLowSurrogate(text.charCodeAt(i + 1))) i++;
      else add('invalid_unicode', i, i + 1);
    } else if (isLowSurrogate(c)) {
      add('invalid_unicode', i, i + 1);
    } else if (c === 0xfffd) {
      add('replacement_chars', i, i + 1);
    } else if (rejectControlChars && isBidiControl(c)) {
      add('bidi_controls', i, i + 1);
    }
  }
  return spans;
}

export function createSanityDetector(options: SanityOptions): TextDetector {
  const { maxChars, rejectControlChars } = options;
  const lengthCheck = (text: string): Finding[] =>
    text.length > maxChars ? [{ detector: 'input_sanity', ruleId: 'sanity.too_long', category: 'sanity/too_long', score: 1, span: { start: maxChars, end: text.length } }] : [];
  return {
    name: 'input_sanity',
    lengthCheck,
    detect(text: string): Finding[] {
      const findings = lengthCheck(text);
      for (const [kind, spans] of collectSpans(text, rejectControlChars)) {
        for (const span of spans) {
          findings.push({ detector: 'input_sanity', ruleId: `sanity.${kind}`, category: `sanity/${kind}`, score: 1, span });
        }
      }
      return findings;
    },
  };
}
