// Shared vocabulary of the guard engine: what a pre-filter reports, what the policy makes of it,
// the judge contract, and the Guard built once per profile at policy load with the Verdict it
// returns. Knows neither HTTP nor OpenAI bodies (the adapter in src/guardrails/ maps those).

import type { AuxiliaryHead, ModerationCategory } from '../categories.ts';
import type { ResolvedProfile } from '../policy/profiles/types.ts';
import type { OnError } from '../policy/profiles/schema.ts';
import type { LoadedTenant, PolicyStore } from '../policy/types.ts';
import type { Span } from '../text/normalize.ts';
import type { PlaceholderVault, Redaction } from './redaction.ts';

export type Direction = 'input' | 'output';

/** Detector families, named as in Enkrypt's GuardrailsDetectionResponse details (seed 004). */
export type DetectorName =
  | 'input_sanity'
  | 'pii'
  | 'secrets'
  | 'keyword_detector'
  | 'regex'
  | 'injection_attack'
  | 'sponge_attack'
  | 'toxicity'
  | 'nsfw'
  | 'policy_violation'
  | 'judge'
  | 'language'
  | 'system_prompt'
  | 'copyright_ip'
  | 'topic'
  | 'bias'
  | 'harm_phrases'
  | 'relevancy'
  | 'hallucination';

/** One thing a detector found. Deterministic detectors report score 1. */
export interface Finding {
  readonly detector: DetectorName;
  /** Stable id of the rule that fired, e.g. `pii.email`, `secret.aws_access_key`, `injection.ignore_previous`. */
  readonly ruleId: string;
  /** What was found: a moderation category (`sexual/minors`), `pii/email`, `secret/github_token`, `injection`... */
  readonly category: string;
  readonly score: number;
  /** Offsets into the original text (UTF-16 code units, as JavaScript strings index). */
  readonly span?: Span;
}

/** A pre-filter, built once by a factory when the policy loads, then run per text. */
/** What a request tells the detectors beyond the text itself (an answer's leak check needs the request's instructions). */
export interface DetectionContext {
  /** The instructions the request gave the model: system/developer messages, Responses `instructions`. */
  readonly systemPrompts?: readonly string[];
}

export interface TextDetector {
  readonly name: DetectorName;
  detect(text: string, context?: DetectionContext): Finding[];
  /**
   * The findings that need only the text's length (a length cap), run before any detector reads
   * a character: when one of them blocks, the text is refused without the per-character work.
   * Each is also among `detect`'s findings.
   */
  lengthCheck?(text: string): Finding[];
}

// ---- What the policy makes of findings and scores ---------------------------------------------

export type Decision = 'allow' | 'allow_with_redaction' | 'soft_block' | 'block';

/**
 * What the policy does with a detection. `report`: reported only (a `monitor` action). For a
 * detection in a monitor-mode stage or category, `action` is what it would have done and
 * `enforced` is false.
 */
export type DetectionAction = 'block' | 'soft_block' | 'redact' | 'placeholder' | 'report';

export interface Detection {
  readonly detector: DetectorName;
  readonly ruleId: string;
  readonly category: string;
  readonly score: number;
  readonly span: Span | null;
  readonly action: DetectionAction;
  readonly enforced: boolean;
  /** The LLM judge's reason, on its detections. */
  readonly rationale?: string;
  /** The spans the judge cited (checked against the text), on its detections. */
  readonly citations?: readonly Span[];
}

/** A stage that errored or ran past its budget, and what its on_error made of that. */
export interface DegradedCheck {
  readonly stage: DetectorName | 'classifier';
  /** overloaded: the judge's concurrency limit and queue were full. */
  readonly reason: 'error' | 'timeout' | 'over_budget' | 'overloaded';
  readonly onError: OnError;
  /** blocked: failed closed. passed: failed open. fell_back: handed to the next stage. completed: finished late, results used. */
  readonly outcome: 'blocked' | 'passed' | 'fell_back' | 'completed';
}

