// The selection set (../shared/data SOURCES.md): the WildGuardTest rows of
// wildguardtest_wildjailbreak_eval_prompts.jsonl.gz (`subset: wildguardtest`, 739 harmful and 925
// unharmful human-labelled prompts). NEVER trained on: sources.ts reads only the file's
// `wildjailbreak_eval` rows. Models, thresholds and profile bands are chosen by these figures:
// any-harmful AUPRC (max over the 13 moderation categories), AUPRC per mapped category (that
// subcategory's rows against every unharmful row), and the share of harmful / unharmful rows flagged.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { MODERATION_CATEGORIES } from '../../src/categories.ts';
import type { ClassifierHead } from '../../src/categories.ts';
import { averagePrecision, statsAt } from './metrics.ts';

export const SELECTION_FILE = 'wildguardtest_wildjailbreak_eval_prompts.jsonl.gz';

export interface SelectionRow {
  readonly prompt: string;
  readonly harmful: boolean;
  /** WildGuard risk subcategory; '' for unharmful rows. */
  readonly subcategory: string;
}

/**
 * WildGuard subcategories that map onto our taxonomy, and the heads each is scored by (the max of
 * them). The others (privacy, misinformation, copyright, defamation, "others") count in the
 * any-harmful figure only.
 */
export const SELECTION_CATEGORIES: ReadonlyArray<{ key: string; subcategories: readonly string[]; heads: readonly ClassifierHead[] }> = [
  { key: 'sexual', subcategories: ['sexual_content'], heads: ['sexual', 'sexual/minors'] },
  { key: 'violence', subcategories: ['violence_and_physical_harm'], heads: ['violence', 'illicit/violent', 'violence/graphic', 'harassment/threatening'] },
  { key: 'hate/harassment', subcategories: ['toxic_language_hate_speech'], heads: ['hate', 'harassment', 'hate/threatening', 'harassment/threatening'] },
  { key: 'hate (stereotypes)', subcategories: ['social_stereotypes_and_unfair_discrimination'], heads: ['hate'] },
  { key: 'self-harm', subcategories: ['mental_health_over-reliance_crisis'], heads: ['self-harm', 'self-harm/intent', 'self-harm/instructions'] },
  { key: 'illicit', subcategories: ['fraud_assisting_illegal_activities', 'cyberattack'], heads: ['illicit', 'illicit/violent'] },
];

export function loadSelectionSet(dir: string): SelectionRow[] {
  const text = gunzipSync(readFileSync(join(dir, SELECTION_FILE))).toString('utf8');
  const rows: SelectionRow[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const r = JSON.parse(line) as Record<string, unknown>;
    if (r.subset !== 'wildguardtest') continue;
    rows.push({ prompt: String(r.prompt ?? ''), harmful: r.label === 'harmful', subcategory: String(r.subcategory ?? '') });
  }
  return rows;
}

type Scores = Partial<Record<ClassifierHead, number>>;

const maxOf = (s: Scores, heads: readonly ClassifierHead[]) => heads.reduce((m, h) => Math.max(m, s[h] ?? 0), 0);

export interface SelectionFigures {
  readonly anyAuprc: number;
  readonly perCategory: ReadonlyArray<{ key: string; auprc: number; positives: number }>;
  readonly meanCategoryAuprc: number;
}

/** Threshold-free figures (the model choice is made on these). */
export function selectionFigures(rows: readonly SelectionRow[], scores: readonly Scores[]): SelectionFigures {
  const anyAuprc = averagePrecision(
    scores.map((s) => maxOf(s, MODERATION_CATEGORIES)),
    rows.map((r) => (r.harmful ? 1 : 0)),
  );
  const perCategory = SELECTION_CATEGORIES.map(({ key, subcategories, heads }) => {
    const s: number[] = [];
    const y: number[] = [];
    rows.forEach((row, i) => {
      const positive = row.harmful && subcategories.includes(row.subcategory);
      if (!positive && row.harmful) return;
      s.push(maxOf(scores[i]!, heads));
      y.push(positive ? 1 : 0);
    });
    return { key, auprc: averagePrecision(s, y), positives: y.filter((v) => v === 1).length };
  });
  const meanCategoryAuprc = perCategory.reduce((a, c) => a + c.auprc, 0) / perCategory.length;
  return { anyAuprc, perCategory, meanCategoryAuprc };
}

