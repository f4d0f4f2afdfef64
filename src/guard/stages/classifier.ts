// The classifier stage of one direction: every text the pre-filters did not already block and that
// has a word token to read (src/classifier/content.ts), scored in ONE batch through the LRU cache under the stage's time
// budget; band crossings become detections.

import { hasClassifiableContent } from '../../classifier/content.ts';
import { ClassifierDeadlineError, deadlineClock } from '../../classifier/deadline.ts';
import type { Classifier, ClassifierScores } from '../../classifier/types.ts';
import type { ResolvedDirection } from '../../policy/profiles/types.ts';
import { classifyThroughCache, type ClassifierCache } from '../cache.ts';
import { detectionsForScores } from '../decision.ts';
import { failureOutcome, failureReason, withTimeout } from '../timeout.ts';
import { isHardBlocked, type TextState } from './state.ts';

/**
 * Text with no classifiable content (empty, whitespace, punctuation, emoji, a tool call's `{}`):
 * the classifier itself gives it no score (src/classifier/content.ts, for every caller); the stage
 * does not even send it, and it scores 0 with status `skipped`.
 */
export const hasScoreableText = hasClassifiableContent;

export interface ClassifierStageDeps {
  readonly direction: ResolvedDirection;
  readonly classifier: Classifier;
  readonly cache?: ClassifierCache;
}

export interface ClassifierStageRunner {
  /** `scoreBlocked`: score texts a pre-filter already blocked too (their scores are reported). `cacheScope`: the cache namespace (the tenant); see CheckOptions. */
  run(states: readonly TextState[], options?: { scoreBlocked?: boolean; cacheScope?: string }): Promise<void>;
}

/**
 * A batch with more text than this goes to the classifier in chunks of about this many characters,
 * one after another: a 2,048-input request then occupies the classifier (its thread) a chunk at a
 * time, interleaved with other requests' texts, and once its budget is spent no further chunk is
 * sent, so abandoned work is at most one chunk.
 */
export const CLASSIFIER_CHUNK_CHARS = 16_384;

async function classifyInChunks(classifier: Classifier, texts: readonly string[], deadline: number): Promise<ClassifierScores[]> {
  let total = 0;
  for (const text of texts) total += text.length;
  if (total <= CLASSIFIER_CHUNK_CHARS) return classifier.classify(texts, { deadline });
  const results: ClassifierScores[] = [];
  let start = 0;
  while (start < texts.length) {
    let end = start;
    let chars = 0;
    while (end < texts.length && (end === start || chars + texts[end]!.length <= CLASSIFIER_CHUNK_CHARS)) chars += texts[end++]!.length;
    // The budget is spent (the stage's timer has answered for it): send nothing more.
    if (deadlineClock() >= deadline) throw new ClassifierDeadlineError();
    results.push(...(await classifier.classify(texts.slice(start, end), { deadline })));
    start = end;
  }
  return results;
}

export function createClassifierStage(deps: ClassifierStageDeps): ClassifierStageRunner {
  const { direction, classifier, cache } = deps;
  const policy = direction.classifier;
  const classify = (texts: readonly string[]) => {
    return withTimeout(classifyInChunks(classifier, texts, deadlineClock() + policy.timeoutMs), { ms: policy.timeoutMs, stage: 'classifier' });
  };
  return {
    async run(states, options = {}) {
      const pending = states.filter((state) => state.scope === 'full' && (options.scoreBlocked || !isHardBlocked(state)) && hasScoreableText(state.text));
      for (const state of states) if (!pending.includes(state)) state.classifierStatus = 'skipped';
      if (pending.length === 0) return;
      try {
        const results = await classifyThroughCache({ classifierVersion: classifier.version, cache, scope: options.cacheScope ?? '', texts: pending.map((state) => state.text), digests: pending.map((state) => state.textSha256), classify });
        results.forEach((entry, i) => {
          const state = pending[i]!;
          state.scores = entry.result;
          state.classifierStatus = entry.fromCache ? 'cached' : 'scored';
          state.detections.push(...detectionsForScores({ direction, scores: entry.result.scores, span: entry.result.worstSpan ?? null }));
        });
      } catch (error) {
        const reason = failureReason(error);
        for (const state of pending) {
          state.classifierStatus = 'unavailable';
          state.degraded.push({ stage: 'classifier', reason, onError: policy.onError, outcome: failureOutcome(policy.onError) });
        }
      }
    },
  };
}