// ---- The judge contract (the LLM judge is src/judge/; the stage is stages/judge.ts) ------------

/** Checks only the judge can make: the tenant's own policy, and on output bias, relevancy, hallucination. */
export type JudgeCheck = 'policy_violation' | 'bias' | 'relevancy' | 'hallucination';
export const JUDGE_CHECKS: readonly JudgeCheck[] = ['policy_violation', 'bias', 'relevancy', 'hallucination'];

/** What each requested check needs; an absent check is not asked. */
export interface JudgeChecksRequest {
  readonly policy_violation?: { readonly name: string; readonly policy: string };
  readonly bias?: Readonly<Record<never, never>>;
  /** The question the answer should address (the last user message). */
  readonly relevancy?: { readonly question: string };
  /** The context the answer should stay within (`enkrypt_context`). */
  readonly hallucination?: { readonly context: string };
}

/** The checks a caller asks for in one direction, with what a failed check does. */
export type JudgeCheckOptions = {
  readonly [K in JudgeCheck]?: NonNullable<JudgeChecksRequest[K]> & { readonly action: 'block' | 'soft_block' | 'monitor' };
};

export interface JudgeRequest {
  readonly text: string;
  readonly direction: Direction;
  readonly profile: string;
  readonly policyVersion: string;
  /** The caller's cache namespace (CheckOptions.cacheScope, the tenant): verdicts are never shared across it. */
  readonly cacheScope?: string;
  /** All 13 category scores (0 where the classifier gave none). */
  readonly scores: Readonly<Record<ModerationCategory, number>>;
  /** Categories in their judge gray band; empty when the classifier was unavailable or only checks are asked. */
  readonly grayCategories: readonly ModerationCategory[];
  /** The judge band of each gray category, `from <= score < to`. */
  readonly grayBands: Readonly<Partial<Record<ModerationCategory, { readonly from: number; readonly to: number }>>>;
  readonly reason: 'gray_band' | 'classifier_unavailable' | 'checks';
  readonly checks: JudgeChecksRequest;
  /** The pre-filter and classifier hits so far, as context (ids and categories, never the matched text). */
  readonly rules: ReadonlyArray<{ readonly ruleId: string; readonly category: string; readonly action: DetectionAction }>;
  /** Aborted when the judge's time budget runs out. */
  readonly signal: AbortSignal;
}

/** A span the judge cited: UTF-16 offsets into the judged text and the quote found there. */
export interface JudgeCitation {
  readonly start: number;
  readonly end: number;
  readonly quote: string;
}

export interface JudgeResult {
  /** The judge's call on the gray band (or on the whole text when the classifier was unavailable). */
  readonly decision: 'allow' | 'soft_block' | 'block';
  /** Our category and check names the judge found violated. */
  readonly categories?: readonly string[];
  readonly rationale?: string;
  /** Only citations whose quote matches the text at their offsets (or once elsewhere, re-anchored). */
  readonly citations?: readonly JudgeCitation[];
  /** Per requested check: true when the text fails it. */
  readonly checks?: Readonly<Partial<Record<JudgeCheck, boolean>>>;
  /** Served from the judge's cache. */
  readonly cached?: boolean;
}

export interface Judge {
  /** null: no opinion (the verdict stays as the cascade left it). */
  review(request: JudgeRequest): Promise<JudgeResult | null>;
}

export interface JudgeOutcome {
  readonly decision: JudgeResult['decision'];
  /** False when the judge runs in monitor mode: its opinion is reported, not applied. */
  readonly enforced: boolean;
  /** The gray-band categories the judge was asked about: an allow clears only soft blocks among them. Absent: all. */
  readonly reviewed?: readonly ModerationCategory[];
}

// ---- The guard and its verdict ----------------------------------------------------------------

