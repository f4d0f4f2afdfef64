// The judge stage of one direction, built at policy load: asks the profile's judge (src/judge/ on a
// server) about a text when a category score is in its judge gray band, or when the caller asked for
// judge-backed checks (policy_violation, bias, relevancy, hallucination), or when the classifier
// failed with on_error: fallback. Never for a text an enforced rule already blocked. Always under the
// judge's time budget (its stream budget for windows of a streamed answer), timer cleared.

import { MODERATION_CATEGORIES, type ModerationCategory } from '../../categories.ts';
import type { ResolvedDirection, ResolvedJudgePolicy } from '../../policy/profiles/types.ts';
import { MINORS_CATEGORY } from '../../policy/profiles/floor.ts';
import { failureOutcome, failureReason, withTimeout } from '../timeout.ts';
import {
  JUDGE_CHECKS,
  type CheckOptions,
  type Detection,
  type Direction,
  type Judge,
  type JudgeCheck,
  type JudgeCheckOptions,
  type JudgeChecksRequest,
  type JudgeRequest,
  type JudgeResult,
} from '../types.ts';
import { categoryScores, isHardBlocked, type TextState } from './state.ts';

/** The default judge: never has an opinion. */
export const noopJudge: Judge = { review: async () => null };

export interface JudgeStageDeps {
  readonly judge: Judge;
  readonly policy: ResolvedJudgePolicy;
  readonly profile: string;
  readonly policyVersion?: string;
  readonly direction: Direction;
  readonly resolved: ResolvedDirection;
}

export interface JudgeStageRunner {
  run(state: TextState, options?: Pick<CheckOptions, 'judgeChecks' | 'stream' | 'cacheScope'>): Promise<void>;
}

/** Checks that read the whole answer: not run on the windows of a streamed answer. */
const WHOLE_ANSWER_CHECKS: readonly JudgeCheck[] = ['relevancy', 'hallucination'];

