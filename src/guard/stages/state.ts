// What the cascade knows about one text while its stages run; finished into a Verdict at the end.

import { isModerationCategory, MODERATION_CATEGORIES, type ModerationCategory } from '../../categories.ts';
import type { ClassifierScores } from '../../classifier/types.ts';
import { sha256Hex } from '../../digest.ts';
import type { CheckScope, DegradedCheck, Detection, Verdict } from '../types.ts';

export interface TextState {
  readonly text: string;
  /** Hex SHA-256 of `text`, hashed once when the state is made (the cache key and the audit use it). */
  readonly textSha256: string;
  readonly scope: CheckScope;
  detections: Detection[];
  degraded: DegradedCheck[];
  scores: ClassifierScores | null;
  classifierStatus: Verdict['classifier']['status'];
  judge: Verdict['judge'];
  language: Verdict['language'];
}

export function initialState(text: string, scope: CheckScope = 'full', digest: (text: string) => string = sha256Hex): TextState {
  return { text, textSha256: digest(text), scope, detections: [], degraded: [], scores: null, classifierStatus: 'skipped', judge: null, language: null };
}

/** An enforced block, or a check that failed closed: later stages need not look at the text. */
export function isHardBlocked(state: TextState): boolean {
  return state.detections.some((d) => d.enforced && d.action === 'block') || state.degraded.some((d) => d.outcome === 'blocked');
}

/** All 13 categories: the classifier's score, raised to any pre-filter score for the same category. */
export function categoryScores(state: TextState): Record<ModerationCategory, number> {
  const scores = Object.fromEntries(MODERATION_CATEGORIES.map((c) => [c, state.scores?.scores[c] ?? 0])) as Record<ModerationCategory, number>;
  for (const detection of state.detections) {
    if (isModerationCategory(detection.category)) scores[detection.category] = Math.max(scores[detection.category], detection.score);
  }
  return scores;
}
