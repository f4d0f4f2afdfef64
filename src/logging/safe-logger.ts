// The Logger every request-path component gets: the runtime's logger behind a filter that
//  - scrubs runs of upstream keys (src/logging/key-scrub.ts) from every string of every line,
//    whichever component wrote it, so a key echoed into an error message cannot reach a log;
//  - bounds the fields a client chooses (CLIENT_FIELDS: model, tags, request id, path, deployment)
//    to CLIENT_FIELD_CHARS characters and CLIENT_FIELD_ITEMS items, and masks the PII and secrets
//    the guard's detectors find in them, so a 1 MB model name or an email in X-Guard-Tags is
//    neither a 1 MB line nor a logged address. Any other string is cut at MAX_FIELD_CHARS.

import { createKeyScrubber, type KeyScrubber } from './key-scrub.ts';
import type { LogFields, Logger } from './logger.ts';

export interface SafeLoggerOptions {
  /** The scrubber of the policies in force (it changes on reload). */
  readonly keyScrubber: () => KeyScrubber;
  /** Masks detected PII and secrets in a client-chosen string (`[EMAIL]`); none when absent. */
  readonly maskClientText?: (text: string) => string;
}

/** Field names whose values the client chooses, at any depth of a line. */
export const CLIENT_FIELDS: ReadonlySet<string> = new Set(['model', 'tags', 'requestId', 'request_id', 'path', 'deployment']);
export const CLIENT_FIELD_CHARS = 128;
export const CLIENT_FIELD_ITEMS = 20;
/** Any other string field: long enough for an error message, short enough that no line is huge. */
export const MAX_FIELD_CHARS = 4096;
/** How much of a string, relative to its bound, is masked and scrubbed before it is cut. */
const READ_FACTOR = 4;
/** Nested values deeper than this are logged as a placeholder rather than walked. */
const MAX_DEPTH = 6;

export function createSafeLogger(logger: Logger, options: SafeLoggerOptions): Logger {
  const write = (level: keyof Logger) => (fields: LogFields, message?: string) => {
    const clean = new LineCleaner(options.keyScrubber(), options.maskClientText);
    const safeFields = clean.value(fields, false, 0) as LogFields;
    return message === undefined ? logger[level](safeFields) : logger[level](safeFields, clean.text(message, false));
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

const NO_KEYS = createKeyScrubber([]);

/**
 * One client-chosen string bounded and masked as in a log line, for the other places that record
 * such fields (trace attributes): at most CLIENT_FIELD_CHARS characters, detected PII masked.
 */
export function cleanClientText(value: string, mask?: (text: string) => string): string {
  return new LineCleaner(NO_KEYS, mask).text(value, true);
}

class LineCleaner {
  constructor(
    private readonly scrubber: KeyScrubber,
    private readonly mask: ((text: string) => string) | undefined,
  ) {}

  text(value: string, client: boolean): string {
    const max = client ? CLIENT_FIELD_CHARS : MAX_FIELD_CHARS;
    // Only the start is read at all: a match straddling the final cut is still seen whole.
    let head = value.length > READ_FACTOR * max ? value.slice(0, READ_FACTOR * max) : value;
    if (client && this.mask) head = this.mask(head);
    head = this.scrubber.scrub(head);
    return head.length <= max && value.length <= max ? head : `${head.slice(0, max)}…(${value.length} chars)`;
  }

  value(value: unknown, client: boolean, depth: number): unknown {
    if (typeof value === 'string') return this.text(value, client);
    if (typeof value !== 'object' || value === null) return value;
    if (depth >= MAX_DEPTH) return '[nested]';
    if (Array.isArray(value)) {
      const items = client ? value.slice(0, CLIENT_FIELD_ITEMS) : value;
      const mapped = items.map((item) => this.value(item, client, depth + 1));
      return client && value.length > items.length ? [...mapped, `…(+${value.length - items.length} more)`] : mapped;
    }
    if (value instanceof Error) return this.value({ name: value.name, message: value.message }, client, depth + 1);
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, this.value(item, client || CLIENT_FIELDS.has(key), depth + 1)]));
  }
}
