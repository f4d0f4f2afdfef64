// The policy glue and the decision, as pure functions: how a resolved profile treats each finding
// and each classifier score, and how the enforced ones combine into allow | allow_with_redaction |
// soft_block | block. Monitor mode evaluates and reports but never enforces.

import { isModerationCategory, MODERATION_CATEGORIES, type ClassifierHead, type ModerationCategory } from '../categories.ts';
import { MINORS_CATEGORY } from '../policy/profiles/floor.ts';
import type { ResolvedBand, ResolvedDirection, StagePolicy } from '../policy/profiles/types.ts';
import type { SensitiveDataAction } from '../policy/profiles/schema.ts';
import type { Span } from '../text/normalize.ts';
import type { Decision, DegradedCheck, Detection, DetectorName, Finding, JudgeOutcome } from './types.ts';

/** The report family a classifier category belongs to (seed 004 detail keys). */
export function detectorForCategory(category: ModerationCategory): DetectorName {
  if (category.startsWith('sexual')) return 'nsfw';
  if (category.startsWith('illicit')) return 'policy_violation';
  return 'toxicity';
}

/** The rule id of a classifier band crossing. */
export function classifierRuleId(head: ClassifierHead): string {
  return `classifier.${head}`;
}

/** block at ≥ block, soft_block in [review, block), otherwise nothing. */
export function bandAction(band: ResolvedBand, score: number): 'block' | 'soft_block' | null {
  if (band.block !== null && score >= band.block) return 'block';
  if (band.review !== null && score >= band.review) return 'soft_block';
  return null;
}

/** The lowest score at which a category counts as flagged (its review threshold, else its block threshold). */
export function flagThreshold(band: ResolvedBand): number | null {
  return band.review ?? band.block;
}

function sensitiveDataDetection(finding: Finding, action: SensitiveDataAction | undefined, stage: StagePolicy | undefined): Detection | null {
  if (action === 'allow') return null;
  const base = { detector: finding.detector, ruleId: finding.ruleId, category: finding.category, score: finding.score, span: finding.span ?? null };
  if (action === undefined || action === 'monitor') return { ...base, action: 'report', enforced: false };
  // A redaction needs a span; without one the only safe outcome is to block.
  const effective = (action === 'redact' || action === 'placeholder') && !finding.span ? 'block' : action;
  return { ...base, action: effective, enforced: stage?.mode !== 'monitor' };
}

function ruleDetection(finding: Finding, action: 'block' | 'soft_block' | 'redact' | 'monitor' | 'allow', stage: StagePolicy | undefined): Detection | null {
  if (action === 'allow') return null;
  const base = { detector: finding.detector, ruleId: finding.ruleId, category: finding.category, score: finding.score, span: finding.span ?? null };
  if (action === 'monitor') return { ...base, action: 'report', enforced: false };
  const effective = action === 'redact' && !finding.span ? 'block' : action;
  return { ...base, action: effective, enforced: stage?.mode !== 'monitor' };
}

/** Find the keyword/regex rule a finding came from: by exact id, or by id after a detector prefix (`keyword.<id>`). */
function ruleFor(direction: ResolvedDirection, ruleId: string) {
  return direction.rules[ruleId] ?? direction.rules[ruleId.slice(ruleId.indexOf('.') + 1)];
}

/**
 * How `direction` treats one pre-filter finding, under `stage` (the policy of the stage that ran its
 * detector, resolved at load); null when the policy ignores it. A sexual/minors finding always
 * blocks, from any detector, in any mode (the floor).
 */
