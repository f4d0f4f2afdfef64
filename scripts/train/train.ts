// `npm run train [-- --data DIR --epochs N --seed S ...]` (options: scripts/train/options.ts): trains the
// moderation classifier on the staged corpora (default ../shared/data), calibrates it per head on the
// validation split, picks default thresholds, reports held-out figures on the test split, and writes
// models/*.onnx + *.json. Deterministic for a given seed and data. Never run in CI or at start-up.

import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import cliProgress from 'cli-progress';
import { CLASSIFIER_HEADS } from '../../src/categories.ts';
import { Featurizer } from '../../src/text/featurize.ts';
import type { FeaturizerSettings } from '../../src/text/featurize.ts';
import { buildDataset, buildVocabulary } from './dataset.ts';
import type { Item } from './dataset.ts';
import { ensureGlove, loadGloveRows } from './glove.ts';
import { HEAD_COUNT, UNKNOWN } from './labels.ts';
import { averagePrecision, bestF1Threshold, fitPlatt, statsAt } from './metrics.ts';
import { buildModelMetadata, MODEL_BASENAME, writeModelMetadata } from './metadata.ts';
import { attentionTableOf, createActivations, createAdagradState, createRng, ensembleOf, foldCalibration, initModel, pooledSize, sigmoid, trainStep } from './model.ts';
import type { Calibration, ModelParams } from './model.ts';
import { exportOnnx, quantizationLevels } from './onnx-export.ts';
import { roundToFloat16 } from './float16.ts';
import { roundToInt8Rows } from './int8.ts';
import { parseTrainOptions, REPO_ROOT } from './options.ts';
import type { TrainOptions } from './options.ts';
import { runWorker, trainReplicas } from './parallel.ts';
import type { ReplicaResult, ReplicaTrainer } from './parallel.ts';
import { collect, compareWith, countActiveUnits, formatFigures, log, printReport, scoreItem, splitFigures, withinSourceAuprc } from './report.ts';
import type { HeadReport } from './report.ts';
import { writeHeldoutEvalFile } from './heldout.ts';
import { loadSeeds } from './seeds.ts';
import { loadSources } from './sources.ts';
import { formatSelectionReport, loadSelectionSet, selectionFigures } from './selection.ts';
import type { SelectionRow } from './selection.ts';
import { fnv1a32, tokenize } from '../../src/text/featurize.ts';

function initEmbeddings(model: ModelParams, vocabulary: readonly string[], glove: Map<string, Float32Array>): number {
  // Scale GloVe rows to the norm of the random rows' neighbourhood so neither dominates the mean.
  let norm = 0;
  for (const v of glove.values()) norm += Math.hypot(...v);
  const scale = glove.size > 0 ? 1 / (norm / glove.size) : 1;
  let found = 0;
  vocabulary.forEach((word, i) => {
    const v = glove.get(word);
    if (!v) return;
    found++;
    for (let d = 0; d < model.dim; d++) model.embedding[(i + 1) * model.dim + d] = v[d]! * scale;
  });
  return found;
}

/** Large sources whose every label is 0: down-weighting them rebalances the loss toward the labelled harms. */
const BENIGN_SOURCES = new Set(['gpteacher', 'clinc150']);
const AVERAGE_EVERY = 1000;

function copyParams(model: ModelParams): ModelParams {
  return { ...model, embedding: model.embedding.slice(), w1: model.w1.slice(), b1: model.b1.slice(), w2: model.w2.slice(), b2: model.b2.slice(), ...(model.attention ? { attention: model.attention.slice() } : {}) };
}

/** The trained arrays of a model (attention pooling adds its query vector). */
const PARAM_KEYS = (model: ModelParams) => (model.attention ? (['embedding', 'w1', 'b1', 'w2', 'b2', 'attention'] as const) : (['embedding', 'w1', 'b1', 'w2', 'b2'] as const));

/** Running sum of weight snapshots (tail / Polyak averaging). */
class WeightAverage {
  private readonly sum: ModelParams;
  private count = 0;
  constructor(model: ModelParams) {
    this.sum = { ...model, embedding: new Float32Array(model.embedding.length), w1: new Float32Array(model.w1.length), b1: new Float32Array(model.b1.length), w2: new Float32Array(model.w2.length), b2: new Float32Array(model.b2.length), ...(model.attention ? { attention: new Float32Array(model.attention.length) } : {}) };
  }
  add(model: ModelParams): void {
    for (const key of PARAM_KEYS(model)) {
      const into = this.sum[key]!;
      const from = model[key]!;
      for (let i = 0; i < into.length; i++) into[i]! += from[i]!;
    }
    this.count++;
  }
  get snapshots(): number {
    return this.count;
  }
  result(): ModelParams {
    const out = copyParams(this.sum);
    for (const key of PARAM_KEYS(out)) {
      const arr = out[key]!;
      for (let i = 0; i < arr.length; i++) arr[i]! /= this.count;
    }
    return out;
  }
}

