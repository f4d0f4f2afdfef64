// resolveRequestId: a sane client x-request-id is kept for correlation; anything else is replaced
// by a fresh UUID.

import { describe, expect, it } from 'vitest';
import { resolveRequestId } from '../../src/http/request-id.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('resolveRequestId', () => {
  it.each(['req-123', 'trace.abc:def_1', 'A'.repeat(128)])('keeps the client value %j', (value) => {
    expect(resolveRequestId(value)).toBe(value);
  });

  it('trims surrounding whitespace from a kept value', () => {
    expect(resolveRequestId('  req-42 \t')).toBe('req-42');
  });

  it.each([null, undefined, '', '   ', 'A'.repeat(129), 'has space', 'line\nbreak', '<script>', 'ünïcode', 'a,b'])(
    'replaces %j with a fresh UUID',
    (value) => {
      expect(resolveRequestId(value)).toMatch(UUID);
    },
  );

  it('gives every request its own id', () => {
    expect(resolveRequestId(null)).not.toBe(resolveRequestId(null));
  });
});