export function detectionForFinding(direction: ResolvedDirection, finding: Finding, stage: StagePolicy | undefined): Detection | null {
  const span = finding.span ?? null;
  if (finding.category === MINORS_CATEGORY) {
    return { detector: finding.detector, ruleId: finding.ruleId, category: finding.category, score: finding.score, span, action: 'block', enforced: true };
  }
  switch (finding.detector) {
    case 'pii':
      return sensitiveDataDetection(finding, direction.piiActions[finding.category.replace(/^pii\//, '') as keyof typeof direction.piiActions], stage);
    case 'secrets':
      return sensitiveDataDetection(finding, direction.secretActions[finding.category.replace(/^secrets?\//, '') as keyof typeof direction.secretActions], stage);
    case 'injection_attack':
      if (finding.score < direction.injection.threshold) return null;
      return ruleDetection(finding, direction.injection.action, stage);
    case 'sponge_attack':
      return ruleDetection(finding, direction.sponge.action, stage);
    case 'input_sanity':
      return ruleDetection(finding, direction.sanity.action, stage);
    case 'system_prompt':
      return ruleDetection(finding, direction.systemPrompt.action, stage);
    case 'copyright_ip':
      return ruleDetection(finding, direction.copyright.action, stage);
    case 'topic':
      return ruleDetection(finding, direction.topic.action, stage);
    case 'keyword_detector':
    case 'regex': {
      const rule = ruleFor(direction, finding.ruleId);
      return rule ? ruleDetection(finding, rule.action, stage) : { detector: finding.detector, ruleId: finding.ruleId, category: finding.category, score: finding.score, span, action: 'report', enforced: false };
    }
    default: {
      // Other detectors that score a moderation category (the harm phrases) go through that
      // category's band; a stage in monitor mode reports without enforcing.
      if (isModerationCategory(finding.category)) {
        const band = direction.bands[finding.category];
        const action = bandAction(band, finding.score);
        if (!action) return null;
        return { detector: finding.detector, ruleId: finding.ruleId, category: finding.category, score: finding.score, span, action, enforced: band.mode === 'enforce' && stage?.mode !== 'monitor' };
      }
      return { detector: finding.detector, ruleId: finding.ruleId, category: finding.category, score: finding.score, span, action: 'report', enforced: false };
    }
  }
}

/**
 * Band crossings for one text's classifier scores, plus the prompt_injection head when the
 * direction runs injection detection. `span` is the worst window, or null for the whole text.
 */
export function detectionsForScores(options: {
  direction: ResolvedDirection;
  scores: Readonly<Partial<Record<ClassifierHead, number>>>;
  span: Span | null;
}): Detection[] {
  const { direction, scores, span } = options;
  const stageEnforces = direction.classifier.mode === 'enforce';
  const detections: Detection[] = [];
  for (const category of MODERATION_CATEGORIES) {
    const score = scores[category];
    if (score === undefined) continue;
    const band = direction.bands[category];
    const action = bandAction(band, score);
    if (!action) continue;
    const enforced = category === MINORS_CATEGORY || (stageEnforces && band.mode === 'enforce');
    detections.push({ detector: detectorForCategory(category), ruleId: classifierRuleId(category), category, score, span, action, enforced });
  }
  const injectionScore = scores.prompt_injection;
  const injection = direction.injection;
  if (injectionScore !== undefined && injection.action !== 'allow' && injectionScore >= injection.threshold) {
    const base = { detector: 'injection_attack' as const, ruleId: classifierRuleId('prompt_injection'), category: 'prompt_injection', score: injectionScore, span };
    detections.push(injection.action === 'monitor' ? { ...base, action: 'report', enforced: false } : { ...base, action: injection.action, enforced: stageEnforces });
  }
  return detections;
}

/** True when every enforced soft_block comes from a classifier gray band: the only case a judge may settle. */
export function isGrayBandOnly(detections: readonly Detection[]): boolean {
  const soft = detections.filter((d) => d.enforced && d.action === 'soft_block');
  // A text in a language the classifier was not trained for, under `unsupported_action: judge`, is the judge's too.
  return soft.length > 0 && soft.every((d) => (d.ruleId.startsWith('classifier.') && isModerationCategory(d.category)) || d.ruleId === 'language.unsupported.judge');
}

/**
 * A judge's allow clears the gray band only where it was asked (every soft-blocked category among
 * those it reviewed), and never a sexual/minors soft block: the hard floor is not the judge's call.
 */
function judgeMayClear(enforced: readonly Detection[], judge: JudgeOutcome): boolean {
  const soft = enforced.filter((d) => d.action === 'soft_block');
  if (soft.some((d) => d.category === MINORS_CATEGORY)) return false;
  const reviewed = judge.reviewed;
  return reviewed === undefined || soft.every((d) => (reviewed as readonly string[]).includes(d.category));
}

/**
 * The decision: any enforced block (or a check that failed closed) blocks; else an enforced
 * soft_block soft-blocks unless an enforcing judge settled the gray band; else an enforced
 * redaction allows with redaction; else allow.
 */
export function decide(input: { detections: readonly Detection[]; degraded: readonly DegradedCheck[]; judge?: JudgeOutcome | null }): Decision {
  const enforced = input.detections.filter((d) => d.enforced);
  if (input.degraded.some((d) => d.outcome === 'blocked') || enforced.some((d) => d.action === 'block')) return 'block';
  const redacts = enforced.some((d) => d.action === 'redact' || d.action === 'placeholder');
  let softBlocked = enforced.some((d) => d.action === 'soft_block');
  if (softBlocked && input.judge?.enforced && isGrayBandOnly(input.detections)) {
    if (input.judge.decision === 'block') return 'block';
    if (input.judge.decision === 'allow' && judgeMayClear(enforced, input.judge)) softBlocked = false;
  }
  if (softBlocked) return 'soft_block';
  return redacts ? 'allow_with_redaction' : 'allow';
}

/**
 * What the proxy does with a decision: soft_block follows the deployment's setting (else the
 * profile's `soft_block`): block, or pass with a warning.
 */
export function enforcementOf(decision: Decision, softBlock: 'block' | 'warn'): 'block' | 'warn' | 'pass' {
  if (decision === 'block') return 'block';
  if (decision === 'soft_block') return softBlock;
  return 'pass';
}
