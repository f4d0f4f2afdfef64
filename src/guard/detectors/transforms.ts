// Whole-text encodings a text names before it uses them: "decode this rot13: Vtaber nyy…", "read
// it backwards: snoitcurtsni…". Decoding every text that way would double the phrase rules' work
// for nothing, so a text is decoded only when it names the transform; the decoded text is one
// payload spanning the whole text, for the phrase rules (injection, harm phrases) to scan.

import type { Span } from '../../text/normalize.ts';
import type { TextView } from '../../text/fold.ts';
import type { CompiledPattern } from '../regex/engine.ts';
import { base64Payloads, type EncodedPayload } from './base64.ts';

const NAMES_ROT13 = /\brot[\s_-]?13\b|\bcaesar\b|\brotate each letter\b/i;
const NAMES_REVERSAL = /\b(?:reversed?|backwards?|right[\s-]to[\s-]left|mirror(?:ed)?)\b/i;

function rot13(text: string): string {
  return text.replace(/[A-Za-z]/g, (ch) => {
    const base = ch <= 'Z' ? 65 : 97;
    return String.fromCharCode(((ch.charCodeAt(0) - base + 13) % 26) + base);
  });
}

/** The text decoded by each transform it names (none for most texts). */
export function namedTransformPayloads(text: string): EncodedPayload[] {
  const payloads: EncodedPayload[] = [];
  if (NAMES_ROT13.test(text)) payloads.push({ decoded: rot13(text), start: 0, end: text.length });
  // By code point, so a surrogate pair stays whole.
  if (NAMES_REVERSAL.test(text)) payloads.push({ decoded: [...text].reverse().join(''), start: 0, end: text.length });
  return payloads;
}

/** A decoded payload to rescan, with the span in the original text it came from. */
export interface PayloadToScan {
  readonly decoded: string;
  readonly kind: 'encoded' | 'transformed';
  readonly span: Span;
}

/**
 * What a phrase detector rescans in a text: its base64 and hex runs (matched by `runs` on the data
 * view), and, when `withTransforms`, the text decoded by each transform it names.
 */
export function payloadsToScan(runs: CompiledPattern, data: TextView, withTransforms: boolean): PayloadToScan[] {
  const encoded = base64Payloads(runs, data.text).map((payload): PayloadToScan => ({ decoded: payload.decoded, kind: 'encoded', span: data.toOriginal(payload.start, payload.end) }));
  if (!withTransforms) return encoded;
  return [...encoded, ...namedTransformPayloads(data.original).map((payload): PayloadToScan => ({ decoded: payload.decoded, kind: 'transformed', span: { start: payload.start, end: payload.end } }))];
}
