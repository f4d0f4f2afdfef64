// Redaction of detected spans and the reversible placeholder vault. Offsets are UTF-16 code units
// into the original string (as JavaScript indexes strings and as /v1/moderations reports them).
// In placeholder mode the originals stay in the vault, inside the proxy, for the life of one request.

export interface RedactionSpan {
  readonly start: number;
  readonly end: number;
  /** What was found, e.g. `pii/email`, `secret/openai_key`. */
  readonly type: string;
  /** The text that replaces the span, e.g. `[EMAIL]` or `[EMAIL_1]`. */
  readonly replacement: string;
}

/** A redaction as reported to clients: offsets into the original input. */
export interface Redaction {
  readonly type: string;
  readonly start: number;
  readonly end: number;
  readonly replacement: string;
}

export interface RedactionResult {
  readonly text: string;
  /** The merged, non-overlapping redactions actually applied, left to right. */
  readonly redactions: Redaction[];
}

/** The label a type redacts to: `pii/email` → `EMAIL`, `secret/openai_key` → `OPENAI_KEY`. */
export function redactionLabel(type: string): string {
  const tail = type.includes('/') ? type.slice(type.lastIndexOf('/') + 1) : type;
  const label = tail.toUpperCase().replace(/[^A-Z0-9]+/g, '_').replace(/^_+|_+$/g, '');
  return label.length > 0 ? label : 'REDACTED';
}

/** The non-reversible replacement for a type: `[EMAIL]`. */
export function redactionReplacement(type: string): string {
  return `[${redactionLabel(type)}]`;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/** Widen [start, end) so it never cuts a surrogate pair (an emoji or other astral character) in half. */
function snapToCodePoints(text: string, start: number, end: number): [number, number] {
  let s = Math.max(0, Math.min(start, text.length));
  let e = Math.max(s, Math.min(end, text.length));
  if (s > 0 && isLowSurrogate(text.charCodeAt(s)) && isHighSurrogate(text.charCodeAt(s - 1))) s--;
  if (e > 0 && e < text.length && isHighSurrogate(text.charCodeAt(e - 1)) && isLowSurrogate(text.charCodeAt(e))) e++;
  return [s, e];
}

/**
 * Replace every span of `text` with its replacement. Overlapping or touching spans of the same
 * region are merged into one redaction; the merged span takes the replacement of its longest
 * member (the first one on a tie), so a secret inside a URL is not reported twice.
 */
export function redactSpans(text: string, spans: readonly RedactionSpan[]): RedactionResult {
  const snapped = spans
    .map((span) => {
      const [start, end] = snapToCodePoints(text, span.start, span.end);
      return { ...span, start, end };
    })
    .filter((span) => span.end > span.start)
    .sort((a, b) => a.start - b.start || b.end - a.end);

  const merged: Array<{ start: number; end: number; type: string; replacement: string; longest: number }> = [];
  for (const span of snapped) {
    const last = merged[merged.length - 1];
    if (last && span.start < last.end) {
      last.end = Math.max(last.end, span.end);
      if (span.end - span.start > last.longest) {
        last.longest = span.end - span.start;
        last.type = span.type;
        last.replacement = span.replacement;
      }
      continue;
    }
    merged.push({ ...span, longest: span.end - span.start });
  }

  let out = '';
  let cursor = 0;
  const redactions: Redaction[] = [];
  for (const span of merged) {
    out += text.slice(cursor, span.start) + span.replacement;
    cursor = span.end;
    redactions.push({ type: span.type, start: span.start, end: span.end, replacement: span.replacement });
  }
  out += text.slice(cursor);
  return { text: out, redactions };
}

/**
 * Stable, reversible tokens for one request: the same (type, original) pair always gets the same
 * token (`[EMAIL_1]`), numbered per label in order of first appearance. The vault never serialises
 * its originals; only `restorePlaceholders` reads them back, for the answer sent to the client.
 */
export interface PlaceholderVault {
  /** The token for this original, assigning the next number for its label on first sight. */
  tokenFor(type: string, original: string): string;
  /** The original behind a token, if this vault issued it. */
  originalFor(token: string): string | undefined;
  /** Every token issued so far, longest first (so `[EMAIL_10]` is restored before `[EMAIL_1]`). */
  tokens(): string[];
  readonly size: number;
}

export function createPlaceholderVault(): PlaceholderVault {
  const tokenByKey = new Map<string, string>();
  const originalByToken = new Map<string, string>();
  const countByLabel = new Map<string, number>();
  return {
    tokenFor(type, original) {
      const label = redactionLabel(type);
      const key = `${label}\u0000${original}`;
      const existing = tokenByKey.get(key);
      if (existing) return existing;
      const n = (countByLabel.get(label) ?? 0) + 1;
      countByLabel.set(label, n);
      const token = `[${label}_${n}]`;
      tokenByKey.set(key, token);
      originalByToken.set(token, original);
      return token;
    },
    originalFor: (token) => originalByToken.get(token),
    tokens: () => [...originalByToken.keys()].sort((a, b) => b.length - a.length),
    get size() {
      return originalByToken.size;
    },
    // Keep originals out of JSON.stringify and console.log of the vault object.
    toJSON: () => ({ placeholders: originalByToken.size }),
  } as PlaceholderVault;
}

const TOKEN_PATTERN = /\[[A-Z0-9_]+_\d+\]/g;

/** Put the originals back into an answer that contains tokens issued by `vault`. */
export function restorePlaceholders(text: string, vault: PlaceholderVault): string {
  if (vault.size === 0) return text;
  return text.replace(TOKEN_PATTERN, (token) => vault.originalFor(token) ?? token);
}

/**
 * Restores placeholders in a streamed answer whose tokens may be split across chunks: holds back
 * a trailing `[` fragment that could still become a token, and releases it with the next chunk.
 */
export interface StreamingRestorer {
  push(chunk: string): string;
  flush(): string;
}

export function createStreamingRestorer(vault: PlaceholderVault): StreamingRestorer {
  const longest = Math.max(0, ...vault.tokens().map((t) => t.length));
  let pending = '';
  return {
    push(chunk) {
      const text = pending + chunk;
      const open = text.lastIndexOf('[');
      if (open >= 0 && text.indexOf(']', open) < 0 && text.length - open < longest && /^\[[A-Z0-9_]*$/.test(text.slice(open))) {
        pending = text.slice(open);
        return restorePlaceholders(text.slice(0, open), vault);
      }
      pending = '';
      return restorePlaceholders(text, vault);
    },
    flush() {
      const rest = pending;
      pending = '';
      return restorePlaceholders(rest, vault);
    },
  };
}
