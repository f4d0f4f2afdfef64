// The judge stage of one direction: asked only when every enforced soft_block is a classifier gray
// band, or when the classifier failed with on_error: fallback; under the judge's time budget.

import { MODERATION_CATEGORIES } from '../../categories.ts';
import type { ResolvedDirection, ResolvedJudgePolicy } from '../../policy/profiles/types.ts';
import { bandAction, isGrayBandOnly } from '../decision.ts';
import { failureOutcome, failureReason, withTimeout } from '../timeout.ts';
import type { Direction, Judge, JudgeRequest, JudgeResult } from '../types.ts';
import { categoryScores, isHardBlocked, type TextState } from './state.ts';

/** The default judge: never has an opinion. */
export const noopJudge: Judge = { review: async () => null };

export interface JudgeStageDeps {
  readonly judge: Judge;
  readonly policy: ResolvedJudgePolicy;
  readonly profile: string;
  readonly direction: Direction;
  readonly resolved: ResolvedDirection;
}

export interface JudgeStageRunner {
  run(state: TextState): Promise<void>;
}

export function createJudgeStage(deps: JudgeStageDeps): JudgeStageRunner {
  const { judge, policy, direction } = deps;
  const { bands } = deps.resolved;

  async function ask(request: Omit<JudgeRequest, 'signal' | 'direction' | 'profile'>): Promise<JudgeResult | null> {
    const controller = new AbortController();
    const review = judge.review({ ...request, direction, profile: deps.profile, signal: controller.signal });
    return withTimeout(review, { ms: policy.timeoutMs, stage: 'judge', controller });
  }

  /** on_error: fallback hands the text to the judge; with no judge, or no answer, fail closed. */
  async function settleUnclassified(state: TextState): Promise<void> {
    let result: JudgeResult | null = null;
    if (policy.enabled) {
      try {
        result = await ask({ text: state.text, scores: categoryScores(state), grayCategories: [], reason: 'classifier_unavailable' });
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
  }

  async function settleGrayBand(state: TextState): Promise<void> {
    const scores = categoryScores(state);
    const grayCategories = MODERATION_CATEGORIES.filter((c) => bandAction(bands[c], scores[c]) === 'soft_block');
    try {
      const result = await ask({ text: state.text, scores, grayCategories, reason: 'gray_band' });
      if (result) state.judge = { ...result, enforced: policy.mode === 'enforce' };
    } catch (error) {
      const onError = policy.onError;
      // fallback: keep the cascade's soft_block; block: fail closed; allow: let the gray band pass.
      state.degraded.push({ stage: 'judge', reason: failureReason(error), onError, outcome: failureOutcome(onError) });
      if (onError === 'allow') state.judge = { decision: 'allow', rationale: 'judge unavailable; on_error: allow', enforced: true };
    }
  }

  return {
    async run(state) {
      if (isHardBlocked(state)) return;
      if (state.degraded.some((d) => d.stage === 'classifier' && d.outcome === 'fell_back')) return settleUnclassified(state);
      if (policy.enabled && isGrayBandOnly(state.detections)) return settleGrayBand(state);
    },
  };
}