export function createJudgeStage(deps: JudgeStageDeps): JudgeStageRunner {
  const { judge, policy, direction } = deps;
  const { bands } = deps.resolved;
  const classifierEnforces = deps.resolved.classifier.mode === 'enforce';

  /** The judge band of a category: its own `judge.gray_band`, else the direction's review..block. */
  const judgeBands = Object.fromEntries(
    MODERATION_CATEGORIES.map((c) => {
      const band = bands[c];
      const own = policy.grayBand[c];
      const from = own?.from ?? band.review;
      const to = own?.to ?? band.block ?? 1.000001;
      return [c, from === null ? null : { from, to }];
    }),
  ) as Record<ModerationCategory, { from: number; to: number } | null>;

  function grayCategoriesOf(state: TextState): ModerationCategory[] {
    if (state.scores === null) return [];
    const scores = categoryScores(state);
    return MODERATION_CATEGORIES.filter((c) => {
      const band = judgeBands[c];
      if (!band || scores[c] < band.from || scores[c] >= band.to) return false;
      // A monitor-mode category is never enforced, so the judge has nothing to settle there.
      return c === MINORS_CATEGORY || (classifierEnforces && bands[c].mode === 'enforce');
    });
  }

  async function ask(request: Omit<JudgeRequest, 'signal' | 'direction' | 'profile' | 'policyVersion'>, stream: boolean): Promise<JudgeResult | null> {
    if (request.text.length > policy.maxInputChars) throw new OverBudget();
    const controller = new AbortController();
    const review = judge.review({ ...request, direction, profile: deps.profile, policyVersion: deps.policyVersion ?? '', signal: controller.signal });
    return withTimeout(review, { ms: stream ? policy.streamTimeoutMs : policy.timeoutMs, stage: 'judge', controller });
  }

  function rulesOf(state: TextState): JudgeRequest['rules'] {
    return state.detections.map((d) => ({ ruleId: d.ruleId, category: d.category, action: d.action }));
  }

  /** on_error: fallback hands the text to the judge; with no judge, or no answer, fail closed. */
  async function settleUnclassified(state: TextState, stream: boolean, scope: Scope): Promise<void> {
    let result: JudgeResult | null = null;
    if (policy.enabled) {
      try {
        result = await ask({ ...scope, text: state.text, scores: categoryScores(state), grayCategories: [], grayBands: {}, reason: 'classifier_unavailable', checks: {}, rules: rulesOf(state) }, stream);
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
      state.detections.push({ detector: 'judge', ruleId: `judge.${result.decision}`, category: 'judge', score: 1, span: null, action: result.decision, enforced: true, ...explanation(result) });
    }
  }

  /** The checks to ask in this call, and what each does when it fails. */
  function checksFor(options: JudgeCheckOptions | undefined, stream: boolean): { request: JudgeChecksRequest; actions: Partial<Record<JudgeCheck, JudgeCheckOptions[JudgeCheck]>> } {
    const request: Record<string, unknown> = {};
    const actions: Partial<Record<JudgeCheck, JudgeCheckOptions[JudgeCheck]>> = {};
    for (const check of JUDGE_CHECKS) {
      const option = options?.[check];
      if (!option || (stream && WHOLE_ANSWER_CHECKS.includes(check))) continue;
      const { action: _action, ...needs } = option;
      request[check] = needs;
      actions[check] = option;
    }
    return { request: request as JudgeChecksRequest, actions };
  }

  async function settle(state: TextState, gray: ModerationCategory[], checks: ReturnType<typeof checksFor>, stream: boolean, scope: Scope): Promise<void> {
    const enforced = policy.mode === 'enforce';
    const scores = categoryScores(state);
    const grayBands = Object.fromEntries(gray.map((c) => [c, judgeBands[c]!]));
    let result: JudgeResult | null;
    try {
      result = await ask(
        { ...scope, text: state.text, scores, grayCategories: gray, grayBands, reason: gray.length > 0 ? 'gray_band' : 'checks', checks: checks.request, rules: rulesOf(state) },
        stream,
      );
    } catch (error) {
      const onError = policy.onError;
      // fallback: the cascade's decision without the judge stands (a gray band stays soft_block,
      // checks are not made); block: fail closed; allow: let the gray band pass.
      state.degraded.push({ stage: 'judge', reason: error instanceof OverBudget ? 'over_budget' : failureReason(error), onError, outcome: failureOutcome(onError) });
      if (onError === 'allow' && gray.length > 0) state.judge = { decision: 'allow', rationale: 'judge unavailable; on_error: allow', enforced: true, reviewed: gray };
      return;
    }
    if (!result) return;
    if (gray.length > 0) {
      state.judge = { ...result, enforced, reviewed: gray };
      const named = (result.categories ?? []).filter((c): c is ModerationCategory => (MODERATION_CATEGORIES as readonly string[]).includes(c));
      state.detections.push({
        detector: 'judge',
        ruleId: `judge.gray_band.${result.decision}`,
        category: named[0] ?? gray[0]!,
        score: result.decision === 'block' ? 1 : 0,
        span: spanOf(result),
        // A block is the judge's own finding; allow and soft_block are applied through state.judge.
        action: result.decision === 'block' ? 'block' : 'report',
        enforced: enforced && result.decision === 'block',
        ...explanation(result),
      });
    }
    for (const [check, option] of Object.entries(checks.actions) as Array<[JudgeCheck, NonNullable<JudgeCheckOptions[JudgeCheck]>]>) {
      if (result.checks?.[check] !== true) continue;
      const name = check === 'policy_violation' ? (option as NonNullable<JudgeCheckOptions['policy_violation']>).name : null;
      state.detections.push({
        detector: check,
        ruleId: `judge.${check}`,
        category: name ? `policy/${name}` : check,
        score: 1,
        span: spanOf(result),
        action: option.action === 'monitor' ? 'report' : option.action,
        enforced: enforced && option.action !== 'monitor',
        ...explanation(result),
      });
    }
  }

  return {
    async run(state, options = {}) {
      if (isHardBlocked(state)) return;
      const stream = options.stream === true;
      const scope: Scope = options.cacheScope === undefined ? {} : { cacheScope: options.cacheScope };
      if (state.degraded.some((d) => d.stage === 'classifier' && d.outcome === 'fell_back')) return settleUnclassified(state, stream, scope);
      if (!policy.enabled) return;
      const gray = grayCategoriesOf(state);
      const checks = checksFor(options.judgeChecks, stream);
      if (gray.length === 0 && Object.keys(checks.actions).length === 0) return;
      return settle(state, gray, checks, stream, scope);
    },
  };
}

type Scope = Pick<JudgeRequest, 'cacheScope'>;

class OverBudget extends Error {
  constructor() {
    super('text longer than the judge max_input_chars');
    this.name = 'OverBudget';
  }
}

function spanOf(result: JudgeResult): Detection['span'] {
  const first = result.citations?.[0];
  return first ? { start: first.start, end: first.end } : null;
}

function explanation(result: JudgeResult): Pick<Detection, 'rationale' | 'citations'> {
  return {
    ...(result.rationale ? { rationale: result.rationale } : {}),
    ...(result.citations && result.citations.length > 0 ? { citations: result.citations.map((c) => ({ start: c.start, end: c.end })) } : {}),
  };
}
