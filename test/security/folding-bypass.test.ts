// Security suite, pre-filter level: each trick of issue 12 that hid PII and secrets from ASCII
// patterns (invisible code points beyond zero-width, non-ASCII digits, dot/slash/dash separators,
// look-alike letters and at-signs, base64, URL and JSON escapes), asserting the hit and its exact
// span in the original text; then the over-blocking side: numbers and texts that are not PII.

import { describe, expect, it } from 'vitest';
import { PII_TYPES, SECRET_TYPES } from '../../src/policy/profiles/detector-options.ts';
import { buildDetectors, runDetectors } from '../../src/guard/detectors/index.ts';
import { createRe2Engine } from '../../src/node/re2-engine.ts';

const detectors = buildDetectors(
  {
    injection: { enabled: true },
    pii: { types: [...PII_TYPES] },
    secrets: { types: [...SECRET_TYPES] },
    regexRules: [{ id: 'acme.ticket', pattern: 'ticket-\\d{4,}', category: 'internal' }],
  },
  createRe2Engine(),
);

function hits(text: string): string[] {
  return runDetectors(detectors, text).map((f) => `${f.ruleId}: ${f.span ? text.slice(f.span.start, f.span.end) : ''}`);
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

/** [trick, payload, rule]: the payload is what must be spanned exactly. */
const PII_VARIANTS: ReadonlyArray<readonly [string, string, string]> = [
  ['U+2062 invisible times', 'john\u2062@example.com', 'pii.email'],
  ['U+034F combining grapheme joiner', 'jo\u034Fhn@example.com', 'pii.email'],
  ['U+180E Mongolian vowel separator', 'j\u180Eohn@example.com', 'pii.email'],
  ['variation selector', 'john@ex\uFE0Fample.com', 'pii.email'],
  ['tag characters', 'jo\u{E0041}\u{E0042}hn@example.com', 'pii.email'],
  ['bidi isolate', 'john\u2066@\u2069example.com', 'pii.email'],
  ['Cyrillic letters', 'j\u043Ehn@ex\u0430mple.com', 'pii.email'],
  ['small commercial at U+FE6B', 'john\uFE6Bexample.com', 'pii.email'],
  ['fullwidth commercial at U+FF20', 'john\uFF20example.com', 'pii.email'],
  ['ideographic full stop in the domain', 'john@example\u3002com', 'pii.email'],
  ['URL-encoded at-sign', 'john%40example.com', 'pii.email'],
  ['JSON \\u escape', 'john\\u0040example.com', 'pii.email'],
  ['math-bold digits', '𝟒𝟏𝟏𝟏 𝟏𝟏𝟏𝟏 𝟏𝟏𝟏𝟏 𝟏𝟏𝟏𝟏', 'pii.credit_card'],
  ['Arabic-Indic digits', '٤١١١ ١١١١ ١١١١ ١١١١', 'pii.credit_card'],
  ['Devanagari digits', '४१११ ११११ ११११ ११११', 'pii.credit_card'],
  ['fullwidth digits', '４１１１１１１１１１１１１１１１', 'pii.credit_card'],
  ['card with dots', '4111.1111.1111.1111', 'pii.credit_card'],
  ['card with slashes', '4111/1111/1111/1111', 'pii.credit_card'],
  ['card with en dashes', '4111\u20131111\u20131111\u20131111', 'pii.credit_card'],
  ['card with em dashes', '5500\u20140000\u20140000\u20140004', 'pii.credit_card'],
  ['card with no-break spaces', '4111\u00A01111\u00A01111\u00A01111', 'pii.credit_card'],
  ['card with a zero-width space per group', '4111\u200B1111\u200B1111\u200B1111', 'pii.credit_card'],
  ['SSN with dots', '123.45.6789', 'pii.us_ssn'],
  ['SSN with slashes', '123/45/6789', 'pii.us_ssn'],
  ['SSN with en dashes', '123\u201345\u20136789', 'pii.us_ssn'],
  ['SSN in Arabic-Indic digits', '١٢٣-٤٥-٦٧٨٩', 'pii.us_ssn'],
  ['phone with slash', '415/555-2671', 'pii.phone'],
  ['phone with fullwidth digits', '+４４ ２０ ７９４６ ０９５８', 'pii.phone'],
];

describe('PII variants that used to pass', () => {
  it.each(PII_VARIANTS)('%s is caught and spanned in the original', (_trick, payload, rule) => {
    expect(hits(`😀 Привет, reach me at ${payload} today`)).toContain(`${rule}: ${payload}`);
  });

  it('base64 that hides an email is decoded; the whole run is the span', () => {
    const encoded = b64('my email is john@example.com');
    expect(hits(`data ${encoded} end`)).toContain(`pii.email: ${encoded}`);
  });
});

const SECRET_VARIANTS: ReadonlyArray<readonly [string, string, string]> = [
  ['zero-width space inside an AWS key', 'AKIA\u200BIOSFODNN7EXAMPLE', 'secret.aws_access_key'],
  ['fullwidth letters in an AWS key', '\uFF21\uFF2B\uFF29\uFF21IOSFODNN7EXAMPLE', 'secret.aws_access_key'],
  ['Cyrillic А in an AWS key', '\u0410KIAIOSFODNN7EXAMPLE', 'secret.aws_access_key'],
  ['soft hyphen inside a GitHub token', 'ghp_\u00ADaBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789', 'secret.github_token'],
  ['word joiner in an OpenAI key', 'sk-proj-\u2060Ab3dEf6hIj9kLm2nOp5qRs8t', 'secret.openai_key'],
  ['JSON-escaped dash in an OpenAI key', 'sk\\u002dproj-Ab3dEf6hIj9kLm2nOp5qRs8t', 'secret.openai_key'],
  ['base64-wrapped AWS key', b64('aws_access_key_id = AKIAIOSFODNN7EXAMPLE'), 'secret.aws_access_key'],
];

describe('secret variants that used to pass', () => {
  it.each(SECRET_VARIANTS)('%s is caught', (_trick, payload, rule) => {
    expect(hits(`config: ${payload}\n`)).toContain(`${rule}: ${payload}`);
  });

  it('a zero-width character inside a PEM header does not hide the block', () => {
    const pem = '-----BEGIN RSA PRIV\u200BATE KEY-----\nMIIEowIBAAKCAQEA7\n-----END RSA PRIVATE KEY-----';
    expect(hits(`key:\n${pem}\n`)).toContain(`secret.private_key: ${pem}`);
  });

  it('an en-dash PEM fence does not hide the block either', () => {
    const pem = '\u2013\u2013\u2013\u2013\u2013BEGIN PRIVATE KEY\u2013\u2013\u2013\u2013\u2013\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC';
    expect(hits(pem).some((h) => h.startsWith('secret.private_key'))).toBe(true);
  });
});

describe('tenant regex rules see digits as digits', () => {
  it.each(['ticket-1234', 'ticket-١٢٣٤', 'TICKET-𝟏𝟐𝟑𝟒', 'tick\u200Bet-5678'])('\\d matches in %j', (payload) => {
    expect(hits(`see ${payload}`)).toContain(`acme.ticket: ${payload}`);
  });
});

describe('over-blocking: text that is not PII stays clean', () => {
  it.each([
    'version 1.2.3.4.5 shipped',
    'order 2024-01-15 total 1,234.56 EUR',
    'call extension 123456',
    'dates 12/31/2024 and 31.12.2024',
    'it costs 4111 dollars, 1111 euros',
    'ISBN 978-3-16-148410-0',
    'the score was 3\u20131 after 90 minutes',
    '👍🎉🙏',
    '{}',
    '¿Dónde está la estación? Merci beaucoup! Größe 42. Привет, как дела? 你好，今天天气很好。こんにちは。',
    'Die Rechnung Nr. 2024/0815 vom 03.04.2024',
    'tracking 1Z999AA10123456784',
    'a hash 3f786850e387550fdab836ed7e6dc881de23001b',
    'base64 of an image iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  ])('%j', (text) => {
    expect(hits(text)).toEqual([]);
  });
});
