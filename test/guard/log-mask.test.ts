import { describe, expect, it } from 'vitest';
import { createLogTextMasker } from '../../src/guard/log-mask.ts';
import { createRe2Engine } from '../../src/node/re2-engine.ts';

describe('createLogTextMasker', () => {
  const mask = createLogTextMasker(createRe2Engine());

  it('masks PII and secrets in client-chosen strings, the same on every call (remembered or not)', () => {
    for (let round = 0; round < 3; round++) {
      expect(mask('team-a,jane.doe@example.com')).toBe('team-a,[EMAIL]');
      expect(mask('gpt-4o-mini')).toBe('gpt-4o-mini');
      const long = `${'x'.repeat(300)} call +1 415 555 0100`;
      expect(mask(long)).not.toContain('555 0100');
    }
  });

  it('leaves empty strings and our own request ids alone', () => {
    expect(mask('')).toBe('');
    const id = crypto.randomUUID();
    expect(mask(id)).toBe(id);
  });
});