export interface Verdict {
  readonly decision: Decision;
  readonly direction: Direction;
  /**
   * Hex SHA-256 of the text as checked (UTF-8), hashed once per text: the classifier cache key is
   * built from it, and the audit record carries it.
   */
  readonly textSha256: string;
  readonly profile: string;
  readonly policyVersion: string;
  /** Every reason: rule ids, scores, spans, what each did and whether it was enforced. */
  readonly detections: readonly Detection[];
  /** All 13 categories: the classifier's score, raised to any pre-filter score for the same category. */
  readonly categoryScores: Readonly<Record<ModerationCategory, number>>;
  /** Auxiliary heads the classifier returned (toxicity, insult, prompt_injection...). */
  readonly auxiliaryScores: Readonly<Partial<Record<AuxiliaryHead, number>>>;
  /** Categories at or above their review threshold (or hit by a hard rule), enforced or not. */
  readonly flaggedCategories: readonly ModerationCategory[];
  /** Applied redactions, offsets into the original text. */
  readonly redactions: readonly Redaction[];
  readonly redactedText: string;
  readonly degraded: readonly DegradedCheck[];
  readonly classifier: { readonly status: 'scored' | 'cached' | 'skipped' | 'unavailable'; readonly version: string };
  readonly judge: (JudgeResult & { readonly enforced: boolean; readonly reviewed?: readonly ModerationCategory[] }) | null;
  /** The language identified (ISO 639-1) and whether eld found it reliable; null when not identified (no text, a data-only text, or not loaded). */
  readonly language: { readonly code: string | null; readonly reliable: boolean } | null;
  /** Milliseconds per stage for this text (the classifier's is its batch's); 0 for a stage that did not run. */
  readonly latencyMs: Readonly<Record<GuardStage, number>>;
}

/** The cascade's stages, as timed in Verdict.latencyMs and labelled in metrics and spans. */
export type GuardStage = 'prefilters' | 'classifier' | 'judge';

/**
 * What a text is checked for. `full`: every stage. `sensitive_data`: the PII and secret detectors
 * only (a message of a role the profile does not judge still has its data redacted).
 */
export type CheckScope = 'full' | 'sensitive_data';

export interface CheckOptions {
  /** Shared by all checks of one request, so the same email gets the same placeholder everywhere. */
  readonly vault?: PlaceholderVault;
  /** The request's context for detectors that compare against it (system_prompt). */
  readonly context?: DetectionContext;
  /** Per text, in order; `full` where absent. */
  readonly scopes?: readonly CheckScope[];
  /**
   * Score texts a pre-filter already blocked too (/v1/moderations: `category_scores` always carry
   * the classifier's scores, raised by rule evidence, never zeroed by it). Default false.
   */
  readonly scoreBlocked?: boolean;
  /**
   * The caller reports each text's language (/v1/moderations' `language`): identify it even where
   * the profile does not act on it. Default false: under `unsupported_action: allow` nothing else
   * reads the language, so a chat's texts skip the identification (~6% of a short chat's CPU).
   */
  readonly reportLanguage?: boolean;
  /**
   * Namespace of the classifier cache entries this check reads and writes: the tenant, so that a
   * cache hit never tells one tenant what another sent. Default: one unnamed namespace.
   */
  readonly cacheScope?: string;
  /** Judge-backed checks for these texts (the deployment's `judge_checks` for this direction). */
  readonly judgeChecks?: JudgeCheckOptions;
  /** Windows of a streamed answer (moderate mode): the judge's stream budget, no whole-answer checks. */
  readonly stream?: boolean;
}

/** The engine for one resolved profile: `check` is the one entry point every route goes through. */
export interface Guard {
  readonly profile: ResolvedProfile;
  readonly policyVersion: string;
  /** Check a batch of texts in one direction; texts that reach the classifier go in ONE classify call. */
  check(texts: readonly string[], direction: Direction, options?: CheckOptions): Promise<Verdict[]>;
}

/** The policy wing's snapshot with a Guard built for every profile. */
export type GuardedTenant = LoadedTenant<Guard>;
export type GuardedPolicyStore = PolicyStore<Guard>;
