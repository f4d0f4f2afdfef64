// `policy test` and `policy calibrate`: a labelled file in OpenAI's moderation-evaluation format
// (github.com/openai/moderation-api-release: {"prompt", "S", "H", "V", "HR", "SH", "S3", "H2",
// "V2"}, a missing key = not labelled) run through a tenant profile's input guard, then precision,
// recall and flagged rate per category at the profile's bands, or the thresholds that reach a
// target precision as a profile file lint accepts.

import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { ModerationCategory } from '../../categories.ts';
import type { Guard, Verdict } from '../../guard/types.ts';
import { EVAL_KEYS, formatRatio, statsAt, thresholdForPrecision, type LabelledScore, type ThresholdStats } from '../../ops/evaluation.ts';
import { MINORS_BLOCK_CEILING, MINORS_CATEGORY } from '../../policy/profiles/floor.ts';
import { CliError } from './load.ts';

const labelValue = z.union([z.literal(0), z.literal(1), z.literal('0'), z.literal('1')]).transform((v) => (v === 1 || v === '1' ? 1 : 0) as 0 | 1);
const rowSchema = z.object({ prompt: z.string() }).catchall(z.unknown());

export interface LabelledRow {
  readonly prompt: string;
  readonly labels: Readonly<Partial<Record<string, 0 | 1>>>;
}

export async function readLabelledFile(path: string): Promise<LabelledRow[]> {
  const text = await readFile(path, 'utf8').catch((error: Error) => {
    throw new CliError(`${path}: ${error.message}`);
  });
  const rows: LabelledRow[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      throw new CliError(`${path}:${index + 1}: not a JSON object`);
    }
    const row = rowSchema.safeParse(parsed);
    if (!row.success) throw new CliError(`${path}:${index + 1}: needs a string "prompt"`);
    const labels: Partial<Record<string, 0 | 1>> = {};
    for (const key of Object.keys(EVAL_KEYS)) {
      if (row.data[key] === undefined || row.data[key] === null) continue;
      const value = labelValue.safeParse(row.data[key]);
      if (!value.success) throw new CliError(`${path}:${index + 1}: ${key} must be 0 or 1`);
      labels[key] = value.data;
    }
    rows.push({ prompt: row.data.prompt, labels });
  });
  if (rows.length === 0) throw new CliError(`${path}: no rows`);
  return rows;
}

/** Every row through the guard's input side, in batches, with progress on stderr. */
export async function scoreRows(guard: Guard, rows: readonly LabelledRow[], progress: (done: number, total: number) => void): Promise<Verdict[]> {
  const verdicts: Verdict[] = [];
  const batch = 32;
  for (let i = 0; i < rows.length; i += batch) {
    verdicts.push(...(await guard.check(rows.slice(i, i + batch).map((row) => row.prompt), 'input')));
    progress(Math.min(rows.length, i + batch), rows.length);
  }
  return verdicts;
}

function labelledScores(rows: readonly LabelledRow[], verdicts: readonly Verdict[], key: string): LabelledScore[] {
  const category = EVAL_KEYS[key]!;
  return rows.map((row, i) => {
    const verdict = verdicts[i]!;
    const hardHit = verdict.detections.some((d) => d.category === category && !d.ruleId.startsWith('classifier.') && d.action !== 'report');
    return { score: verdict.categoryScores[category], label: row.labels[key], hardHit };
  });
}

export interface CategoryReport {
  readonly key: string;
  readonly category: ModerationCategory;
  readonly review: ThresholdStats;
  readonly block: ThresholdStats;
}

/** Per labelled category: stats where the profile flags (review, else block) and where it blocks. */
export function profileReport(guard: Guard, rows: readonly LabelledRow[], verdicts: readonly Verdict[]): CategoryReport[] {
  return Object.entries(EVAL_KEYS)
    .filter(([key]) => rows.some((row) => row.labels[key] !== undefined))
    .map(([key, category]) => {
      const band = guard.profile.input.bands[category];
      const scores = labelledScores(rows, verdicts, key);
      return { key, category, review: statsAt(scores, band.review ?? band.block), block: statsAt(scores, band.block) };
    });
}

