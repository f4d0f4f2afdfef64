// Wire shapes built from verdicts: `policy_detections` {input_guardrails, output_guardrails}
// modelled on seed 004's GuardrailsDetectionResponse (summary, details keyed by detector with
// compliance_mapping, result_message), the degraded-checks header, and the /v1/moderations result
// (OpenAI's shape, https://platform.openai.com/docs/api-reference/moderations/object, plus our
// extensions). Reports carry spans and rule ids, never the matched text: a blocked answer or a
// detected secret must not travel back inside its own report.

import { AUXILIARY_HEADS, MODERATION_CATEGORIES, isModerationCategory, type ModerationCategory } from '../categories.ts';
import type { Span } from '../text/normalize.ts';
import { complianceMappingFor, type ComplianceMapping } from './compliance.ts';
import { detectorForCategory } from '../guard/decision.ts';
import type { Decision, DegradedCheck, Detection, Direction, Verdict } from '../guard/types.ts';
import type { Redaction } from '../guard/redaction.ts';

// ---- Shared wire pieces ----------------------------------------------------------------------------

export interface WireDetection {
  readonly detector: string;
  readonly rule_id: string;
  readonly category: string;
  readonly score: number;
  readonly span: Span | null;
  readonly action: Detection['action'];
  readonly enforced: boolean;
  /** The LLM judge's reason and the spans it cited (offsets only: the report never echoes the text). */
  readonly rationale?: string;
  readonly citations?: Span[];
}

export interface WireDegraded {
  readonly stage: string;
  readonly reason: DegradedCheck['reason'];
  readonly on_error: DegradedCheck['onError'];
  readonly outcome: DegradedCheck['outcome'];
}

export function toWireDetection(detection: Detection): WireDetection {
  return {
    detector: detection.detector,
    rule_id: detection.ruleId,
    category: detection.category,
    score: round(detection.score),
    span: detection.span,
    action: detection.action,
    enforced: detection.enforced,
    ...(detection.rationale === undefined ? {} : { rationale: detection.rationale }),
    ...(detection.citations === undefined ? {} : { citations: detection.citations.map((c) => ({ start: c.start, end: c.end })) }),
  };
}

