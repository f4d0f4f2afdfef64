// The guard cascade for one resolved profile, built once at policy load: per direction, the
// pre-filter stage (sync) → the classifier stage (one batch, through the LRU, under a time budget)
// → the judge stage (gray band only) → the decision, always with its reasons. Each stage is a
// factory (src/guard/stages/) whose policy is resolved here, never per request.

import { AUXILIARY_HEADS, MODERATION_CATEGORIES, type AuxiliaryHead } from '../categories.ts';
import type { Classifier } from '../classifier/types.ts';
import type { DetectorSuiteOptions } from '../policy/profiles/detector-options.ts';
import type { ResolvedProfile } from '../policy/profiles/types.ts';
import type { Span } from '../text/normalize.ts';
import type { ClassifierCache } from './cache.ts';
import { decide, flagThreshold } from './decision.ts';
import { createPlaceholderVault, redactionReplacement, redactSpans, type PlaceholderVault, type RedactionSpan } from './redaction.ts';
import { createClassifierStage } from './stages/classifier.ts';
import { createJudgeStage, noopJudge } from './stages/judge.ts';
import { createPrefilterStage } from './stages/prefilters.ts';
import { categoryScores, initialState, type TextState } from './stages/state.ts';
import type { Detection, Direction, Guard, Judge, JudgeOutcome, TextDetector, Verdict } from './types.ts';

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

export function createGuard(deps: GuardDeps): Guard {
  const { profile, classifier, cache, policyVersion } = deps;
  const judge = deps.judge ?? noopJudge;
  const now = deps.now ?? (() => performance.now());
  const pipelineFor = (direction: Direction) => {
    const resolved = profile[direction];
    return {
      prefilters: createPrefilterStage({ direction: resolved, detectors: deps.buildDetectors(resolved.detectorOptions), now }),
      classifier: createClassifierStage({ direction: resolved, classifier, cache }),
      judge: createJudgeStage({ judge, policy: profile.judge, profile: profile.name, direction, resolved }),
    };
  };
  const pipelines = { input: pipelineFor('input'), output: pipelineFor('output') };

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
    };
  }

  return {
    profile,
    policyVersion,
    async check(texts, direction, options = {}) {
      const pipeline = pipelines[direction];
      const vault = options.vault ?? createPlaceholderVault();
      const states = texts.map(initialState);
      for (const state of states) pipeline.prefilters.run(state);
      await pipeline.classifier.run(states);
      await Promise.all(states.map((state) => pipeline.judge.run(state)));
      return states.map((state) => finish(state, direction, vault));
    },
  };
}
