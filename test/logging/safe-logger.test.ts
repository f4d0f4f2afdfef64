// The request path's logger: runs of upstream keys scrubbed from every string of a line (fields,
// nested values, errors, the message), with the scrubber of the policies in force; client-chosen
// fields bounded and masked with the guard's PII and secret detectors.

import { describe, expect, it } from 'vitest';
import { createKeyScrubber, type KeyScrubber } from '../../src/logging/key-scrub.ts';
import type { LogFields, Logger } from '../../src/logging/logger.ts';
import { CLIENT_FIELD_CHARS, CLIENT_FIELD_ITEMS, createSafeLogger, MAX_FIELD_CHARS } from '../../src/logging/safe-logger.ts';
import { createLogTextMasker } from '../../src/guard/log-mask.ts';
import { createRe2Engine } from '../../src/node/re2-engine.ts';

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

describe('client-chosen fields', () => {
  const mask = createLogTextMasker(createRe2Engine());

  it('bounds model, tags, request id and path and masks the PII and secrets found in them', () => {
    const { logger, lines } = recordingLogger();
    const safe = createSafeLogger(logger, { keyScrubber: () => createKeyScrubber([]), maskClientText: mask });
    const model = `gpt-4o ${'x'.repeat(1_000_000)}`;
    const tags = ['team:search', 'jane.doe@example.com', 'card 4111 1111 1111 1111', ...Array.from({ length: 30 }, (_, i) => `t${i}`)];
    safe.info({ requestId: 'call 555-867-5309', model, tags, path: '/v1/chat/completions', status: 200, error: 'e'.repeat(10_000) }, 'request');
    const fields = lines[0]!.fields as Record<string, unknown>;
    expect(fields['requestId']).toBe('call [PHONE]');
    expect(fields['model']).toBe(`gpt-4o ${'x'.repeat(CLIENT_FIELD_CHARS - 7)}…(${model.length} chars)`);
    expect(fields['tags']).toEqual(['team:search', '[EMAIL]', 'card [CREDIT_CARD]', ...Array.from({ length: CLIENT_FIELD_ITEMS - 3 }, (_, i) => `t${i}`), '…(+13 more)']);
    expect(fields['path']).toBe('/v1/chat/completions');
    expect(fields['status']).toBe(200);
    expect((fields['error'] as string).length).toBeLessThan(MAX_FIELD_CHARS + 32);
    expect(JSON.stringify(lines[0]).length).toBeLessThan(MAX_FIELD_CHARS + 2_000);
  });
});
