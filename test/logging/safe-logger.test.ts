// The request path's logger: runs of upstream keys scrubbed from every string of a line (fields,
// nested values, errors, the message), with the scrubber of the policies in force.

import { describe, expect, it } from 'vitest';
import { createKeyScrubber, type KeyScrubber } from '../../src/logging/key-scrub.ts';
import type { LogFields, Logger } from '../../src/logging/logger.ts';
import { createSafeLogger } from '../../src/logging/safe-logger.ts';

const KEY = 'sk-UPSTREAM-A-0123456789abcdef';

function recordingLogger(): { logger: Logger; lines: Array<{ level: string; fields: LogFields; message?: string }> } {
  const lines: Array<{ level: string; fields: LogFields; message?: string }> = [];
  const at = (level: string) => (fields: LogFields, message?: string) => void lines.push({ level, fields, message });
  return { logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }, lines };
}

describe('createSafeLogger', () => {
  it('scrubs key runs from fields, nested values, errors and the message, with the current scrubber', () => {
    const { logger, lines } = recordingLogger();
    let scrubber: KeyScrubber = createKeyScrubber([KEY]);
    const safe = createSafeLogger(logger, { keyScrubber: () => scrubber });
    safe.warn({ status: 502, error: `upstream said ${KEY.slice(2, 12)}`, nested: { list: [KEY], err: new Error(`bad ${KEY}`) } }, `relayed ${KEY.slice(-8)}`);
    expect(lines[0]).toEqual({
      level: 'warn',
      fields: { status: 502, error: 'upstream said [REDACTED]', nested: { list: ['[REDACTED]'], err: { name: 'Error', message: 'bad [REDACTED]' } } },
      message: 'relayed [REDACTED]',
    });
    scrubber = createKeyScrubber(['another-key-zzzz']);
    safe.info({ note: 'another-key-zzzz and sk-UPSTREAM-A' });
    expect(lines[1]!.fields).toEqual({ note: '[REDACTED] and sk-UPSTREAM-A' });
  });
});
