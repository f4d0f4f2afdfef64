// PII pre-filter: email, phone, payment card (Luhn + IIN), IBAN (mod 97), US SSN, IPv4/IPv6 and URL,
// each with its span in the original text so the decision stage can redact exactly.

import type { Span } from '../../text/normalize.ts';
import { foldForData } from '../../text/fold.ts';
import type { CompiledPattern, RegexEngine } from '../regex/engine.ts';
import type { Finding, TextDetector } from '../types.ts';
import type { PiiType } from '../../policy/profiles/detector-options.ts';
import { base64Payloads, BASE64_RUN_PATTERN } from './base64.ts';
import { createExactGate } from '../regex/pattern-gate.ts';
import { createMatchingViews, isAsciiWordChar, type MatchingViews } from './matching-view.ts';
import {
  hasKnownCardPrefix,
  IBAN_LENGTHS,
  isPlausibleSsn,
  isValidIpv4,
  isValidIpv6,
  passesIbanChecksum,
  passesLuhn,
} from './pii-checks.ts';

export interface PiiOptions {
  types: readonly PiiType[];
}

/** A candidate match; `validate` confirms it and may shrink it (returns the kept [start, end) or null). */
interface PiiRule {
  readonly type: PiiType;
  readonly pattern: string;
  readonly flags?: string;
  validate(text: string, start: number, end: number): Span | null;
}

const isDigit = (ch: string | undefined) => ch !== undefined && ch >= '0' && ch <= '9';
const digitsOf = (s: string) => s.replace(/\D/g, '');

/** The characters around [start, end) are not letters/digits, so the match is not part of a longer token. */
function standsAlone(text: string, start: number, end: number): boolean {
  return !isAsciiWordChar(text[start - 1]) && !isAsciiWordChar(text[end]);
}

const isGroupSeparator = (ch: string | undefined) => ch === '.' || ch === '-' || ch === '/' || ch === ',';

/** Not glued to a longer dotted, dashed or slashed number (versions, dates, serials): "1.2.3.4.5", "123-45-6789-0". */
function notInLongerNumber(text: string, start: number, end: number): boolean {
  if (isGroupSeparator(text[start - 1]) && isDigit(text[start - 2])) return false;
  if (isGroupSeparator(text[end]) && isDigit(text[end + 1])) return false;
  return standsAlone(text, start, end);
}

/** Digit groups written with one kind of separator ("4111.1111.1111.1111", not "4111 1111-1111.1111"). */
function oneSeparatorKind(candidate: string): boolean {
  return new Set(candidate.replace(/\d/g, '')).size <= 1;
}

