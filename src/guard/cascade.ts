// The guard cascade for one resolved profile, built once at policy load: pre-filters (sync) → the
// classifier (one batch, through the LRU, under a time budget) → policy glue (bands, hard rules,
// monitor) → the judge seam (gray band only) → the decision, always with its reasons.

import { AUXILIARY_HEADS, MODERATION_CATEGORIES, isModerationCategory, type AuxiliaryHead, type ModerationCategory } from '../categories.ts';
import type { Classifier, ClassifierScores } from '../classifier/types.ts';
import type { Span } from '../text/normalize.ts';
import { classifyThroughCache, type ClassifierCache } from './cache.ts';
import {
  bandAction,
  decide,
  detectionForFinding,
  detectionsForScores,
  flagThreshold,
  isGrayBandOnly,
  type Decision,
  type DegradedCheck,
  type Detection,
  type JudgeOutcome,
} from './decision.ts';
import type { DetectorSuiteOptions } from '../policy/profiles/detector-options.ts';
import { stageOfDetector, type ResolvedDirection, type ResolvedProfile, type StagePolicy } from '../policy/profiles/resolve.ts';
import type { OnError } from '../policy/profiles/schema.ts';
import { createPlaceholderVault, redactionReplacement, redactSpans, type PlaceholderVault, type Redaction, type RedactionSpan } from './redaction.ts';
import type { TextDetector } from './types.ts';

export type Direction = 'input' | 'output';

// ---- Judge seam (the LLM judge is its own issue) --------------------------------------------

export interface JudgeRequest {
  readonly text: string;
  readonly direction: Direction;
  readonly profile: string;
  /** All 13 category scores (0 where the classifier gave none). */
  readonly scores: Readonly<Record<ModerationCategory, number>>;
  /** Categories in their gray band; empty when the classifier was unavailable. */
  readonly grayCategories: readonly ModerationCategory[];
  readonly reason: 'gray_band' | 'classifier_unavailable';
  /** Aborted when the judge's time budget runs out. */
  readonly signal: AbortSignal;
}

export interface JudgeResult {
  readonly decision: 'allow' | 'soft_block' | 'block';
  readonly rationale?: string;
}

export interface Judge {
  /** null: no opinion (the verdict stays as the cascade left it). */
  review(request: JudgeRequest): Promise<JudgeResult | null>;
}

/** The default judge: never has an opinion. */
export const noopJudge: Judge = { review: async () => null };

// ---- Verdict -----------------------------------------------------------------------------------

export interface Verdict {
  readonly decision: Decision;
  readonly direction: Direction;
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
  readonly judge: (JudgeResult & { readonly enforced: boolean }) | null;
  /** The profile's soft_block setting; a deployment may override it (see enforcementOf). */
  readonly softBlock: 'block' | 'warn';
}

export interface CheckOptions {
  /** Shared by all checks of one request, so the same email gets the same placeholder everywhere. */
  readonly vault?: PlaceholderVault;
}

export interface Guard {
  readonly profile: ResolvedProfile;
  readonly policyVersion: string;
  /** Check a batch of texts in one direction; texts that reach the classifier go in ONE classify call. */
  check(texts: readonly string[], direction: Direction, options?: CheckOptions): Promise<Verdict[]>;
}

export interface GuardDeps {
  readonly profile: ResolvedProfile;
  /** Builds the pre-filters for a direction's options; called twice here, at load, never per request. */
  readonly buildDetectors: (options: DetectorSuiteOptions) => TextDetector[];
  readonly classifier: Classifier;
  readonly cache?: ClassifierCache;
  readonly judge?: Judge;
  readonly policyVersion: string;
  /** Monotonic clock in ms, for pre-filter budgets. */
  readonly now?: () => number;
}

// ---- Time budgets ------------------------------------------------------------------------------

export class StageTimeoutError extends Error {
  constructor(stage: string, ms: number) {
    super(`${stage} did not answer within ${ms} ms`);
    this.name = 'StageTimeoutError';
  }
}

/** Race `work` against a timer that is always cleared; aborts `controller` on timeout. */
async function withTimeout<T>(work: Promise<T>, options: { ms: number; stage: string; controller?: AbortController }): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  // The losing promise may still reject later; that must not become an unhandled rejection.
  work.catch(() => {});
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          options.controller?.abort();
          reject(new StageTimeoutError(options.stage, options.ms));
        }, options.ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function failureOutcome(onError: OnError): DegradedCheck['outcome'] {
  return onError === 'block' ? 'blocked' : onError === 'allow' ? 'passed' : 'fell_back';
}