export function formatReport(title: string, report: readonly CategoryReport[], baseline?: readonly CategoryReport[]): string {
  const lines = [title, 'category                 n   pos | at review: thr   prec  recall flagged | at block: thr   prec  recall flagged'];
  const cell = (s: ThresholdStats) => `${s.threshold === null ? ' none' : s.threshold.toFixed(2).padStart(5)}  ${formatRatio(s.precision).padStart(5)}  ${formatRatio(s.recall).padStart(6)}  ${formatRatio(s.flaggedRate).padStart(6)}`;
  for (const row of report) {
    lines.push(`${row.category.padEnd(22)} ${String(row.review.labelled).padStart(4)} ${String(row.review.positives).padStart(5)} |          ${cell(row.review)} |         ${cell(row.block)}`);
    const before = baseline?.find((b) => b.key === row.key);
    if (before) {
      const delta = (a: number | null, b: number | null) => (a === null || b === null ? '  n/a' : `${a - b >= 0 ? '+' : ''}${(a - b).toFixed(2)}`);
      lines.push(
        `${'  vs baseline'.padEnd(33)} |          ${delta(row.review.threshold, before.review.threshold).padStart(5)}  ${delta(row.review.precision, before.review.precision).padStart(5)}  ${delta(row.review.recall, before.review.recall).padStart(6)}  ${delta(row.review.flaggedRate, before.review.flaggedRate).padStart(6)} |         ${delta(row.block.threshold, before.block.threshold).padStart(5)}  ${delta(row.block.precision, before.block.precision).padStart(5)}  ${delta(row.block.recall, before.block.recall).padStart(6)}  ${delta(row.block.flaggedRate, before.block.flaggedRate).padStart(6)}`,
      );
    }
  }
  return lines.join('\n');
}

export interface Calibration {
  readonly category: ModerationCategory;
  readonly review: ThresholdStats | null;
  readonly block: ThresholdStats | null;
}

/** Per labelled category, the lowest review and block thresholds reaching each target precision. */
export function calibrate(rows: readonly LabelledRow[], verdicts: readonly Verdict[], targets: { review: number; block: number }): Calibration[] {
  return Object.entries(EVAL_KEYS)
    .filter(([key]) => rows.some((row) => row.labels[key] === 1))
    .map(([key, category]) => {
      // The classifier's own scores decide thresholds; hard rules flag regardless of them.
      const scores = labelledScores(rows, verdicts, key).map((s) => ({ score: s.score, label: s.label }));
      const review = thresholdForPrecision(scores, targets.review);
      let block = thresholdForPrecision(scores, targets.block);
      if (block && review && block.threshold! < review.threshold!) block = statsAt(scores, review.threshold);
      return { category, review, block };
    });
}

/** A tenant profile file (`tenants/<tenant>/profiles/<name>.yaml`) extending `base` with the calibrated bands. */
export function calibrationYaml(options: { name: string; base: string; data: string; rows: number; targets: { review: number; block: number }; calibration: readonly Calibration[] }): string {
  const lines = [
    `# npm run policy -- calibrate: ${options.rows} labelled rows from ${options.data},`,
    `# review at precision >= ${options.targets.review}, block at precision >= ${options.targets.block}.`,
    `# Save as tenants/<tenant>/profiles/${options.name}.yaml, check with npm run policy -- lint.`,
    `profile: ${options.name}`,
    `extends: ${options.base}`,
    'categories:',
  ];
  let written = 0;
  for (const { category, review, block } of options.calibration) {
    if (!review && !block) {
      lines.push(`  # ${category}: no threshold reaches the target on this set; kept from ${options.base}`);
      continue;
    }
    let reviewAt = review?.threshold ?? null;
    let blockAt = block?.threshold ?? null;
    if (category === MINORS_CATEGORY) {
      // The floor: sexual/minors blocks at or below 0.10 whatever the data says.
      blockAt = Math.min(blockAt ?? MINORS_BLOCK_CEILING, MINORS_BLOCK_CEILING);
      if (reviewAt !== null && reviewAt > blockAt) reviewAt = null;
    }
    const fields = [reviewAt !== null ? `review: ${reviewAt.toFixed(2)}` : null, blockAt !== null ? `block: ${blockAt.toFixed(2)}` : null].filter(Boolean).join(', ');
    const why = [review ? `review precision ${formatRatio(review.precision)} recall ${formatRatio(review.recall)}` : null, block ? `block precision ${formatRatio(block.precision)} recall ${formatRatio(block.recall)}` : null]
      .filter(Boolean)
      .join('; ');
    lines.push(`  ${`${category}:`.padEnd(24)} { ${fields} }   # ${why}`);
    written++;
  }
  if (written === 0) lines.push('  {}');
  return `${lines.join('\n')}\n`;
}
