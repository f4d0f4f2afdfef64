// What the trainer prints: the log line writer, scoring a split as serving does, its AUPRC figures
// (covered, all, within-source), the per-head table, and an earlier model's figures on this run's rows.

import { readFileSync } from 'node:fs';
import { CLASSIFIER_HEADS } from '../../src/categories.ts';
import type { ClassifierHead } from '../../src/categories.ts';
import { Featurizer } from '../../src/text/featurize.ts';
import type { FeaturizerSettings } from '../../src/text/featurize.ts';
import type { Item } from './dataset.ts';
import { UNKNOWN } from './labels.ts';
import { averagePrecision } from './metrics.ts';
import { createActivations, forwardLogits } from './model.ts';
import type { ModelParams } from './model.ts';
import { importOnnx } from './onnx-export.ts';

let logPrefix = '';

/** A child process's lines carry its replica (`[replica 3] `). */
export function setLogPrefix(prefix: string): void {
  logPrefix = prefix;
}

/** One line to stderr; a leading newline stays before the prefix (after a progress bar). */
export const log = (line: string) => process.stderr.write(line.startsWith('\n') ? `\n${logPrefix}${line.slice(1)}\n` : `${logPrefix}${line}\n`);

/** Max-over-windows logits of an item, exactly as the serving classifier scores long texts. */
export function scoreItem(model: ModelParams, featurizer: Featurizer, item: Item, act = createActivations(model)): Float32Array {
  const best = new Float32Array(model.heads).fill(-Infinity);
  for (const window of featurizer.windowsOf(item.tokens, item.text.length)) {
    forwardLogits(model, window.ids, act);
    for (let k = 0; k < model.heads; k++) best[k] = Math.max(best[k]!, act.logits[k]!);
  }
  return best;
}

/** Hidden units that fire for at least one of `items` (dead ReLUs mean a too-high learning rate). */
export function countActiveUnits(model: ModelParams, featurizer: Featurizer, items: Item[]): number {
  const act = createActivations(model);
  const alive = new Uint8Array(model.hidden);
  for (const item of items) {
    forwardLogits(model, featurizer.idsFor(item.tokens, 0, Math.min(item.tokens.length, featurizer.settings.windowTokens)), act);
    act.hidden.forEach((h, j) => {
      if (h > 0) alive[j] = 1;
    });
  }
  return alive.reduce((s, v) => s + v, 0);
}

export interface HeadReport {
  head: ClassifierHead;
  auprc: number;
  /** AUPRC on the validation split: what hyper-parameters and label choices are compared on. */
  validationAuprc: number;
  precision: number;
  recall: number;
  threshold: number;
  positives: number;
  negatives: number;
}

/** Head `k`'s logits and labels over the items that label it. */
export function collect(items: Item[], logits: Float32Array[], k: number): { z: number[]; y: number[] } {
  const z: number[] = [];
  const y: number[] = [];
  items.forEach((item, i) => {
    const label = item.labels[k]!;
    if (label === UNKNOWN) return;
    z.push(logits[i]![k]!);
    y.push(label);
  });
  return { z, y };
}

/** The 9 heads the corpora label in bulk (≥ 300 held-out test positives): the headline mean. */
const COVERED_HEADS = ['harassment', 'hate', 'illicit', 'self-harm', 'self-harm/intent', 'toxicity', 'insult', 'identity_hate', 'prompt_injection'];

export interface SplitFigures {
  covered: number;
  measurable: number;
  measurableCount: number;
  hate: number;
  withinSource: number;
  withinSourceCount: number;
}

/**
 * Mean AUPRC of a split over the covered heads and over every head with ≥ 20 positives there, plus
 * the within-source mean: AUPRC per (head, source) where that source has ≥ 20 positives and ≥ 20
 * negatives for the head, averaged. Pooled figures reward telling sources apart (a source labelled
 * only positive for a head makes its style a shortcut); the within-source figure does not.
 */
