// The guard cascade for one resolved profile, built once at policy load: per direction, the
// pre-filter stage (sync) → the classifier stage (one batch, through the LRU, under a time budget)
// → the judge stage (gray band only) → the decision, always with its reasons. Each stage is a
// factory (src/guard/stages/) whose policy is resolved here, never per request.

import { AUXILIARY_HEADS, MODERATION_CATEGORIES, type AuxiliaryHead } from '../categories.ts';
import type { Classifier } from '../classifier/types.ts';
import type { DetectorSuiteOptions } from '../policy/profiles/detector-options.ts';
import type { ResolvedProfile } from '../policy/profiles/types.ts';
import type { Span } from '../text/normalize.ts';
import { noopMetrics, type Metrics } from '../ops/metrics.ts';
import { sha256Hex } from '../digest.ts';
import type { ClassifierCache } from './cache.ts';
import { decide, flagThreshold } from './decision.ts';
import { createPlaceholderVault, redactionReplacement, redactSpans, type PlaceholderVault, type RedactionSpan } from './redaction.ts';
import { createClassifierStage } from './stages/classifier.ts';
import { createJudgeStage, noopJudge } from './stages/judge.ts';
import { createPrefilterStage } from './stages/prefilters.ts';
import { createLanguageStage } from './stages/language.ts';
import { loadLanguageIdentifier } from '../text/language.ts';
import { createTopicStage } from './stages/topic.ts';
import { traceCheck, type CheckTrace } from './tracing.ts';
import { categoryScores, initialState, type TextState } from './stages/state.ts';
import type { CheckOptions, Detection, Direction, Guard, GuardStage, Judge, JudgeOutcome, TextDetector, Verdict } from './types.ts';
import { createSlicer } from '../slices.ts';

export interface GuardDeps {
  readonly profile: ResolvedProfile;
  /** Builds the pre-filters for a direction's options; called twice here, at load, never per request. */
  readonly buildDetectors: (options: DetectorSuiteOptions) => TextDetector[];
  readonly classifier: Classifier;
  readonly cache?: ClassifierCache;
  readonly judge?: Judge;
  readonly policyVersion: string;
  /** Monotonic clock in ms, for pre-filter budgets and stage timings. */
  readonly now?: () => number;
  /** Stage latencies, decisions, detections, degraded checks, cache hits (src/ops/metrics.ts). */
  readonly metrics?: Metrics;
  /** Hex SHA-256 of a text, once per checked text (Verdict.textSha256). Default sha256Hex; tests count calls. */
  readonly digest?: (text: string) => string;
}

/** The guard's metrics, created once per guard (the registry returns the same ones every time). */
function guardMetrics(metrics: Metrics) {
  return {
    stageSeconds: metrics.histogram('guardrail_guard_stage_duration_seconds', {
      help: 'Time per cascade stage and direction (the classifier per batch, the others per text)',
      labelNames: ['stage', 'direction'],
    }),
    decisions: metrics.counter('guardrail_guard_decisions_total', { help: 'Guard decisions per checked text', labelNames: ['direction', 'decision', 'profile'] }),
    detections: metrics.counter('guardrail_guard_detections_total', {
      help: 'Detections by category and action (enforced or report-only)',
      labelNames: ['direction', 'category', 'action', 'enforced'],
    }),
    degraded: metrics.counter('guardrail_guard_degraded_checks_total', { help: 'Checks that errored or ran out of time, by stage', labelNames: ['direction', 'stage', 'reason', 'outcome'] }),
    cache: metrics.counter('guardrail_classifier_cache_lookups_total', { help: 'Classifier scores served from the cache (hit) or computed (miss)', labelNames: ['result'] }),
  };
}

