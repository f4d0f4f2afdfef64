// Secret pre-filter: cloud and API credentials (AWS, GitHub, OpenAI, Slack, Google), JWTs and PEM
// private keys, with spans in the original text so they can be redacted before leaving the proxy.

import type { Span } from '../../text/normalize.ts';
import type { CompiledPattern, RegexEngine } from '../regex/engine.ts';
import type { Finding, TextDetector } from '../types.ts';
import { base64Payloads, BASE64_RUN_PATTERN, decodeBase64Text } from './base64.ts';
import { foldForData } from '../../text/fold.ts';
import type { SecretType } from '../../policy/profiles/detector-options.ts';
import { createExactGate } from '../regex/pattern-gate.ts';
import { createMatchingViews, isAsciiWordChar, type MatchingViews } from './matching-view.ts';

export interface SecretsOptions {
  types: readonly SecretType[];
}

interface SecretRule {
  readonly type: SecretType;
  /** Distinguishes several rules of one type (`secret.slack_token.webhook`). */
  readonly variant?: string;
  readonly pattern: string;
  readonly flags?: string;
  /** Confirm the candidate and return the span of the secret itself (may be narrower than the match). */
  validate?(text: string, start: number, end: number): Span | null;
}

const isBase64Char = (ch: string | undefined) => ch !== undefined && (isAsciiWordChar(ch) || ch === '+' || ch === '/') && ch !== '_';
const isTokenChar = (ch: string | undefined) => ch !== undefined && (isAsciiWordChar(ch) || ch === '-');

function endsCleanly(text: string, start: number, end: number): Span | null {
  return isTokenChar(text[end]) ? null : { start, end };
}

/** A credential looks random: it mixes upper case, lower case and digits. */
function looksRandom(candidate: string): boolean {
  return /[A-Z]/.test(candidate) && /[a-z]/.test(candidate) && /\d/.test(candidate);
}

const SECRET_RULES: readonly SecretRule[] = [
  {
    type: 'aws_access_key',
    // Access key ids: AKIA (long-term), ASIA (STS) and the other IAM unique-id prefixes.
    pattern: '\\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|AROA|APKA)[A-Z2-7]{16}\\b',
  },
  {
    type: 'aws_secret_key',
    // 40 base64 characters shortly after an AWS context word; the span is the key alone.
    pattern: '(?i:aws|secret[_ \\-]?access[_ \\-]?key|secret[_ \\-]?key)[^\\n]{0,40}?[A-Za-z0-9/+]{40}',
    validate(text, _start, end) {
      const start = end - 40;
      if (isBase64Char(text[start - 1]) || isBase64Char(text[end])) return null;
      return looksRandom(text.slice(start, end)) ? { start, end } : null;
    },
  },
  {
    type: 'github_token',
    pattern: '\\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})\\b',
  },
  {
    type: 'openai_key',
    // Legacy `sk-` + 48, and project/service-account/admin keys `sk-proj-…` with `_` and `-`.
    pattern: '\\bsk-(?:(?:proj|svcacct|admin)-)?[A-Za-z0-9_\\-]{20,}',
    validate(text, start, end) {
      const body = text.slice(start, end);
      return /\d/.test(body) && /[A-Za-z]{2}/.test(body.slice(3)) && !/--/.test(body) ? endsCleanly(text, start, end) : null;
    },
  },
  {
    type: 'slack_token',
    pattern: '\\bxox[abposr]-[A-Za-z0-9\\-]{10,}|\\bxapp-\\d-[A-Za-z0-9\\-]{10,}',
    validate: endsCleanly,
  },
  {
    type: 'slack_token',
    variant: 'webhook',
    pattern: 'https://hooks\\.slack\\.com/(?:services|workflows)/[A-Za-z0-9_/\\-]{20,}',
  },
  {
    type: 'google_api_key',
    pattern: '\\bAIza[0-9A-Za-z_\\-]{35}',
    validate: endsCleanly,
  },
  {
    type: 'google_api_key',
    variant: 'oauth',
    pattern: '\\bya29\\.[0-9A-Za-z_\\-]{20,}',
    validate: endsCleanly,
  },
  {
    type: 'jwt',
    // RFC 7519: header.payload.signature in base64url; the header must decode to JSON naming `alg`.
    pattern: '\\beyJ[A-Za-z0-9_\\-]{5,}\\.[A-Za-z0-9_\\-]{5,}\\.[A-Za-z0-9_\\-]{0,}',
    validate(text, start, end) {
      const header = decodeBase64Text(text.slice(start, text.indexOf('.', start)));
      if (header === null) return null;
      try {
        const parsed: unknown = JSON.parse(header);
        if (typeof parsed !== 'object' || parsed === null || typeof (parsed as { alg?: unknown }).alg !== 'string') return null;
      } catch {
        return null;
      }
      return endsCleanly(text, start, end);
    },
  },
  {
    type: 'private_key',
    // RFC 7468 PEM block (RSA, EC, DSA, OPENSSH, ENCRYPTED, PGP); the whole block is the span. A block
    // cut off before its END line still counts, up to the end of its base64 body.
    pattern:
      '-----BEGIN[A-Z0-9 ]{0,30} PRIVATE KEY(?: BLOCK)?-----(?:[\\s\\S]{0,}?-----END[A-Z0-9 ]{0,30} PRIVATE KEY(?: BLOCK)?-----|[A-Za-z0-9+/=\\s:,\\-]{0,})',
    validate(text, start, end) {
      let trimmed = end;
      while (trimmed > start && /\s/.test(text[trimmed - 1]!)) trimmed--;
      return { start, end: trimmed };
    },
  },
];