function validatePhone(text: string, start: number, end: number): Span | null {
  let candidate = text.slice(start, end);
  const international = candidate.startsWith('+');
  const [min, max] = international ? [8, 15] : candidate.startsWith('0') ? [9, 12] : [10, 11];
  // Greedy grouping may swallow a following number: drop trailing groups until the count fits.
  while (digitsOf(candidate).length > max) {
    const cut = Math.max(candidate.lastIndexOf(' '), candidate.lastIndexOf('-'), candidate.lastIndexOf('.'), candidate.lastIndexOf('/'));
    if (cut <= 0) return null;
    candidate = candidate.slice(0, cut).replace(/[\s.\-(]+$/, '');
  }
  const count = digitsOf(candidate).length;
  if (count < min) return null;
  // A bare run of digits is a number, not a phone, unless written in E.164 form.
  if (!international && !/[\s.\-()/]/.test(candidate)) return null;
  const newEnd = start + candidate.length;
  if (isDigit(text[newEnd]) || isAsciiWordChar(text[newEnd])) return null;
  if (isDigit(text[start - 1]) || isAsciiWordChar(text[start - 1])) return null;
  if ((text[newEnd] === '.' || text[newEnd] === ':') && isDigit(text[newEnd + 1])) return null;
  return { start, end: newEnd };
}

function validateIban(text: string, start: number, end: number): Span | null {
  const country = text.slice(start, start + 2).toUpperCase();
  const expected = IBAN_LENGTHS[country];
  if (expected === undefined) return null;
  // Walk the match keeping `expected` alphanumerics; anything the greedy groups took beyond is not ours.
  let kept = 0;
  let cut = start;
  while (cut < end && kept < expected) {
    if (text[cut] !== ' ') kept++;
    cut++;
  }
  if (kept !== expected || isAsciiWordChar(text[cut]) || isAsciiWordChar(text[start - 1])) return null;
  const compact = text.slice(start, cut).replace(/ /g, '').toUpperCase();
  return passesIbanChecksum(compact) ? { start, end: cut } : null;
}

const TRAILING_URL_PUNCTUATION = /[.,;:!?'"\]}>*]+$/;

function validateUrl(text: string, start: number, end: number): Span | null {
  let url = text.slice(start, end);
  for (;;) {
    const trimmed = url.replace(TRAILING_URL_PUNCTUATION, '');
    // Drop a closing parenthesis the URL did not open: "(see https://x.org/a)".
    const unbalanced = trimmed.endsWith(')') && (trimmed.match(/\(/g)?.length ?? 0) < (trimmed.match(/\)/g)?.length ?? 0);
    const next = unbalanced ? trimmed.slice(0, -1) : trimmed;
    if (next === url) break;
    url = next;
  }
  if (/^(?:https?:\/\/|www\.)$/i.test(url) || !/[a-z0-9]\.[a-z]{2,}|\/\/[^/]*\d|localhost/i.test(url)) return null;
  return { start, end: start + url.length };
}

/** `word` in either case, letter by letter (no inline `(?i:…)`: JavaScript's RegExp on Workers lacks it). */
const anyCase = (word: string) => [...word].map((c) => `[${c}${c.toUpperCase()}]`).join('');

/** `word` in brackets of any kind, any case: "[at]", "(AT)", "{ dot }", "<dot>". */
function bracketed(word: string): string {
  const letters = anyCase(word);
  return `(?:\\[\\s*${letters}\\s*\\]|\\(\\s*${letters}\\s*\\)|\\{\\s*${letters}\\s*\\}|<\\s*${letters}\\s*>)`;
}
const COMMON_TLDS = `(?:${['com', 'org', 'net', 'edu', 'gov', 'mil', 'int', 'info', 'biz', 'app', 'dev', 'email', 'mail', 'online', 'site', 'tech', 'name', 'pro', 'mobi', 'xyz', 'cloud'].map(anyCase).join('|')})`;
/**
 * A domain whose dots may be written as `dot`: labels joined by it, then a country code or a common
 * generic TLD (so "arrays [at] index [dot] product" is not an address).
 */
const EMAIL_DOMAIN = (dot: string) =>
  `[A-Za-z0-9](?:[A-Za-z0-9\\-]{0,62}[A-Za-z0-9])?(?:${dot}[A-Za-z0-9](?:[A-Za-z0-9\\-]{0,62}[A-Za-z0-9])?)*${dot}(?:${COMMON_TLDS}|[A-Za-z]{2})`;
/** A local part with something other than a capital in it: "ANA AT EXAMPLE DOT COM" is shouting, not an address. */
const NOT_SHOUTED_LOCAL = '[A-Za-z0-9._%+\\-]*[a-z0-9._%+\\-][A-Za-z0-9._%+\\-]*';

function validateEmail(text: string, start: number, end: number): Span | null {
  // Leading dots are not part of a local part (RFC 5322 dot-atom).
  let s = start;
  while (text[s] === '.') s++;
  return isAsciiWordChar(text[end]) ? null : { start: s, end };
}

/** A written-out address must also start a word: "xana [at] …" inside a longer token is not one. */
const validateWrittenEmail = (text: string, start: number, end: number): Span | null => (isAsciiWordChar(text[start - 1]) ? null : validateEmail(text, start, end));

const PII_RULES: readonly PiiRule[] = [
  {
    type: 'email',
    pattern: "[A-Za-z0-9!#$%&'*+/=?^_`{|}~.\\-]+@[A-Za-z0-9](?:[A-Za-z0-9\\-]{0,62}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9\\-]{0,62}[A-Za-z0-9])?)*\\.[A-Za-z]{2,24}",
    validate: validateEmail,
  },
  {
    // The same address written to dodge a scraper: "ana [at] example [dot] org", "ana(at)example.org",
    // "ana AT example DOT org" (the bare-word form only in capitals: "look at this dot com" is prose).
    type: 'email',
    pattern: `(?:[A-Za-z0-9._%+\\-]+\\s*${bracketed('at')}\\s*${EMAIL_DOMAIN(`(?:\\s*${bracketed('dot')}\\s*|\\.)`)}|${NOT_SHOUTED_LOCAL}\\s+AT\\s+${EMAIL_DOMAIN('(?:\\s+DOT\\s+|\\.)')})`,
    validate: validateWrittenEmail,
  },
  {
    type: 'url',
    pattern: '(?:https?://|www\\.)[^\\s<>"\'`{}|\\\\^]+',
    flags: 'i',
    validate: validateUrl,
  },
  {
    type: 'credit_card',
    // Groups separated by space, hyphen (any dash folds to it), dot or slash.
    pattern: '\\b(?:\\d{4}[ \\-./]?\\d{6}[ \\-./]?\\d{5}|\\d{4}(?:[ \\-./]?\\d{4}){2}[ \\-./]?\\d{1,7}|\\d{13,19})\\b',
    validate(text, start, end) {
      if (!oneSeparatorKind(text.slice(start, end))) return null;
      const digits = digitsOf(text.slice(start, end));
      if (digits.length < 13 || digits.length > 19) return null;
      if (!notInLongerNumber(text, start, end) || !passesLuhn(digits) || !hasKnownCardPrefix(digits)) return null;
      return { start, end };
    },
  },
  {
    type: 'iban',
    pattern: '\\b[A-Z]{2}\\d{2}(?: ?[A-Z0-9]{1,4}){3,8}',
    flags: 'i',
    validate: validateIban,
  },
  {
    type: 'us_ssn',
    pattern: '\\b\\d{3}[ \\-./]\\d{2}[ \\-./]\\d{4}\\b',
    validate(text, start, end) {
      if (!oneSeparatorKind(text.slice(start, end))) return null;
      const digits = digitsOf(text.slice(start, end));
      return notInLongerNumber(text, start, end) && isPlausibleSsn(digits) ? { start, end } : null;
    },
  },
  {
    type: 'phone',
    pattern: [
      // E.164 and international: "+44 20 7946 0958", "+1 (415) 555-2671", "+14155552671"
      '\\+[1-9]\\d{0,3}(?:[ .\\-]?\\(?\\d{1,5}\\)?){1,6}',
      // NANP: "(555) 123-4567", "555-123-4567", "1-555-123-4567"
      '(?:1[ .\\-]?)?(?:\\([2-9]\\d{2}\\) ?|[2-9]\\d{2}[ .\\-/])\\d{3}[ .\\-]\\d{4}',
      // National with trunk 0 (UK, DE, FR, NL...): "020 7946 0958", "07700 900123", "01 23 45 67 89"
      '\\(?0[1-9]\\d{0,3}\\)?[ \\-]\\d{2,8}(?:[ \\-]\\d{2,4}){0,4}',
    ].join('|'),
    validate: validatePhone,
  },
  {
    type: 'ip_address',
    pattern: '\\b(?:\\d{1,3}\\.){3}\\d{1,3}\\b',
    validate(text, start, end) {
      return notInLongerNumber(text, start, end) && isValidIpv4(text.slice(start, end)) ? { start, end } : null;
    },
  },
  {
    type: 'ip_address',
    pattern: '[0-9A-Fa-f]{0,4}:[0-9A-Fa-f:]{0,40}:[0-9A-Fa-f.]{0,15}',
    validate(text, start, end) {
      const candidate = text.slice(start, end);
      if (!/\d/.test(candidate) || /:::/.test(candidate)) return null;
      if (isAsciiWordChar(text[start - 1]) || text[start - 1] === ':' || isAsciiWordChar(text[end]) || text[end] === ':') return null;
      return isValidIpv6(candidate) ? { start, end } : null;
    },
  },
];

interface CompiledPiiRule {
  readonly rule: PiiRule;
  readonly pattern: CompiledPattern;
}

/** Drop a finding wholly inside a longer one of the same type (an IPv4 tail inside an IPv6). Linear after sorting. */
function dropContained(findings: Finding[]): Finding[] {
  const sorted = findings.sort((a, b) => a.span!.start - b.span!.start || b.span!.end - a.span!.end);
  const reach = new Map<string, number>();
  return sorted.filter((f) => {
    const furthest = reach.get(f.category) ?? -1;
    if (f.span!.end <= furthest) return false;
    reach.set(f.category, f.span!.end);
    return true;
  });
}

export function createPiiDetector(options: PiiOptions, engine: RegexEngine, views: MatchingViews = createMatchingViews()): TextDetector {
  const enabled = new Set(options.types);
  const compiled: CompiledPiiRule[] = PII_RULES.filter((r) => enabled.has(r.type)).map((rule) => ({
    rule,
    pattern: engine.compile(rule.pattern, rule.flags),
  }));
  const base64Run = engine.compile(BASE64_RUN_PATTERN);
  // One scan first: most texts hold no candidate for any rule.
  const gate = createExactGate(engine, compiled.map(({ rule }) => rule));

  /** Validated matches of every enabled rule on an already folded text, in its offsets. */
  function scan(haystack: string): { type: PiiType; span: Span }[] {
    const hits: { type: PiiType; span: Span }[] = [];
    if (!gate.mayMatch(haystack)) return hits;
    for (const { rule, pattern } of compiled) {
      for (const m of pattern.matchAll(haystack)) {
        const kept = rule.validate(haystack, m.start, m.end);
        if (kept !== null) hits.push({ type: rule.type, span: kept });
      }
    }
    return hits;
  }

  return {
    name: 'pii',
    detect(text: string): Finding[] {
      // Matched on the data view (invisible characters gone, digits and look-alikes folded, JSON and
      // URL escapes decoded), spans mapped back to the original.
      const view = views(text).data;
      const findings: Finding[] = scan(view.text).map(({ type, span }) => ({
        detector: 'pii',
        ruleId: `pii.${type}`,
        category: `pii/${type}`,
        score: 1,
        span: view.toOriginal(span.start, span.end),
      }));
      // PII inside a base64 run: the whole run is the span (redacting it removes the payload).
      for (const payload of base64Payloads(base64Run, view.text)) {
        const span = view.toOriginal(payload.start, payload.end);
        for (const type of new Set(scan(foldForData(payload.decoded).text).map((hit) => hit.type))) {
          findings.push({ detector: 'pii', ruleId: `pii.${type}`, category: `pii/${type}`, score: 1, span });
        }
      }
      return dropContained(findings);
    },
  };
}
