// Masks detected PII and secrets in the short, client-chosen strings that end up in log lines and
// audit records (a model name, X-Guard-Tags, a request id, a path): the same PII and secret
// detectors the guard runs, with every type on, built once when the proxy is assembled.

import type { RegexEngine } from './regex/engine.ts';
import { createPiiDetector } from './detectors/pii.ts';
import { createSecretsDetector } from './detectors/secrets.ts';
import { redactionReplacement, redactSpans } from './redaction.ts';
import { PII_TYPES, SECRET_TYPES } from '../policy/profiles/detector-options.ts';

export type LogTextMasker = (text: string) => string;

/** `jane@example.com` → `[EMAIL]`; text without findings comes back unchanged. */
export function createLogTextMasker(engine: RegexEngine): LogTextMasker {
  const detectors = [createPiiDetector({ types: PII_TYPES }, engine), createSecretsDetector({ types: SECRET_TYPES }, engine)];
  return (text) => {
    if (text.length === 0) return text;
    const spans = detectors.flatMap((detector) =>
      detector.detect(text).flatMap((finding) => (finding.span ? [{ ...finding.span, type: finding.category, replacement: redactionReplacement(finding.category) }] : [])),
    );
    return spans.length === 0 ? text : redactSpans(text, spans).text;
  };
}