function train(
  model: ModelParams,
  featurizer: Featurizer,
  items: Item[],
  options: TrainOptions & { replicaSeed: number },
  onEpoch?: (epoch: number) => void,
): { losses: number[]; averaged: ModelParams | null } {
  const rng = createRng(options.replicaSeed);
  // --train-fraction (experiments): a fixed hashed share of the training split, the same for every replica.
  const trainItems = items.filter((i) => i.split === 'train' && (options.trainFraction >= 1 || fnv1a32(i.text) / 4294967296 < options.trainFraction));
  // Positive examples of rare heads weigh more (capped); calibration later restores probabilities.
  const posWeight = new Float32Array(HEAD_COUNT);
  for (let k = 0; k < HEAD_COUNT; k++) {
    let pos = 0;
    let neg = 0;
    for (const item of trainItems) {
      if (item.labels[k] === 1) pos++;
      else if (item.labels[k] === 0) neg++;
    }
    posWeight[k] = pos === 0 ? 1 : Math.min(options.positiveWeightCap, Math.max(1, Math.sqrt(neg / pos)));
  }
  const fixedIds = trainItems.map((item) => (item.tokens.length <= featurizer.settings.windowTokens ? featurizer.idsFor(item.tokens) : null));
  const targets = trainItems.map((item) => Int8Array.from(item.labels, (y) => (y === 1 ? 1 : 0)));
  const weights = trainItems.map((item) => {
    const scale = (BENIGN_SOURCES.has(item.source) ? options.benignSourceWeight : 1) * (options.sourceWeights[item.source] ?? 1) * item.weight;
    return Float32Array.from(item.labels, (y, k) => (y === UNKNOWN ? 0 : (y === 1 ? posWeight[k]! : 1) * scale));
  });
  const keep = options.dropout > 0 ? new Float32Array(model.dim) : undefined;
  const average = options.averageFrom > 0 ? new WeightAverage(model) : null;
  const state = createAdagradState(model);
  const act = createActivations(model);
  const grad = { hidden: new Float32Array(model.hidden), pooled: new Float32Array(pooledSize(model)), logits: new Float32Array(model.heads) };
  const order = Array.from({ length: trainItems.length }, (_, i) => i);
  const totalSteps = options.epochs * order.length;
  const losses: number[] = [];
  const bar = new cliProgress.SingleBar(
    { format: 'train |{bar}| {percentage}% | epoch {epoch} | loss {loss} | eta {eta_formatted}', stream: process.stderr, noTTYOutput: true, notTTYSchedule: 15_000 },
    cliProgress.Presets.shades_classic,
  );
  bar.start(totalSteps, 0, { epoch: 1, loss: '-' });
  let step = 0;
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    let epochLoss = 0;
    let seen = 0;
    for (const index of order) {
      const item = trainItems[index]!;
      let ids = fixedIds[index];
      if (!ids) {
        // Long texts: a fresh random window each epoch, matching the serving windows' size.
        const span = featurizer.settings.windowTokens;
        const start = Math.floor(rng() * (item.tokens.length - span + 1));
        ids = featurizer.idsFor(item.tokens, start, start + span);
      }
      const lr = options.lr * Math.max(0.02, 1 - step / totalSteps);
      if (keep) for (let d = 0; d < keep.length; d++) keep[d] = rng() < options.dropout ? 0 : 1 / (1 - options.dropout);
      epochLoss += trainStep({ model, state, ids, targets: targets[index]!, weights: weights[index]!, lr, embeddingLr: lr * options.embeddingLrScale, keep, maxLrScale: options.maxLrScale, act, grad });
      step++;
      if (average && epoch + 1 >= options.averageFrom && step % AVERAGE_EVERY === 0) average.add(model);
      seen++;
      if (step % 2000 === 0) bar.update(step, { epoch: epoch + 1, loss: (epochLoss / seen).toFixed(4) });
    }
    losses.push(epochLoss / order.length);
    onEpoch?.(epoch + 1);
    bar.update(step, { epoch: epoch + 1, loss: (epochLoss / order.length).toFixed(4) });
  }
  bar.stop();
  if (average && average.snapshots === 0) average.add(model);
  return { losses, averaged: average ? average.result() : null };
}

