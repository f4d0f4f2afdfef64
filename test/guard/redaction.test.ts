import { describe, expect, it } from 'vitest';
import {
  createPlaceholderVault,
  createStreamingRestorer,
  redactSpans,
  redactionReplacement,
  restorePlaceholders,
} from '../../src/guard/redaction.ts';

/** Span of the first occurrence of `needle` in `text`, in UTF-16 offsets. */
function spanOf(text: string, needle: string, type = 'pii/email') {
  const start = text.indexOf(needle);
  expect(start).toBeGreaterThanOrEqual(0);
  return { start, end: start + needle.length, type, replacement: redactionReplacement(type) };
}

describe('redactSpans', () => {
  it('replaces a span and reports offsets into the original', () => {
    const text = 'mail me at ana@example.org today';
    const { text: out, redactions } = redactSpans(text, [spanOf(text, 'ana@example.org')]);
    expect(out).toBe('mail me at [EMAIL] today');
    expect(redactions).toEqual([{ type: 'pii/email', start: 11, end: 26, replacement: '[EMAIL]' }]);
    expect(text.slice(redactions[0]!.start, redactions[0]!.end)).toBe('ana@example.org');
  });

  it('keeps exact UTF-16 offsets after emoji, Cyrillic and CJK text', () => {
    const text = '👋🏽 Привет! 你好，我的邮箱是 ivan@пример.рф 🙂 и телефон +7 912 345-67-89';
    const email = spanOf(text, 'ivan@пример.рф');
    const phone = spanOf(text, '+7 912 345-67-89', 'pii/phone');
    const { text: out, redactions } = redactSpans(text, [phone, email]);
    expect(out).toBe('👋🏽 Привет! 你好，我的邮箱是 [EMAIL] 🙂 и телефон [PHONE]');
    expect(redactions.map((r) => text.slice(r.start, r.end))).toEqual(['ivan@пример.рф', '+7 912 345-67-89']);
    // The emoji before the span are two UTF-16 units each (plus the skin-tone modifier).
    expect(redactions[0]!.start).toBe(text.indexOf('ivan'));
  });

  it('never cuts an emoji in half', () => {
    const text = 'a😀b';
    // A span that starts on the low surrogate and ends after it is widened to the whole emoji.
    const { text: out, redactions } = redactSpans(text, [{ start: 2, end: 3, type: 'custom/x', replacement: '[X]' }]);
    expect(out).toBe('a[X]b');
    expect(redactions[0]).toMatchObject({ start: 1, end: 3 });
  });

  it('merges overlapping spans, keeping the longest member type', () => {
    const text = 'see https://x.io/?k=sk-abcdefghijklmnopqrstuvwx now';
    const url = spanOf(text, 'https://x.io/?k=sk-abcdefghijklmnopqrstuvwx', 'pii/url');
    const key = spanOf(text, 'sk-abcdefghijklmnopqrstuvwx', 'secret/openai_key');
    const { text: out, redactions } = redactSpans(text, [key, url]);
    expect(out).toBe('see [URL] now');
    expect(redactions).toHaveLength(1);
    expect(redactions[0]).toMatchObject({ type: 'pii/url', start: url.start, end: url.end });
  });

  it('ignores empty spans and clamps out-of-range ones', () => {
    const { text, redactions } = redactSpans('abc', [
      { start: 1, end: 1, type: 't', replacement: '[T]' },
      { start: 2, end: 99, type: 't', replacement: '[T]' },
    ]);
    expect(text).toBe('ab[T]');
    expect(redactions).toEqual([{ type: 't', start: 2, end: 3, replacement: '[T]' }]);
  });
});

describe('placeholder vault', () => {
  it('gives the same original the same token and numbers per label', () => {
    const vault = createPlaceholderVault();
    expect(vault.tokenFor('pii/email', 'a@x.org')).toBe('[EMAIL_1]');
    expect(vault.tokenFor('pii/email', 'b@x.org')).toBe('[EMAIL_2]');
    expect(vault.tokenFor('pii/email', 'a@x.org')).toBe('[EMAIL_1]');
    expect(vault.tokenFor('pii/phone', '+1 555 0100')).toBe('[PHONE_1]');
    expect(vault.size).toBe(3);
  });

  it('round-trips: redacted upstream text restores to the originals', () => {
    const vault = createPlaceholderVault();
    const text = 'Write to ana@example.org and cc ana@example.org, Иван <иван@почта.рф>';
    const spans = ['ana@example.org', 'иван@почта.рф'].flatMap((needle) => {
      const found = [];
      let from = 0;
      for (;;) {
        const at = text.indexOf(needle, from);
        if (at < 0) break;
        found.push({ start: at, end: at + needle.length, type: 'pii/email', replacement: vault.tokenFor('pii/email', needle) });
        from = at + needle.length;
      }
      return found;
    });
    const { text: upstream } = redactSpans(text, spans);
    expect(upstream).toBe('Write to [EMAIL_1] and cc [EMAIL_1], Иван <[EMAIL_2]>');
    expect(upstream).not.toContain('@');
    const answer = 'Sure, I will email [EMAIL_2] and [EMAIL_1]. [EMAIL_9] is unknown.';
    expect(restorePlaceholders(answer, vault)).toBe('Sure, I will email иван@почта.рф and ana@example.org. [EMAIL_9] is unknown.');
  });

  it('does not leak originals when serialised', () => {
    const vault = createPlaceholderVault();
    vault.tokenFor('secret/openai_key', 'sk-verysecret');
    expect(JSON.stringify(vault)).not.toContain('sk-verysecret');
  });

  it('restores tokens split across stream chunks', () => {
    const vault = createPlaceholderVault();
    vault.tokenFor('pii/email', 'a@x.org');
    vault.tokenFor('pii/phone', '555');
    const restorer = createStreamingRestorer(vault);
    const chunks = ['Hi [EM', 'AIL_1], call [', 'PHONE_1] or [not a token', '] [EMAIL_'];
    const out = chunks.map((c) => restorer.push(c)).join('') + restorer.flush();
    expect(out).toBe('Hi a@x.org, call 555 or [not a token] [EMAIL_');
  });
});
