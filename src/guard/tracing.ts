// Spans for one Guard.check: `guard.<direction>` under the request's span, with a child per stage
// that ran (`guard.<direction>.prefilters`, `.classifier`, `.judge`), begun and ended where the
// cascade times its stages for the metrics. Counts, ids, decisions and statuses only: never text.

import { raiseActiveSpanAttribute, recordSpan, SpanStatusCode, startChildSpan, tracingActive, type Attributes } from '../ops/tracing.ts';
import type { TextState } from './stages/state.ts';
import type { Decision, Direction, GuardStage, Verdict } from './types.ts';

const DECISION_RANK: Readonly<Record<Decision, number>> = { allow: 0, allow_with_redaction: 1, soft_block: 2, block: 3 };

export interface CheckTrace {
  /** Marks a stage's start; the returned function records its span, ended now, with these states' figures. */
  begin(stage: GuardStage): (states: readonly TextState[]) => void;
  /** Ends the check's span with the decisions, and raises the request span's worst decision for the direction. */
  end(verdicts: readonly Verdict[]): void;
  fail(error: unknown): void;
}

const noopEnd = () => {};
const noopCheckTrace: CheckTrace = { begin: () => noopEnd, end: noopEnd, fail: noopEnd };

/** Figures of the texts a stage looked at: how many, what they found, what failed. */
function stageAttributes(stage: GuardStage, states: readonly TextState[]): Attributes {
  const detections = states.flatMap((state) => state.detections);
  const attributes: Attributes = {
    'guardrail.stage': stage,
    'guardrail.texts': states.length,
    'guardrail.detections': detections.length,
    'guardrail.rule_ids': new Set(detections.map((d) => d.ruleId)).size,
    'guardrail.degraded': states.reduce((sum, state) => sum + state.degraded.length, 0),
  };
  if (stage === 'classifier') attributes['guardrail.classifier.cached'] = states.filter((state) => state.classifierStatus === 'cached').length;
  if (stage === 'judge') {
    const decisions = states.flatMap((state) => (state.judge ? [state.judge.decision] : []));
    if (decisions.length > 0) attributes['guardrail.judge.decisions'] = decisions;
  }
  return attributes;
}

export function traceCheck(direction: Direction, check: { profile: string; policyVersion: string; texts: number }): CheckTrace {
  if (!tracingActive()) return noopCheckTrace;
  const { span, context } = startChildSpan(`guard.${direction}`, {
    attributes: { 'guardrail.direction': direction, 'guardrail.profile': check.profile, 'guardrail.policy_version': check.policyVersion, 'guardrail.texts': check.texts },
  });
  return {
    begin(stage) {
      const startTime = performance.now();
      return (states) => recordSpan(`guard.${direction}.${stage}`, context, { startTime, attributes: { 'guardrail.direction': direction, ...stageAttributes(stage, states) } });
    },
    end(verdicts) {
      const decision = verdicts.reduce<Decision>((worst, v) => (DECISION_RANK[v.decision] > DECISION_RANK[worst] ? v.decision : worst), 'allow');
      const detections = verdicts.flatMap((v) => v.detections);
      span.setAttributes({
        'guardrail.decision': decision,
        'guardrail.detections': detections.length,
        'guardrail.rule_ids': new Set(detections.map((d) => d.ruleId)).size,
        'guardrail.degraded': verdicts.reduce((sum, v) => sum + v.degraded.length, 0),
        'guardrail.flagged_categories': [...new Set(verdicts.flatMap((v) => v.flaggedCategories))],
      });
      raiseActiveSpanAttribute(`guardrail.${direction}.decision`, decision, DECISION_RANK[decision]);
      span.end();
    },
    fail(error) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.name : 'error' });
      span.end();
    },
  };
}