/**
 * Per head: Platt scaling fitted on the validation logits, the threshold with the best validation
 * F1 (0.5 with under 10 validation positives), and the calibrated test figures at that threshold.
 */
function calibrate(validation: Item[], validationLogits: Float32Array[], test: Item[], testLogits: Float32Array[]): { calibration: Calibration; thresholds: Record<string, number>; reports: HeadReport[] } {
  const a = new Float32Array(HEAD_COUNT).fill(1);
  const b = new Float32Array(HEAD_COUNT);
  const thresholds: Record<string, number> = {};
  const reports: HeadReport[] = [];
  CLASSIFIER_HEADS.forEach((head, k) => {
    const val = collect(validation, validationLogits, k);
    const platt = fitPlatt(val.z, val.y);
    a[k] = platt.a;
    b[k] = platt.b;
    const valProbs = val.z.map((z) => sigmoid(platt.a * z + platt.b));
    // Too few validation positives to tune on: keep the neutral 0.5.
    const threshold = val.y.filter((y) => y === 1).length >= 10 ? bestF1Threshold(valProbs, val.y) : 0.5;
    thresholds[head] = threshold;
    const held = collect(test, testLogits, k);
    const probs = held.z.map((z) => sigmoid(platt.a * z + platt.b));
    const at = statsAt(probs, held.y, threshold);
    reports.push({ head, auprc: averagePrecision(probs, held.y), validationAuprc: averagePrecision(valProbs, val.y), precision: at.precision, recall: at.recall, threshold, positives: at.positives, negatives: at.negatives });
  });
  return { calibration: { a, b }, thresholds, reports };
}

/** Selection-set scores (probabilities; raw sigmoid of the logits without calibration) per row. */
function selectionScores(model: ModelParams, featurizer: Featurizer, rows: readonly SelectionRow[], calibration?: Calibration): Array<Partial<Record<string, number>>> {
  return rows.map((row) => {
    const tokens = tokenize(row.prompt);
    const scores: Partial<Record<string, number>> = {};
    if (tokens.length === 0) return scores;
    const z = scoreItem(model, featurizer, { text: row.prompt, tokens, labels: new Int8Array(HEAD_COUNT), source: 'selection', split: 'test', weight: 1 });
    CLASSIFIER_HEADS.forEach((head, k) => {
      scores[head] = sigmoid(calibration ? calibration.a[k]! * z[k]! + calibration.b[k]! : z[k]!);
    });
    return scores;
  });
}

function logSelection(name: string, model: ModelParams, featurizer: Featurizer, rows: readonly SelectionRow[]): void {
  if (rows.length === 0) return;
  const f = selectionFigures(rows, selectionScores(model, featurizer, rows));
  log(`selection ${name}: any-harmful AUPRC ${f.anyAuprc.toFixed(4)} (uncalibrated max), mean category ${f.meanCategoryAuprc.toFixed(4)} (${f.perCategory.map((c) => `${c.key} ${c.auprc.toFixed(3)}`).join(', ')})`);
}

function loadGlove(vocabulary: readonly string[]): Map<string, Float32Array> {
  const path = ensureGlove(REPO_ROOT, log);
  log('loading GloVe rows for the vocabulary…');
  return loadGloveRows(path, vocabulary).rows;
}