function toWireDegraded(check: DegradedCheck): WireDegraded {
  return { stage: check.stage, reason: check.reason, on_error: check.onError, outcome: check.outcome };
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

const DECISION_RANK: Readonly<Record<Decision, number>> = { allow: 0, allow_with_redaction: 1, soft_block: 2, block: 3 };

/** The more severe of two decisions. */
export function worseDecision(a: Decision, b: Decision): Decision {
  return DECISION_RANK[b] > DECISION_RANK[a] ? b : a;
}

/** The most severe decision of a set of verdicts (one request's messages). */
export function worstDecision(verdicts: readonly Verdict[]): Decision {
  return verdicts.reduce<Decision>((worst, v) => worseDecision(worst, v.decision), 'allow');
}

// ---- policy_detections -------------------------------------------------------------------------

type Family = 'toxicity' | 'nsfw' | 'pii' | 'injection_attack' | 'keyword_detector' | 'sponge_attack' | 'policy_violation' | 'input_sanity' | 'system_prompt' | 'copyright_ip' | 'topic' | JudgeOnlyFamily;
/** Findings only the LLM judge makes (deployment judge_checks); reported when found. */
type JudgeOnlyFamily = 'bias' | 'relevancy' | 'hallucination';
const JUDGE_ONLY_FAMILIES: readonly JudgeOnlyFamily[] = ['bias', 'relevancy', 'hallucination'];

function familyOf(detection: Detection): Family {
  if (detection.category === 'sexual' || detection.category === 'sexual/minors') return 'nsfw';
  switch (detection.detector) {
    case 'pii':
    case 'secrets':
      return 'pii';
    case 'injection_attack':
    case 'sponge_attack':
    case 'keyword_detector':
    case 'input_sanity':
    case 'system_prompt':
    case 'copyright_ip':
    case 'topic':
    case 'bias':
    case 'relevancy':
    case 'hallucination':
      return detection.detector;
    case 'regex':
      return 'keyword_detector';
    case 'toxicity':
    case 'nsfw':
      return detection.detector;
    default:
      return isModerationCategory(detection.category) ? (detectorForCategory(detection.category) as Family) : 'policy_violation';
  }
}

interface LocatedDetection extends WireDetection {
  /** Index among the texts checked in this direction (not necessarily into `messages`). */
  readonly message_index: number;
  /** The field that text came from (`messages[1].tool_calls[0].function.arguments`), when known. */
  readonly param?: string;
}

export interface GuardrailsSummary {
  readonly nsfw: number;
  /** Toxicity-family categories flagged in any message (seed 004: a list of category names). */
  readonly toxicity: string[];
  readonly pii: number;
  readonly injection_attack: number;
  readonly keyword_detected: number;
  readonly policy_violation: number;
  readonly sponge_attack: number;
  readonly input_sanity: number;
  /** Seed 004's names: texts that leak the request's instructions, or reproduce a protected text. */
  readonly system_prompt_similarity: number;
  readonly copyright_ip_similarity: number;
  /** Banned or off-topic texts. */
  readonly topic: number;
  readonly degraded: number;
  /** Present when the judge found bias / an irrelevant answer / a hallucination (deployment judge_checks). */
  readonly bias?: number;
  readonly relevancy?: number;
  readonly hallucination?: number;
}

export interface GuardrailsReport {
  readonly summary: GuardrailsSummary;
  readonly details: Record<string, Record<string, unknown>>;
  /** Seed 004: the block message, the revised text when only redactions fired, else null. */
  readonly result_message: string | null;
  readonly decision: Decision;
  readonly profile: string;
  readonly policy_version: string;
  readonly degraded: Array<WireDegraded & { message_index: number }>;
  readonly detections: LocatedDetection[];
  /** Per message: scored, cached, skipped (a hard rule had already blocked it, or it has no letter or digit to read) or unavailable. Zero scores of a skipped text mean "not scored". */
  readonly classifier: { readonly version: string; readonly status: Array<Verdict['classifier']['status']> };
  /** Per message: the language identified (ISO 639-1), null when none was (no letters, checked for data only, or too short to tell). */
  readonly languages: Array<string | null>;
}

export interface PolicyDetections {
  /** null when that direction was not checked (e.g. the request was blocked before the upstream call). */
  readonly input_guardrails: GuardrailsReport | null;
  readonly output_guardrails: GuardrailsReport | null;
}

function maxOf(verdicts: readonly Verdict[], read: (v: Verdict) => number | undefined): number {
  return round(verdicts.reduce((max, v) => Math.max(max, read(v) ?? 0), 0));
}

function maxScore(items: readonly LocatedDetection[]): number {
  return round(items.reduce((max, d) => Math.max(max, d.score), 0));
}

function countBy(items: readonly LocatedDetection[], key: (d: LocatedDetection) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}

/**
 * A detector's details, with its `compliance_mapping` (optional in seed 004) only when the detector
 * found something: the mapping of a non-finding says nothing, and repeating all of them made up
 * most of the ~6 KB every guarded answer carried.
 */
function withMapping<T extends Record<string, unknown>>(detail: T, mapping: ComplianceMapping, found: readonly unknown[]): T | (T & { compliance_mapping: ComplianceMapping }) {
  return found.length > 0 ? { ...detail, compliance_mapping: mapping } : detail;
}

const TOXICITY_CATEGORIES = MODERATION_CATEGORIES.filter((c) => detectorForCategory(c) === 'toxicity');
const ILLICIT_CATEGORIES = MODERATION_CATEGORIES.filter((c) => detectorForCategory(c) === 'policy_violation');
const JIGSAW_HEADS = AUXILIARY_HEADS.filter((h) => h !== 'prompt_injection');

function buildDetails(verdicts: readonly Verdict[], byFamily: Record<Family, LocatedDetection[]>): Record<string, Record<string, unknown>> {
  const typeOf = (d: LocatedDetection) => d.category.slice(d.category.indexOf('/') + 1);
  const pii = byFamily.pii.filter((d) => d.detector === 'pii');
  const injectionScore = maxOf(verdicts, (v) => Math.max(v.auxiliaryScores.prompt_injection ?? 0, ...v.detections.filter((d) => d.detector === 'injection_attack').map((d) => d.score)));
  const worstInjection = [...byFamily.injection_attack].sort((a, b) => b.score - a.score)[0];
  const nsfwScore = maxOf(verdicts, (v) => v.categoryScores.sexual);
  const violations = byFamily.policy_violation.filter((d) => d.action !== 'report' || d.detector === 'judge' || d.detector === 'policy_violation');
  const rationales = [...new Set(violations.map((d) => d.rationale).filter((r): r is string => typeof r === 'string'))];
  const judgeOnly = Object.fromEntries(
    JUDGE_ONLY_FAMILIES.filter((family) => byFamily[family].length > 0).map((family) => [
      family,
      {
        [`${family}_detected`]: true,
        explanation: [...new Set(byFamily[family].map((d) => d.rationale).filter((r): r is string => typeof r === 'string'))].join(' '),
        spans: byFamily[family].map((d) => ({ message_index: d.message_index, ...(d.span ?? {}) })),
      },
    ]),
  );

  return {
    toxicity: withMapping(
      {
        ...Object.fromEntries(TOXICITY_CATEGORIES.map((c) => [c, maxOf(verdicts, (v) => v.categoryScores[c])])),
        ...Object.fromEntries(JIGSAW_HEADS.filter((h) => verdicts.some((v) => v.auxiliaryScores[h] !== undefined)).map((h) => [h, maxOf(verdicts, (v) => v.auxiliaryScores[h])])),
      },
      complianceMappingFor('toxicity'),
      byFamily.toxicity,
    ),
    nsfw: withMapping(
      {
        sfw: round(1 - nsfwScore),
        nsfw: nsfwScore,
        'sexual/minors': maxOf(verdicts, (v) => v.categoryScores['sexual/minors']),
        hard_rule_hits: byFamily.nsfw.filter((d) => !d.rule_id.startsWith('classifier.')).map((d) => d.rule_id),
      },
      complianceMappingFor('nsfw'),
      byFamily.nsfw,
    ),
    pii: withMapping(
      {
        pii: countBy(pii.filter((d) => !['ip_address', 'url'].includes(typeOf(d))), typeOf),
        secrets: countBy(byFamily.pii.filter((d) => d.detector === 'secrets'), typeOf),
        ip_address: countBy(pii.filter((d) => typeOf(d) === 'ip_address'), typeOf),
        url: countBy(pii.filter((d) => typeOf(d) === 'url'), typeOf),
        redactions: verdicts.reduce((n, v) => n + v.redactions.length, 0),
      },
      complianceMappingFor('pii'),
      byFamily.pii,
    ),
    injection_attack: withMapping(
      {
        safe: round(1 - injectionScore),
        attack: injectionScore,
        rule_ids: [...new Set(byFamily.injection_attack.map((d) => d.rule_id))],
        // Where, not what: the content itself is not echoed back.
        most_unsafe_span: worstInjection
          ? { message_index: worstInjection.message_index, ...(worstInjection.param === undefined ? {} : { param: worstInjection.param }), ...(worstInjection.span ?? {}) }
          : null,
      },
      complianceMappingFor('injection_attack'),
      byFamily.injection_attack,
    ),
    keyword_detector: {
      detected_keywords: [...new Set(byFamily.keyword_detector.map((d) => d.rule_id))],
      detected_counts: countBy(byFamily.keyword_detector, (d) => d.rule_id),
    },
    sponge_attack: withMapping({ sponge_attack_detected: byFamily.sponge_attack.length > 0 }, complianceMappingFor('sponge_attack'), byFamily.sponge_attack),
    policy_violation: withMapping(
      {
        violating_policy: violations.length > 0 ? [...new Set(violations.map((d) => d.category))].join(', ') : 'No Violation Found',
        explanation: rationales.length > 0 ? rationales.join(' ') : violations.length > 0 ? `Rules: ${[...new Set(violations.map((d) => d.rule_id))].join(', ')}` : 'No Violation Found.',
        scores: Object.fromEntries(ILLICIT_CATEGORIES.map((c) => [c, maxOf(verdicts, (v) => v.categoryScores[c])])),
      },
      complianceMappingFor('policy_violation'),
      byFamily.policy_violation,
    ),
    input_sanity: { violations: byFamily.input_sanity.length, rule_ids: [...new Set(byFamily.input_sanity.map((d) => d.rule_id))] },
    // Seed 004 reports similarity_score as an integer; ours is the overlap, 0..1 (0: nothing found).
    system_prompt: withMapping({ similarity_score: maxScore(byFamily.system_prompt) }, complianceMappingFor('system_prompt'), byFamily.system_prompt),
    copyright_ip: withMapping(
      { similarity_score: maxScore(byFamily.copyright_ip), matched_texts: [...new Set(byFamily.copyright_ip.map((d) => d.rule_id.slice('copyright_ip.'.length)))] },
      complianceMappingFor('copyright_ip'),
      byFamily.copyright_ip,
    ),
    topic: {
      banned_topics: [...new Set(byFamily.topic.filter((d) => d.rule_id.startsWith('topic.banned.')).map((d) => d.rule_id.slice('topic.banned.'.length)))],
      off_topic: byFamily.topic.some((d) => d.rule_id === 'topic.off_topic'),
    },
    ...judgeOnly,
  };
}

function resultMessage(direction: Direction, decision: Decision, verdicts: readonly Verdict[], detections: readonly LocatedDetection[]): string | null {
  const side = direction === 'input' ? 'input' : 'output';
  const reasons = (actions: readonly string[]) =>
    [...new Set(detections.filter((d) => d.enforced && actions.includes(d.action)).map((d) => `${d.category} (${d.rule_id})`))].join(', ');
  if (decision === 'block') {
    const why = reasons(['block']);
    const degraded = verdicts.some((v) => v.degraded.some((d) => d.outcome === 'blocked'));
    return `Blocked by the ${side} guardrails: ${why || ''}${why && degraded ? '; ' : ''}${degraded ? 'a check could not complete and fails closed' : ''}.`;
  }
  if (decision === 'soft_block') return `Flagged by the ${side} guardrails for review: ${reasons(['soft_block'])}.`;
  if (decision === 'allow_with_redaction') return verdicts.map((v) => v.redactedText).join('\n');
  return null;
}

/** One direction's report over the verdicts of all its checked texts (in message order). */
export function buildGuardrailsReport(direction: Direction, verdicts: readonly Verdict[], params?: readonly string[]): GuardrailsReport {
  const detections: LocatedDetection[] = [];
  const byFamily: Record<Family, LocatedDetection[]> = {
    toxicity: [], nsfw: [], pii: [], injection_attack: [], keyword_detector: [], sponge_attack: [], policy_violation: [], input_sanity: [],
    system_prompt: [], copyright_ip: [], topic: [],
    bias: [], relevancy: [], hallucination: [],
  };
  verdicts.forEach((verdict, messageIndex) => {
    for (const detection of verdict.detections) {
      const param = params?.[messageIndex];
      const located = { message_index: messageIndex, ...(param === undefined ? {} : { param }), ...toWireDetection(detection) };
      detections.push(located);
      byFamily[familyOf(detection)].push(located);
    }
  });
  const decision = worstDecision(verdicts);
  const degraded = verdicts.flatMap((v, i) => v.degraded.map((d) => ({ message_index: i, ...toWireDegraded(d) })));
  const toxicity = [...new Set(verdicts.flatMap((v) => v.flaggedCategories.filter((c) => detectorForCategory(c) === 'toxicity')))];
  const first = verdicts[0];
  return {
    summary: {
      nsfw: byFamily.nsfw.length,
      toxicity,
      pii: byFamily.pii.length,
      injection_attack: byFamily.injection_attack.length,
      keyword_detected: byFamily.keyword_detector.length,
      policy_violation: byFamily.policy_violation.length,
      sponge_attack: byFamily.sponge_attack.length,
      input_sanity: byFamily.input_sanity.length,
      system_prompt_similarity: byFamily.system_prompt.length,
      copyright_ip_similarity: byFamily.copyright_ip.length,
      topic: byFamily.topic.length,
      degraded: degraded.length,
      ...Object.fromEntries(JUDGE_ONLY_FAMILIES.filter((family) => byFamily[family].length > 0).map((family) => [family, byFamily[family].length])),
    },
    details: buildDetails(verdicts, byFamily),
    result_message: resultMessage(direction, decision, verdicts, detections),
    decision,
    profile: first?.profile ?? '',
    policy_version: first?.policyVersion ?? '',
    degraded,
    detections,
    classifier: { version: first?.classifier.version ?? '', status: verdicts.map((v) => v.classifier.status) },
    languages: verdicts.map(languageOf),
  };
}

/**
 * `policy_detections` for a guarded response; pass only the directions that were checked, and
 * per direction the field path of each checked text so every detection names where it was found.
 */
export function buildPolicyDetections(
  checked: { input?: readonly Verdict[]; output?: readonly Verdict[] },
  params: { input?: readonly string[]; output?: readonly string[] } = {},
): PolicyDetections {
  return {
    input_guardrails: checked.input ? buildGuardrailsReport('input', checked.input, params.input) : null,
    output_guardrails: checked.output ? buildGuardrailsReport('output', checked.output, params.output) : null,
  };
}

// ---- Response headers ------------------------------------------------------------------------------

export const GUARD_DEGRADED_HEADER = 'X-Guard-Degraded';
export const GUARD_POLICY_VERSION_HEADER = 'X-Guard-Policy-Version';

/** `input:classifier=timeout/blocked, output:pii=error/passed`, or null when every check completed. */
export function degradedHeaderValue(checked: { input?: readonly Verdict[]; output?: readonly Verdict[] }): string | null {
  const parts: string[] = [];
  for (const direction of ['input', 'output'] as const) {
    for (const verdict of checked[direction] ?? []) {
      for (const d of verdict.degraded) parts.push(`${direction}:${d.stage}=${d.reason}/${d.outcome}`);
    }
  }
  return parts.length > 0 ? [...new Set(parts)].join(', ') : null;
}

// ---- /v1/moderations ---------------------------------------------------------------------------

export type AppliedInputType = 'text' | 'image';

export interface ModerationResult {
  readonly flagged: boolean;
  readonly categories: Record<ModerationCategory, boolean>;
  readonly category_scores: Record<ModerationCategory, number>;
  readonly category_applied_input_types: Record<ModerationCategory, AppliedInputType[]>;
  // Extensions (clients that follow OpenAI's schema ignore unknown fields).
  readonly decision: Decision;
  readonly profile: string;
  readonly policy_version: string;
  readonly redactions: Redaction[];
  readonly redacted_input: string;
  readonly detections: WireDetection[];
  readonly degraded: WireDegraded[];
  /** The language identified (ISO 639-1), or null when the text is too short or has no letters to tell. */
  readonly language: string | null;
  /** Parts of the input that were not classified, said plainly (e.g. images: we classify text only). */
  readonly unclassified_inputs: Array<{ type: 'image_url'; count: number; reason: string }>;
}

export interface ModerationResultOptions {
  /** Whether the input had any text (false for an image-only input). Default true. */
  readonly hasText?: boolean;
  /** How many image parts the input had; none of them is classified. */
  readonly imageParts?: number;
}

/** A verdict's language when eld was confident of it. */
function languageOf(verdict: Verdict): string | null {
  return verdict.language?.reliable ? verdict.language.code : null;
}

/** Map one verdict (one input of /v1/moderations) onto OpenAI's moderation result plus our extensions. */
export function toModerationResult(verdict: Verdict, options: ModerationResultOptions = {}): ModerationResult {
  const hasText = options.hasText ?? true;
  const imageParts = options.imageParts ?? 0;
  const applied: AppliedInputType[] = hasText ? ['text'] : [];
  const flaggedSet = new Set(verdict.flaggedCategories);
  return {
    flagged: flaggedSet.size > 0 || verdict.decision === 'block' || verdict.decision === 'soft_block',
    categories: Object.fromEntries(MODERATION_CATEGORIES.map((c) => [c, flaggedSet.has(c)])) as Record<ModerationCategory, boolean>,
    category_scores: Object.fromEntries(MODERATION_CATEGORIES.map((c) => [c, round(verdict.categoryScores[c])])) as Record<ModerationCategory, number>,
    category_applied_input_types: Object.fromEntries(MODERATION_CATEGORIES.map((c) => [c, [...applied]])) as Record<ModerationCategory, AppliedInputType[]>,
    decision: verdict.decision,
    profile: verdict.profile,
    policy_version: verdict.policyVersion,
    redactions: verdict.redactions.map((r) => ({ ...r })),
    redacted_input: verdict.redactedText,
    detections: verdict.detections.map(toWireDetection),
    degraded: verdict.degraded.map(toWireDegraded),
    language: languageOf(verdict),
    unclassified_inputs: imageParts > 0 ? [{ type: 'image_url', count: imageParts, reason: 'image inputs are not classified by this service; only text parts were checked' }] : [],
  };
}