export function createGuard(deps: GuardDeps): Guard {
  const { profile, classifier, cache, policyVersion } = deps;
  const judge = deps.judge ?? noopJudge;
  const now = deps.now ?? (() => performance.now());
  const digest = deps.digest ?? sha256Hex;
  const recorded = guardMetrics(deps.metrics ?? noopMetrics);
  const pipelineFor = (direction: Direction) => {
    const resolved = profile[direction];
    return {
      prefilters: createPrefilterStage({ direction: resolved, detectors: deps.buildDetectors(resolved.detectorOptions), now }),
      language: createLanguageStage(profile.languages),
      classifier: createClassifierStage({ direction: resolved, classifier, cache }),
      topics: createTopicStage(resolved),
      judge: createJudgeStage({ judge, policy: profile.judge, profile: profile.name, policyVersion, direction, resolved }),
    };
  };
  const pipelines = { input: pipelineFor('input'), output: pipelineFor('output') };
  // Loaded once per process, in the background from the first guard built (policy load).
  const languageReady = loadLanguageIdentifier().catch(() => {});

  function record(verdict: Verdict): void {
    const { direction } = verdict;
    recorded.decisions.inc({ direction, decision: verdict.decision, profile: verdict.profile });
    for (const d of verdict.detections) recorded.detections.inc({ direction, category: d.category, action: d.action, enforced: String(d.enforced) });
    for (const d of verdict.degraded) recorded.degraded.inc({ direction, stage: d.stage, reason: d.reason, outcome: d.outcome });
    if (verdict.classifier.status === 'cached') recorded.cache.inc({ result: 'hit' });
    else if (verdict.classifier.status === 'scored') recorded.cache.inc({ result: 'miss' });
  }

  function finish(state: TextState, direction: Direction, vault: PlaceholderVault, latencyMs: Record<GuardStage, number>): Verdict {
    const resolved = profile[direction];
    const scores = categoryScores(state);
    const judgeOutcome: JudgeOutcome | null = state.judge
      ? { decision: state.judge.decision, enforced: state.judge.enforced, ...(state.judge.reviewed ? { reviewed: state.judge.reviewed } : {}) }
      : null;
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
      textSha256: state.textSha256,
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
      language: state.language,
      latencyMs,
    };
  }

  async function runCheck(texts: readonly string[], direction: Direction, options: CheckOptions, traced: CheckTrace): Promise<Verdict[]> {
    const pipeline = pipelines[direction];
    await languageReady;
    const vault = options.vault ?? createPlaceholderVault();
    const states: TextState[] = [];
    const timings = texts.map(() => ({ prefilters: 0, classifier: 0, judge: 0 }));
    const slice = createSlicer(now);
    const prefiltersTraced = traced.begin('prefilters');
    for (const [i, text] of texts.entries()) {
      // Each text is hashed here, inside the slices (2,048 inputs of 2,000 characters take ~100 ms
      // to hash in JavaScript: in one go that would hold up every other request).
      const state = initialState(text, options.scopes?.[i] ?? 'full', digest);
      states.push(state);
      const started = now();
      pipeline.prefilters.run(state, options.context);
      pipeline.language.run(state, options.reportLanguage ?? false);
      timings[i]!.prefilters = now() - started;
      recorded.stageSeconds.observe({ stage: 'prefilters', direction }, timings[i]!.prefilters / 1000);
      await slice.yieldIfDue();
    }
    prefiltersTraced(states);
    const classifyStarted = now();
    const classifierTraced = traced.begin('classifier');
    await pipeline.classifier.run(states, { scoreBlocked: options.scoreBlocked ?? false, cacheScope: options.cacheScope ?? '' });
    for (const state of states) pipeline.topics.run(state);
    const classifyMs = now() - classifyStarted;
    if (states.some((state) => state.classifierStatus !== 'skipped')) {
      recorded.stageSeconds.observe({ stage: 'classifier', direction }, classifyMs / 1000);
      classifierTraced(states.filter((state) => state.classifierStatus !== 'skipped'));
      states.forEach((state, i) => (timings[i]!.classifier = state.classifierStatus === 'skipped' ? 0 : classifyMs));
    }
    await Promise.all(
      states.map(async (state, i) => {
        const started = now();
        const judgeTraced = traced.begin('judge');
        await pipeline.judge.run(state, options);
        // Timed only when the judge was asked (it gave an opinion or failed).
        if (state.judge !== null || state.degraded.some((d) => d.stage === 'judge')) {
          timings[i]!.judge = now() - started;
          recorded.stageSeconds.observe({ stage: 'judge', direction }, timings[i]!.judge / 1000);
          judgeTraced([state]);
        }
      }),
    );
    const verdicts: Verdict[] = [];
    for (const [i, state] of states.entries()) {
      verdicts.push(finish(state, direction, vault, timings[i]!));
      await slice.yieldIfDue();
    }
    verdicts.forEach(record);
    return verdicts;
  }

  return {
    profile,
    policyVersion,
    async check(texts, direction, options = {}) {
      const traced = traceCheck(direction, { profile: profile.name, policyVersion, texts: texts.length });
      try {
        const verdicts = await runCheck(texts, direction, options, traced);
        traced.end(verdicts);
        return verdicts;
      } catch (error) {
        traced.fail(error);
        throw error;
      }
    },
  };
}
