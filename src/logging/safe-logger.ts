// The Logger every request-path component gets: the runtime's logger behind a filter that scrubs
// runs of upstream keys (src/logging/key-scrub.ts) from every string of every line, whichever
// component wrote it, so a key echoed into an error message or a cause cannot reach a log.

import type { KeyScrubber } from './key-scrub.ts';
import type { LogFields, Logger } from './logger.ts';

export interface SafeLoggerOptions {
  /** The scrubber of the policies in force (it changes on reload). */
  readonly keyScrubber: () => KeyScrubber;
}

/** Nested values deeper than this are logged as a placeholder rather than walked. */
const MAX_DEPTH = 6;

export function createSafeLogger(logger: Logger, options: SafeLoggerOptions): Logger {
  const write = (level: keyof Logger) => (fields: LogFields, message?: string) => {
    const scrubber = options.keyScrubber();
    if (scrubber.empty) return logger[level](fields, message);
    const clean = scrubValue(fields, scrubber, 0) as LogFields;
    return message === undefined ? logger[level](clean) : logger[level](clean, scrubber.scrub(message));
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

function scrubValue(value: unknown, scrubber: KeyScrubber, depth: number): unknown {
  if (typeof value === 'string') return scrubber.scrub(value);
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= MAX_DEPTH) return '[nested]';
  if (Array.isArray(value)) return value.map((item) => scrubValue(item, scrubber, depth + 1));
  if (value instanceof Error) return scrubValue({ name: value.name, message: value.message }, scrubber, depth + 1);
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, scrubValue(item, scrubber, depth + 1)]));
}
