import { describe, expect, it } from 'vitest';
import { PII_TYPES } from '../../../src/policy/profiles/detector-options.ts';
import { createPiiDetector } from '../../../src/guard/detectors/pii.ts';
import { covered, engine, MIXED_PREFIX } from './support.ts';

const detector = createPiiDetector({ types: [...PII_TYPES] }, engine);
const find = (text: string) => covered(text, detector.detect(text));

describe('PII detector', () => {
  it('finds emails', () => {
    expect(find('mail john.doe+tag@example.co.uk.')).toEqual(['pii.email: john.doe+tag@example.co.uk']);
    expect(find('not an email: user@localhost or @handle')).toEqual([]);
  });

  it('finds E.164, NANP and European national phone numbers', () => {
    const text = 'call +44 20 7946 0958, (555) 123-4567, 555-123-4567, 020 7946 0958, 07700 900123, 01 23 45 67 89 or +14155552671';
    expect(find(text)).toEqual([
      'pii.phone: +44 20 7946 0958',
      'pii.phone: (555) 123-4567',
      'pii.phone: 555-123-4567',
      'pii.phone: 020 7946 0958',
      'pii.phone: 07700 900123',
      'pii.phone: 01 23 45 67 89',
      'pii.phone: +14155552671',
    ]);
  });

  it('leaves plain numbers, dates, versions, order numbers and prices alone', () => {
    expect(find('order 12345678901234 on 2024-01-15 at 10:30, version 1.2.3.4.5, v2.0.1, 1,234,567.00, 5551234567, ISBN 978-3-16-148410-0')).toEqual([]);
  });

  it('finds Luhn-valid cards with known prefixes, with spaces or dashes', () => {
    expect(find('visa 4111 1111 1111 1111, mc 5500-0000-0000-0004, amex 378282246310005')).toEqual([
      'pii.credit_card: 4111 1111 1111 1111',
      'pii.credit_card: 5500-0000-0000-0004',
      'pii.credit_card: 378282246310005',
    ]);
  });

  it('rejects cards failing Luhn or with unknown prefixes', () => {
    expect(find('4111 1111 1111 1112 and 1234 5678 9012 3452')).toEqual([]);
  });

  it('finds IBANs with a valid mod-97 checksum, with or without spaces', () => {
    expect(find('pay DE89 3704 0044 0532 0130 00 for rent or GB82WEST12345698765432.')).toEqual([
      'pii.iban: DE89 3704 0044 0532 0130 00',
      'pii.iban: GB82WEST12345698765432',
    ]);
    expect(find('DE89 3704 0044 0532 0130 01 is a typo')).toEqual([]);
  });

  it('finds US SSNs and applies the allocation rules', () => {
    expect(find('ssn 123-45-6789')).toEqual(['pii.us_ssn: 123-45-6789']);
    expect(find('000-12-3456 666-12-3456 901-12-3456 123-00-4567 123-45-0000')).toEqual([]);
  });

  it('finds IPv4 and IPv6 addresses, not times or C++ scopes', () => {
    expect(find('hosts 192.168.1.1, 2001:db8::8a2e:370:7334, fe80::1 and ::ffff:192.0.2.1')).toEqual([
      'pii.ip_address: 192.168.1.1',
      'pii.ip_address: 2001:db8::8a2e:370:7334',
      'pii.ip_address: fe80::1',
      'pii.ip_address: ::ffff:192.0.2.1',
    ]);
    expect(find('256.1.1.1 at 10:30:45 in std::vector and a::b')).toEqual([]);
  });

  it('finds URLs and trims trailing punctuation and unbalanced parentheses', () => {
    expect(find('see https://example.com/path?q=1). and www.test.org, (https://x.org/a_(b))')).toEqual([
      'pii.url: https://example.com/path?q=1',
      'pii.url: www.test.org',
      'pii.url: https://x.org/a_(b)',
    ]);
  });

  it('reports exact UTF-16 spans after emoji and non-Latin text', () => {
    const text = `${MIXED_PREFIX}jane@example.org 🙂 +49 30 1234567 日本 4111-1111-1111-1111`;
    expect(find(text)).toEqual(['pii.email: jane@example.org', 'pii.phone: +49 30 1234567', 'pii.credit_card: 4111-1111-1111-1111']);
  });

  it('sees through full-width digits and zero-width characters, spanning the original', () => {
    const text = '😀 ｊｏｈｎ＠ｅｘａｍｐｌｅ．ｃｏｍ card ４１１１ １１１１ １１１１ １１１１ and j\u200Bane@example.org';
    expect(find(text)).toEqual([
      'pii.email: ｊｏｈｎ＠ｅｘａｍｐｌｅ．ｃｏｍ',
      'pii.credit_card: ４１１１ １１１１ １１１１ １１１１',
      'pii.email: j\u200Bane@example.org',
    ]);
  });

  it('finds addresses written to dodge scrapers, and HTML character references, not prose', () => {
    expect(find('Mail john.smith [at] example [dot] com or ana(at)mail.example.org.')).toEqual([
      'pii.email: john.smith [at] example [dot] com',
      'pii.email: ana(at)mail.example.org',
    ]);
    expect(find('ana AT example DOT org, bo { at } ex { dot } co { dot } uk')).toEqual(['pii.email: ana AT example DOT org', 'pii.email: bo { at } ex { dot } co { dot } uk']);
    expect(find('write to ana&#64;example&period;org')).toEqual(['pii.email: ana&#64;example&period;org']);
    for (const prose of ['look at this dot com bubble', 'LOOK AT THIS DOT COM', 'meet me (at) noon', 'arrays [at] index [dot] product', 'x [at] y']) {
      expect(find(prose), prose).toEqual([]);
    }
  });

  it('builds only the enabled types', () => {
    const emailOnly = createPiiDetector({ types: ['email'] }, engine);
    expect(emailOnly.detect('a@b.io 4111 1111 1111 1111').map((f) => f.category)).toEqual(['pii/email']);
  });
});