/** Train one replica from its own seed; prints every candidate's figures, returns the picked weights. */
function trainReplica(context: {
  options: TrainOptions;
  seed: number;
  featurizer: Featurizer;
  items: Item[];
  vocabulary: readonly string[];
  glove: Map<string, Float32Array> | null;
  validation: Item[];
  test: Item[];
  selection: SelectionRow[];
}): ReplicaResult {
  const { options, seed, featurizer, items, vocabulary, glove, validation, test, selection } = context;
  const model = initModel({ rows: featurizer.rows, dim: 100, hidden: options.hidden, heads: HEAD_COUNT, pooling: options.pooling }, createRng(seed));
  let gloveFound = 0;
  if (glove) {
    gloveFound = initEmbeddings(model, vocabulary, glove);
    log(`GloVe rows: ${gloveFound} of ${vocabulary.length} vocabulary words`);
  }
  let best: { epoch: number; covered: number; params: ModelParams } | null = null;
  const started = Date.now();
  const { losses, averaged } = train(model, featurizer, items, { ...options, replicaSeed: seed }, (epoch) => {
    const figures = splitFigures(model, featurizer, validation);
    log(`\nepoch ${epoch}: validation mean AUPRC ${figures.measurable.toFixed(4)} over ${figures.measurableCount} heads, covered ${figures.covered.toFixed(4)}`);
    if (!best || figures.covered > best.covered) best = { epoch, covered: figures.covered, params: copyParams(model) };
  });
  log(`trained in ${((Date.now() - started) / 1000).toFixed(0)} s; epoch losses ${losses.map((l) => l.toFixed(4)).join(', ')}`);

  // Every candidate's figures (AUPRC is rank-based, so raw logits give the calibrated figures);
  // the choice is made on validation only, test figures are printed for the record.
  const candidates: Array<{ name: string; params: ModelParams }> = [{ name: 'last', params: model }];
  const bestSnapshot = best as { epoch: number; params: ModelParams } | null;
  if (bestSnapshot) candidates.push({ name: `best (epoch ${bestSnapshot.epoch})`, params: bestSnapshot.params });
  if (averaged) candidates.push({ name: 'average', params: averaged });
  for (const candidate of candidates) {
    const val = splitFigures(candidate.params, featurizer, validation);
    const held = splitFigures(candidate.params, featurizer, test);
    log(`candidate ${candidate.name}: validation ${formatFigures(val)}; test ${formatFigures(held)}`);
    logSelection(`candidate ${candidate.name}`, candidate.params, featurizer, selection);
  }
  const chosen = options.pick === 'average' ? averaged : options.pick === 'best' ? (bestSnapshot?.params ?? null) : model;
  if (!chosen) throw new Error(`--pick ${options.pick} needs ${options.pick === 'average' ? '--average-from' : 'an epoch'}`);
  return { chosen, losses, gloveFound };
}

interface Prepared {
  items: Item[];
  stats: ReturnType<typeof buildDataset>['stats'];
  vocabulary: string[];
  settings: FeaturizerSettings;
  featurizer: Featurizer;
  validation: Item[];
  test: Item[];
  /** The WildGuardTest selection set: scored, never trained on. */
  selection: SelectionRow[];
}

/** Load, de-duplicate and split the data and build the featurizer: deterministic for a seed. */
function prepare(options: TrainOptions): Prepared {
  log(`data: ${options.data}`);
  const sources = loadSources(options.data, log);
  const corpora = sources.flatMap((s) => s.examples);
  const seeds = loadSeeds(options.seeds);
  const { items, stats } = buildDataset({ corpora, trainOnly: seeds, seed: options.seed, fractions: { test: 0.15, validation: 0.1 } });
  log(`examples: ${corpora.length} corpus + ${seeds.length} seed → ${items.length} unique (${stats.duplicates} duplicates merged)`);
  const vocabulary = buildVocabulary(items, options.vocabulary, 2);
  const settings: FeaturizerSettings = {
    vocabulary,
    buckets: options.buckets,
    charNgramMin: options.charNgramMin,
    charNgramMax: 5,
    wordNgrams: 2,
    ...(options.wordWeight !== 1 ? { wordWeight: options.wordWeight } : {}),
    windowTokens: options.window,
    windowStride: Math.max(1, options.window >> 1),
    // Serving pools each half-window block once when the graph can sum blocks (onnx-export canSumBlocks).
    ...(options.pooling === 'mean' && !options.wordWeights && options.window % 2 === 0 ? { windowLayout: 'blocks' as const } : {}),
  };
  return {
    items,
    stats,
    vocabulary,
    settings,
    featurizer: new Featurizer(settings),
    validation: items.filter((i) => i.split === 'validation'),
    test: items.filter((i) => i.split === 'test'),
    selection: loadSelectionSet(options.data),
  };
}