const DEFAULT_STAGE: StagePolicy = { timeoutMs: 50, onError: 'block', mode: 'enforce' };

// ---- The cascade -----------------------------------------------------------------------------------

interface TextState {
  readonly text: string;
  detections: Detection[];
  degraded: DegradedCheck[];
  scores: ClassifierScores | null;
  classifierStatus: Verdict['classifier']['status'];
  judge: Verdict['judge'];
}

export function createGuard(deps: GuardDeps): Guard {
  const { profile, classifier, cache, policyVersion } = deps;
  const judge = deps.judge ?? noopJudge;
  const now = deps.now ?? (() => performance.now());
  const detectors: Record<Direction, TextDetector[]> = {
    input: deps.buildDetectors(profile.input.detectorOptions),
    output: deps.buildDetectors(profile.output.detectorOptions),
  };

  function runPrefilters(state: TextState, direction: ResolvedDirection, list: readonly TextDetector[]): void {
    for (const detector of list) {
      const stageName = stageOfDetector(detector.name);
      const stage = (stageName && direction.stages[stageName]) || DEFAULT_STAGE;
      const started = now();
      try {
        for (const finding of detector.detect(state.text)) {
          const detection = detectionForFinding(direction, finding);
          if (detection) state.detections.push(detection);
        }
      } catch {
        state.degraded.push({ stage: detector.name, reason: 'error', onError: stage.onError, outcome: failureOutcome(stage.onError) });
        continue;
      }
      // Pre-filters are synchronous and cannot be interrupted; one that ran past its budget still
      // produced complete results, so they are used and the overrun is reported.
      if (now() - started > stage.timeoutMs) {
        state.degraded.push({ stage: detector.name, reason: 'over_budget', onError: stage.onError, outcome: 'completed' });
      }
    }
  }

  function isHardBlocked(state: TextState): boolean {
    return state.detections.some((d) => d.enforced && d.action === 'block') || state.degraded.some((d) => d.outcome === 'blocked');
  }

  async function runClassifier(states: TextState[], direction: ResolvedDirection): Promise<void> {
    const pending = states.filter((state) => !isHardBlocked(state));
    for (const state of states) if (!pending.includes(state)) state.classifierStatus = 'skipped';
    if (pending.length === 0) return;
    const stage = direction.classifier;
    try {
      const results = await classifyThroughCache({
        classifierVersion: classifier.version,
        cache,
        texts: pending.map((state) => state.text),
        classify: (texts) => withTimeout(classifier.classify(texts), { ms: stage.timeoutMs, stage: 'classifier' }),
      });
      results.forEach((entry, i) => {
        const state = pending[i]!;
        state.scores = entry.result;
        state.classifierStatus = entry.fromCache ? 'cached' : 'scored';
        state.detections.push(...detectionsForScores({ direction, scores: entry.result.scores, span: entry.result.worstSpan ?? null }));
      });
    } catch (error) {
      const reason = error instanceof StageTimeoutError ? 'timeout' : 'error';
      for (const state of pending) {
        state.classifierStatus = 'unavailable';
        state.degraded.push({ stage: 'classifier', reason, onError: stage.onError, outcome: failureOutcome(stage.onError) });
      }
    }
  }

  async function askJudge(request: Omit<JudgeRequest, 'signal'>): Promise<JudgeResult | null> {
    const controller = new AbortController();
    return withTimeout(judge.review({ ...request, signal: controller.signal }), { ms: profile.judge.timeoutMs, stage: 'judge', controller });
  }

  async function runJudge(state: TextState, direction: Direction): Promise<void> {
    if (isHardBlocked(state)) return;
    const classifierFellBack = state.degraded.some((d) => d.stage === 'classifier' && d.outcome === 'fell_back');
    const scores = categoryScores(state);
    if (classifierFellBack) {
      // on_error: fallback hands the text to the judge; with no judge, or no answer, fail closed.
      let result: JudgeResult | null = null;
      if (profile.judge.enabled) {
        try {
          result = await askJudge({ text: state.text, direction, profile: profile.name, scores, grayCategories: [], reason: 'classifier_unavailable' });
        } catch {
          result = null;
        }
      }
      if (!result) {
        state.degraded.push({ stage: 'judge', reason: 'error', onError: 'block', outcome: 'blocked' });
        return;
      }
      state.judge = { ...result, enforced: true };
      if (result.decision !== 'allow') {
        state.detections.push({ detector: 'judge', ruleId: `judge.${result.decision}`, category: 'judge', score: 1, span: null, action: result.decision, enforced: true });
      }
      return;
    }
    if (!profile.judge.enabled || !isGrayBandOnly(state.detections)) return;
    const bands = profile[direction].bands;
    const grayCategories = MODERATION_CATEGORIES.filter((c) => bandAction(bands[c], scores[c]) === 'soft_block');
    try {
      const result = await askJudge({ text: state.text, direction, profile: profile.name, scores, grayCategories, reason: 'gray_band' });
      if (result) state.judge = { ...result, enforced: profile.judge.mode === 'enforce' };
    } catch (error) {
      const onError = profile.judge.onError;
      const reason = error instanceof StageTimeoutError ? 'timeout' : 'error';
      // fallback: keep the cascade's soft_block; block: fail closed; allow: let the gray band pass.
      state.degraded.push({ stage: 'judge', reason, onError, outcome: failureOutcome(onError) });
      if (onError === 'allow') state.judge = { decision: 'allow', rationale: 'judge unavailable; on_error: allow', enforced: true };
    }
  }

  function categoryScores(state: TextState): Record<ModerationCategory, number> {
    const scores = Object.fromEntries(MODERATION_CATEGORIES.map((c) => [c, state.scores?.scores[c] ?? 0])) as Record<ModerationCategory, number>;
    for (const detection of state.detections) {
      if (isModerationCategory(detection.category)) scores[detection.category] = Math.max(scores[detection.category], detection.score);
    }
    return scores;
  }

  function finish(state: TextState, direction: Direction, vault: PlaceholderVault): Verdict {
    const resolved = profile[direction];
    const scores = categoryScores(state);
    const judgeOutcome: JudgeOutcome | null = state.judge ? { decision: state.judge.decision, enforced: state.judge.enforced } : null;
    const decision = decide({ detections: state.detections, degraded: state.degraded, judge: judgeOutcome });
    const spans: RedactionSpan[] = state.detections
      .filter((d): d is Detection & { span: Span } => d.enforced && (d.action === 'redact' || d.action === 'placeholder') && d.span !== null)
      .map((d) => ({
        ...d.span,
        type: d.category,
        replacement: d.action === 'placeholder' ? vault.tokenFor(d.category, state.text.slice(d.span.start, d.span.end)) : redactionReplacement(d.category),
      }));
    const redacted = redactSpans(state.text, spans);
    const hardCategories = new Set(state.detections.filter((d) => !d.ruleId.startsWith('classifier.') && d.action !== 'report').map((d) => d.category));
    const flaggedCategories = MODERATION_CATEGORIES.filter((c) => {
      const threshold = flagThreshold(resolved.bands[c]);
      return hardCategories.has(c) || (threshold !== null && scores[c] >= threshold);
    });
    const auxiliaryScores: Partial<Record<AuxiliaryHead, number>> = {};
    for (const head of AUXILIARY_HEADS) {
      const value = state.scores?.scores[head];
      if (value !== undefined) auxiliaryScores[head] = value;
    }
    return {
      decision,
      direction,
      profile: profile.name,
      policyVersion,
      detections: state.detections,
      categoryScores: scores,
      auxiliaryScores,
      flaggedCategories,
      redactions: redacted.redactions,
      redactedText: redacted.text,
      degraded: state.degraded,
      classifier: { status: state.classifierStatus, version: classifier.version },
      judge: state.judge,
      softBlock: profile.softBlock,
    };
  }

  return {
    profile,
    policyVersion,
    async check(texts, direction, options = {}) {
      const resolved = profile[direction];
      const vault = options.vault ?? createPlaceholderVault();
      const states: TextState[] = texts.map((text) => ({ text, detections: [], degraded: [], scores: null, classifierStatus: 'skipped', judge: null }));
      for (const state of states) runPrefilters(state, resolved, detectors[direction]);
      await runClassifier(states, resolved);
      await Promise.all(states.map((state) => runJudge(state, direction)));
      return states.map((state) => finish(state, direction, vault));
    },
  };
}

/** One guard per profile of a registry, all built now (policy load), none per request. */
export function createGuards(deps: Omit<GuardDeps, 'profile'> & { readonly profiles: ReadonlyMap<string, ResolvedProfile> }): Map<string, Guard> {
  const { profiles, ...shared } = deps;
  return new Map([...profiles].map(([name, profile]) => [name, createGuard({ ...shared, profile })]));
}
