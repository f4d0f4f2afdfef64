// Masks detected PII and secrets in the short, client-chosen strings that end up in log lines and
// audit records (a model name, X-Guard-Tags, a request id, a path): the same PII and secret
// detectors the guard runs, with every type on, built once when the proxy is assembled.

import { LRUCache } from 'lru-cache';
import type { RegexEngine } from './regex/engine.ts';
import { createPiiDetector } from './detectors/pii.ts';
import { createSecretsDetector } from './detectors/secrets.ts';
import { redactionReplacement, redactSpans } from './redaction.ts';
import { PII_TYPES, SECRET_TYPES } from '../policy/profiles/detector-options.ts';

export type LogTextMasker = (text: string) => string;

/** Strings up to this length are remembered: model names, paths and tags repeat on every request. */
const MEMO_MAX_CHARS = 256;
const MEMO_ENTRIES = 2048;
/** Request ids we generate ourselves (crypto.randomUUID) carry nothing to mask. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** `jane@example.com` → `[EMAIL]`; text without findings comes back unchanged. */
export function createLogTextMasker(engine: RegexEngine): LogTextMasker {
  const detectors = [createPiiDetector({ types: PII_TYPES }, engine), createSecretsDetector({ types: SECRET_TYPES }, engine)];
  const memo = new LRUCache<string, string>({ max: MEMO_ENTRIES });
  const mask = (text: string): string => {
    const spans = detectors.flatMap((detector) =>
      detector.detect(text).flatMap((finding) => (finding.span ? [{ ...finding.span, type: finding.category, replacement: redactionReplacement(finding.category) }] : [])),
    );
    return spans.length === 0 ? text : redactSpans(text, spans).text;
  };
  return (text) => {
    if (text.length === 0 || UUID.test(text)) return text;
    if (text.length > MEMO_MAX_CHARS) return mask(text);
    let masked = memo.get(text);
    if (masked === undefined) {
      masked = mask(text);
      memo.set(text, masked);
    }
    return masked;
  };
}
