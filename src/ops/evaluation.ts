// Scoring a threshold profile on a labelled set, as plain numbers: precision, recall and flagged
// rate per category at given thresholds, and the lowest threshold that reaches a target precision
// (seed 000: keep an eval set per tenant and recalibrate). Knows no guard, file or runtime; the
// policy CLI (src/node/policy-cli/) feeds it scores and labels; `npm run eval` (scripts/eval.ts)
// shares its file format keys.

import type { ModerationCategory } from '../categories.ts';

/**
 * OpenAI's moderation-evaluation format (github.com/openai/moderation-api-release: {"prompt", "S",
 * "H", "V", "HR", "SH", "S3", "H2", "V2"}): each label key and the category it is scored against.
 */
export const EVAL_KEYS: Readonly<Record<string, ModerationCategory>> = {
  S: 'sexual',
  H: 'hate',
  V: 'violence',
  HR: 'harassment',
  SH: 'self-harm',
  S3: 'sexual/minors',
  H2: 'hate/threatening',
  V2: 'violence/graphic',
};

export interface LabelledScore {
  /** The score the guard gave this row for the category. */
  readonly score: number;
  /** 1 positive, 0 negative, undefined not labelled for this category. */
  readonly label: 0 | 1 | undefined;
  /** Flagged by something other than the score (a hard rule hit for the category). */
  readonly hardHit?: boolean;
}

export interface ThresholdStats {
  readonly threshold: number | null;
  readonly labelled: number;
  readonly positives: number;
  readonly flagged: number;
  readonly truePositives: number;
  /** null when nothing labelled was flagged. */
  readonly precision: number | null;
  /** null when there is no positive. */
  readonly recall: number | null;
  /** Flagged share of the labelled rows. */
  readonly flaggedRate: number | null;
}

/** Stats of "score ≥ threshold (or a hard hit)" over the rows labelled for the category; a null threshold flags only hard hits. */
export function statsAt(rows: readonly LabelledScore[], threshold: number | null): ThresholdStats {
  let labelled = 0;
  let positives = 0;
  let flagged = 0;
  let truePositives = 0;
  for (const row of rows) {
    if (row.label === undefined) continue;
    labelled++;
    const hit = row.hardHit === true || (threshold !== null && row.score >= threshold);
    if (row.label === 1) positives++;
    if (hit) {
      flagged++;
      if (row.label === 1) truePositives++;
    }
  }
  return {
    threshold,
    labelled,
    positives,
    flagged,
    truePositives,
    precision: flagged === 0 ? null : truePositives / flagged,
    recall: positives === 0 ? null : truePositives / positives,
    flaggedRate: labelled === 0 ? null : flagged / labelled,
  };
}

/**
 * The lowest threshold (so the highest recall) at which precision reaches `target`, among the
 * labelled rows' own scores; null when no threshold does (too few positives, or they score low).
 */
export function thresholdForPrecision(rows: readonly LabelledScore[], target: number): ThresholdStats | null {
  const candidates = [...new Set(rows.filter((r) => r.label !== undefined).map((r) => r.score))].filter((s) => s > 0).sort((a, b) => a - b);
  for (const candidate of candidates) {
    // Two decimals, rounded down, as a policy file writes thresholds; checked again at that value.
    const threshold = Math.max(0.01, Math.floor(candidate * 100) / 100);
    const stats = statsAt(rows, threshold);
    if (stats.precision !== null && stats.precision >= target && stats.truePositives > 0) return stats;
  }
  return null;
}

/** `0.913` → `0.91`, null → `n/a`. */
export function formatRatio(value: number | null): string {
  return value === null ? 'n/a' : value.toFixed(2);
}