export function createSecretsDetector(options: SecretsOptions, engine: RegexEngine, views: MatchingViews = createMatchingViews()): TextDetector {
  const enabled = new Set(options.types);
  const compiled: { rule: SecretRule; pattern: CompiledPattern; ruleId: string }[] = SECRET_RULES.filter((r) =>
    enabled.has(r.type),
  ).map((rule) => ({
    rule,
    pattern: engine.compile(rule.pattern, rule.flags),
    ruleId: `secret.${rule.type}${rule.variant ? `.${rule.variant}` : ''}`,
  }));
  const base64Run = engine.compile(BASE64_RUN_PATTERN);
  // One scan first: most texts hold no candidate for any rule.
  const gate = createExactGate(engine, compiled.map(({ rule }) => rule));

  function scan(haystack: string): { ruleId: string; type: SecretType; span: Span }[] {
    const hits: { ruleId: string; type: SecretType; span: Span }[] = [];
    if (!gate.mayMatch(haystack)) return hits;
    for (const { rule, pattern, ruleId } of compiled) {
      for (const m of pattern.matchAll(haystack)) {
        const span = rule.validate ? rule.validate(haystack, m.start, m.end) : { start: m.start, end: m.end };
        if (span !== null) hits.push({ ruleId, type: rule.type, span });
      }
    }
    return hits;
  }

  return {
    name: 'secrets',
    detect(text: string): Finding[] {
      // The data view, case kept: a zero-width or fullwidth character inside a key no longer hides it.
      const view = views(text).data;
      const findings: Finding[] = scan(view.text).map(({ ruleId, type, span }) => ({
        detector: 'secrets',
        ruleId,
        category: `secret/${type}`,
        score: 1,
        span: view.toOriginal(span.start, span.end),
      }));
      // A key inside a base64 run (a config file or header pasted encoded): the run is the span.
      // A JWT is itself base64url; its parts are not rescanned as payloads of their own.
      const covered = findings.map((f) => f.span!);
      for (const payload of base64Payloads(base64Run, view.text)) {
        const span = view.toOriginal(payload.start, payload.end);
        if (covered.some((c) => c.start <= span.start && c.end >= span.end)) continue;
        const seen = new Set<string>();
        for (const hit of scan(foldForData(payload.decoded).text)) {
          if (seen.has(hit.ruleId)) continue;
          seen.add(hit.ruleId);
          findings.push({ detector: 'secrets', ruleId: hit.ruleId, category: `secret/${hit.type}`, score: 1, span });
        }
      }
      return findings.sort((a, b) => a.span!.start - b.span!.start);
    },
  };
}