/** Share of harmful and of unharmful rows on which any category reaches its threshold. */
export function flaggedShares(rows: readonly SelectionRow[], scores: readonly Scores[], thresholds: Partial<Record<ClassifierHead, number>>): { harmful: number; unharmful: number } {
  let harmful = 0;
  let harmfulFlagged = 0;
  let unharmful = 0;
  let unharmfulFlagged = 0;
  rows.forEach((row, i) => {
    const flagged = MODERATION_CATEGORIES.some((head) => {
      const t = thresholds[head];
      return t !== undefined && (scores[i]![head] ?? 0) >= t;
    });
    if (row.harmful) {
      harmful++;
      if (flagged) harmfulFlagged++;
    } else {
      unharmful++;
      if (flagged) unharmfulFlagged++;
    }
  });
  return { harmful: harmfulFlagged / (harmful || 1), unharmful: unharmfulFlagged / (unharmful || 1) };
}

/** A markdown report of the selection set under each named threshold set. */
export function formatSelectionReport(rows: readonly SelectionRow[], scores: readonly Scores[], sets: ReadonlyArray<{ name: string; thresholds: Partial<Record<ClassifierHead, number>> }>): string {
  const f = selectionFigures(rows, scores);
  const harmful = rows.filter((r) => r.harmful).length;
  const lines = [
    `## selection set: WildGuardTest (${harmful} harmful / ${rows.length - harmful} unharmful; never trained on)`,
    '',
    `any-harmful AUPRC (max over the 13 categories): ${f.anyAuprc.toFixed(3)}`,
    '',
    '| category | heads (max) | AUPRC | positives |',
    '|---|---|---|---|',
    ...f.perCategory.map((c) => `| ${c.key} | ${SELECTION_CATEGORIES.find((s) => s.key === c.key)!.heads.join(', ')} | ${c.auprc.toFixed(3)} | ${c.positives} |`),
    '',
    `mean AUPRC over ${f.perCategory.length} mapped categories: ${f.meanCategoryAuprc.toFixed(3)}`,
  ];
  for (const { name, thresholds } of sets) {
    const shares = flaggedShares(rows, scores, thresholds);
    lines.push(`flagged @ ${name}: harmful ${(100 * shares.harmful).toFixed(1)} %, unharmful ${(100 * shares.unharmful).toFixed(1)} %`);
  }
  // Per category: precision and recall over the curve, the points the profile bands are read from.
  return lines.join('\n');
}

/**
 * Per head, the lowest score (grid of 0.01) at which the head's flags reach each precision target,
 * precision meaning the share of flagged prompts that are harmful (any WildGuard subcategory: a
 * harmful prompt flagged under a neighbouring category is still a right flag), with at least 10
 * flagged prompts (fewer is too little support to set a band by). Reported with the recall of the head's own mapped subcategories and the share of
 * unharmful prompts flagged: the points the profile bands are read from. null = never reached.
 */
export function precisionPoints(rows: readonly SelectionRow[], scores: readonly Scores[], head: ClassifierHead, targets: readonly number[]): Array<{ target: number; threshold: number | null; recall: number; unharmfulFlagged: number }> {
  const subcategories = new Set(SELECTION_CATEGORIES.filter((c) => c.heads.includes(head)).flatMap((c) => c.subcategories));
  const own = rows.filter((r) => r.harmful && subcategories.has(r.subcategory)).length;
  const unharmful = rows.filter((r) => !r.harmful).length;
  const at = (t: number) => {
    let flagged = 0;
    let harmful = 0;
    let ownFlagged = 0;
    rows.forEach((row, i) => {
      if ((scores[i]![head] ?? 0) < t) return;
      flagged++;
      if (row.harmful) harmful++;
      if (row.harmful && subcategories.has(row.subcategory)) ownFlagged++;
    });
    return { flagged, precision: flagged ? harmful / flagged : 0, recall: own ? ownFlagged / own : 0, unharmfulFlagged: (flagged - harmful) / (unharmful || 1) };
  };
  const grid = Array.from({ length: 99 }, (_, i) => (i + 1) / 100).map((t) => ({ t, ...at(t) }));
  return targets.map((target) => {
    const hit = grid.find((p) => p.flagged >= 10 && p.precision >= target);
    return hit ? { target, threshold: hit.t, recall: hit.recall, unharmfulFlagged: hit.unharmfulFlagged } : { target, threshold: null, recall: 0, unharmfulFlagged: 0 };
  });
}

/** The precision points of every moderation head, as a markdown table. */
export function formatBands(rows: readonly SelectionRow[], scores: readonly Scores[], targets: readonly number[] = [0.6, 0.7, 0.8, 0.9, 0.95, 0.98]): string {
  const header = ['head', ...targets.map((t) => `t @ P ${t} (own recall, unharmful flagged)`)];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const head of MODERATION_CATEGORIES) {
    const points = precisionPoints(rows, scores, head, targets);
    lines.push(`| ${head} | ${points.map((p) => (p.threshold === null ? '-' : `${p.threshold.toFixed(2)} (${p.recall.toFixed(2)}, ${(100 * p.unharmfulFlagged).toFixed(1)} %)`)).join(' | ')} |`);
  }
  return lines.join('\n');
}
