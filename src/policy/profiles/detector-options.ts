// What a policy can ask of the pre-filter detectors. Profiles resolve to one of these per direction
// (input, output); `buildDetectors` turns it into ready-built TextDetectors once, at policy load.

export const PII_TYPES = ['email', 'phone', 'credit_card', 'iban', 'us_ssn', 'ip_address', 'url'] as const;
export type PiiType = (typeof PII_TYPES)[number];

export const SECRET_TYPES = [
  'aws_access_key',
  'aws_secret_key',
  'github_token',
  'openai_key',
  'slack_token',
  'google_api_key',
  'jwt',
  'private_key',
] as const;
export type SecretType = (typeof SECRET_TYPES)[number];

export interface RegexRuleOptions {
  /** Stable id reported as the finding's ruleId. */
  id: string;
  pattern: string;
  /** JavaScript flag letters; `i` is implied when `normalized` is true. */
  flags?: string;
  /** Category reported (a moderation category such as `sexual/minors`, or a tenant's own label). */
  category: string;
  /** Match against the normalised text (homoglyphs, zero-width, leetspeak folded). Default true. */
  normalized?: boolean;
  /** Score reported when the rule fires; default 1 (a deterministic hit). */
  score?: number;
}

export interface KeywordListOptions {
  id: string;
  category: string;
  /** Words or phrases, matched as whole words on the normalised text. */
  keywords: string[];
}

/** Word n-gram overlap settings of the leak detectors (system_prompt, copyright_ip). */
export interface OverlapDetectorOptions {
  ngram: number;
  threshold: number;
  minShared: number;
}

export interface DetectorSuiteOptions {
  /** An answer that repeats the request's instructions (output direction). */
  systemPrompt?: OverlapDetectorOptions;
  /** Text that reproduces one of the tenant's protected texts. */
  copyright?: OverlapDetectorOptions & { texts: Array<{ id: string; text: string }> };
  sanity?: { maxChars: number; rejectControlChars: boolean };
  pii?: { types: PiiType[] };
  secrets?: { types: SecretType[] };
  injection?: { enabled: boolean };
  sponge?: { maxChars: number; maxRepeatedRatio: number };
  regexRules?: RegexRuleOptions[];
  keywordLists?: KeywordListOptions[];
  /**
   * The built-in sexual/minors hard rules (seed 000: block on a regex hit). On unless a policy
   * sets `enabled: false`: this guardrail fails closed.
   */
  minors?: { enabled: boolean };
  /** The built-in harm phrases (src/guard/detectors/harm-phrases.ts), scored through the category bands. */
  harmPhrases?: { enabled: boolean };
}