export function splitFigures(model: ModelParams, featurizer: Featurizer, items: Item[]): SplitFigures {
  const act = createActivations(model);
  const logits = items.map((item) => scoreItem(model, featurizer, item, act));
  const covered: number[] = [];
  const measurable: number[] = [];
  let hate = Number.NaN;
  CLASSIFIER_HEADS.forEach((head, k) => {
    const { z, y } = collect(items, logits, k);
    if (y.filter((v) => v === 1).length < 20) return;
    const ap = averagePrecision(z, y);
    measurable.push(ap);
    if (COVERED_HEADS.includes(head)) covered.push(ap);
    if (head === 'hate') hate = ap;
  });
  const within = withinSourceAuprc(items, logits);
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  return { covered: mean(covered), measurable: mean(measurable), measurableCount: measurable.length, hate, withinSource: mean(within.map((w) => w.auprc)), withinSourceCount: within.length };
}

export interface SourceAuprc {
  head: ClassifierHead;
  source: string;
  auprc: number;
}

/** AUPRC per (head, source) where the source has ≥ 20 positives and ≥ 20 negatives for the head, sources in name order. */
export function withinSourceAuprc(items: Item[], logits: Float32Array[]): SourceAuprc[] {
  const bySource = new Map<string, number[]>();
  items.forEach((item, i) => {
    const indices = bySource.get(item.source);
    if (indices) indices.push(i);
    else bySource.set(item.source, [i]);
  });
  const out: SourceAuprc[] = [];
  for (const [source, indices] of [...bySource].sort(([a], [b]) => a.localeCompare(b))) {
    const subsetItems = indices.map((i) => items[i]!);
    const subsetLogits = indices.map((i) => logits[i]!);
    CLASSIFIER_HEADS.forEach((head, k) => {
      const { z, y } = collect(subsetItems, subsetLogits, k);
      const positives = y.filter((v) => v === 1).length;
      if (positives < 20 || y.length - positives < 20) return;
      out.push({ head, source, auprc: averagePrecision(z, y) });
    });
  }
  return out;
}

export const formatFigures = (f: SplitFigures) =>
  `covered ${f.covered.toFixed(4)} all ${f.measurable.toFixed(4)} hate ${f.hate.toFixed(4)} within-source ${f.withinSource.toFixed(4)} (${f.withinSourceCount})`;

/** The per-head table of the calibrated test figures at the default thresholds. */
export function printReport(reports: HeadReport[]): void {
  const pad = (s: string, n: number) => s.padEnd(n);
  log(`${pad('head', 26)} ${pad('AUPRC', 7)} ${pad('valAP', 7)} ${pad('P@t', 6)} ${pad('R@t', 6)} ${pad('t', 5)} pos/neg`);
  for (const r of reports) {
    log(
      `${pad(r.head, 26)} ${pad(Number.isNaN(r.auprc) ? '-' : r.auprc.toFixed(3), 7)} ${pad(Number.isNaN(r.validationAuprc) ? '-' : r.validationAuprc.toFixed(3), 7)} ${pad(r.precision.toFixed(3), 6)} ${pad(r.recall.toFixed(3), 6)} ${pad(r.threshold.toFixed(2), 5)} ${r.positives}/${r.negatives}`,
    );
  }
}

/**
 * Figures of an earlier exported model on this run's splits (same rows, this run's labels), scored
 * with its own featurizer settings (the JSON beside it), since a changed seed set changes the vocabulary.
 */
export function compareWith(path: string, validation: Item[], test: Item[]): void {
  const baseline = importOnnx(readFileSync(path));
  const metadata = JSON.parse(readFileSync(path.replace(/\.onnx$/, '.json'), 'utf8')) as { featurizer: FeaturizerSettings };
  const featurizer = new Featurizer(metadata.featurizer);
  if (baseline.rows !== featurizer.rows) throw new Error(`--compare ${path}: ${baseline.rows} embedding rows, its featurizer has ${featurizer.rows}`);
  log(`baseline ${path}: validation ${formatFigures(splitFigures(baseline, featurizer, validation))}; test ${formatFigures(splitFigures(baseline, featurizer, test))}`);
}