function trainReplicaHere(options: TrainOptions, prepared: Prepared, replica: number, glove: Map<string, Float32Array> | null): ReplicaResult {
  const k = options.wordWeights?.[replica] ?? 1;
  // Mixed word weights: this replica trains (and is scored) on ids with each word repeated k times.
  const featurizer = options.wordWeights && k !== 1 ? new Featurizer({ ...prepared.settings, wordWeight: k }) : prepared.featurizer;
  return trainReplica({ options, seed: options.seed + replica, glove, ...prepared, featurizer });
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const options = parseTrainOptions(argv);
  const inProcess = (prepared: Prepared): ReplicaTrainer => {
    const glove = options.glove ? loadGlove(prepared.vocabulary) : null;
    return (replica) => trainReplicaHere(options, prepared, replica, glove);
  };
  if (options.worker !== null) return runWorker(options.worker, inProcess(prepare(options)));
  const started = Date.now();
  const prepared = prepare(options);
  const { items, stats, settings, featurizer, validation, test } = prepared;
  for (const path of options.compare) compareWith(path, validation, test);
  const trainStarted = Date.now();
  const replicas = await trainReplicas(options, argv, () => inProcess(prepared));
  const trainSeconds = (Date.now() - trainStarted) / 1000;
  log(`trained in ${trainSeconds.toFixed(0)} s`);
  let model = ensembleOf(
    replicas.map((r) => r.chosen),
    options.wordWeights ? { wordWeights: options.wordWeights, wordIdLimit: featurizer.bucketBase } : undefined,
  );
  if (options.replicas > 1) {
    const val = splitFigures(model, featurizer, validation);
    const held = splitFigures(model, featurizer, test);
    log(`ensemble of ${options.replicas}: validation ${formatFigures(val)}; test ${formatFigures(held)}`);
  }
  // Calibrate and report the weights exactly as the ONNX file will hold them.
  if (options.embedding === 'float16') roundToFloat16(model.embedding);
  const levels = quantizationLevels(options.embedding);
  if (levels) roundToInt8Rows(model.embedding, model.rows, model.dim, levels);
  // Attention pooling: the per-row scores e·q from the stored rows, rounded to the file's float16.
  if (model.pooling === 'mean+attention') model = { ...model, attentionTable: attentionTableOf(model, roundToFloat16) };

  const validationLogits = validation.map((item) => scoreItem(model, featurizer, item));
  log(`hidden units active on validation: ${countActiveUnits(model, featurizer, validation.slice(0, 2000))} of ${model.hidden}`);
  const testLogits = test.map((item) => scoreItem(model, featurizer, item));
  const { calibration, thresholds, reports } = calibrate(validation, validationLogits, test, testLogits);
  printReport(reports);
  const selectionReport = formatSelectionReport(prepared.selection, selectionScores(model, featurizer, prepared.selection, calibration), [{ name: 'model', thresholds }]);
  log(selectionReport);
  const withinSource = withinSourceAuprc(test, testLogits);
  log(`within-source test AUPRC (head/source with ≥ 20 positives and ≥ 20 negatives): ${withinSource.map((w) => `${w.head}/${w.source} ${w.auprc.toFixed(3)}`).join(', ')}`);

  mkdirSync(options.out, { recursive: true });
  const folded = foldCalibration(model, calibration);
  const onnx = exportOnnx(folded, 'Guardrail-proxy moderation classifier: fastText-style bag of GloVe words and hashed n-grams, MLP, calibrated sigmoid heads.', {
    embedding: options.embedding,
    blocks: settings.windowLayout === 'blocks',
  });
  const onnxSha256 = createHash('sha256').update(onnx).digest('hex');
  writeFileSync(join(options.out, `${MODEL_BASENAME}.onnx`), onnx);
  const meta = buildModelMetadata({
    options,
    onnxSha256,
    thresholds,
    calibration,
    settings,
    model,
    gloveRows: replicas[0]!.gloveFound,
    examples: { unique: items.length, validation: validation.length, test: test.length },
    trainSeconds,
    totalSeconds: (Date.now() - started) / 1000,
    losses: replicas[0]!.losses,
    bySource: stats.bySource,
    reports,
    withinSource,
  });
  writeModelMetadata(join(options.out, `${MODEL_BASENAME}.json`), meta);
  const heldoutPath = options.heldout;
  writeHeldoutEvalFile(heldoutPath, test);
  const { heldout } = meta;
  const fixed = (x: number | null) => (x ?? Number.NaN).toFixed(4);
  log(`wrote ${join(options.out, `${MODEL_BASENAME}.onnx`)} (${(onnx.byteLength / 1e6).toFixed(1)} MB), ${meta.version}`);
  log(`held-out test split in moderation-eval format: ${heldoutPath}`);
  log(`mean AUPRC over covered heads (≥300 held-out positives): ${fixed(heldout.meanAuprcCovered)} (${heldout.coveredHeads.length} heads; validation ${fixed(heldout.validationMeanAuprcCovered)}); over heads with ≥20: ${fixed(heldout.meanAuprcMeasurable)} (${heldout.measurableHeads.length}); total ${meta.training.totalSeconds} s`);
}

main().catch((error: unknown) => {
  log(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
