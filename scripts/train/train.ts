// `npm run train [-- --data DIR --epochs N --seed S ...]` (options: parseArgs): trains the moderation classifier on the
// staged corpora (default ../shared/data), calibrates it per head on the validation split, picks
// default thresholds, reports held-out figures on the test split, and writes models/*.onnx + *.json.
// Deterministic for a given seed and data. Never run in CI or at start-up.

import { createHash } from 'node:crypto';
import { fork } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import cliProgress from 'cli-progress';
import { CLASSIFIER_HEADS } from '../../src/categories.ts';
import { Featurizer } from '../../src/text/featurize.ts';
import type { FeaturizerSettings } from '../../src/text/featurize.ts';
import { buildDataset, buildVocabulary } from './dataset.ts';
import type { Item } from './dataset.ts';
import { ensureGlove, loadGloveRows } from './glove.ts';
import { HEAD_COUNT, UNKNOWN } from './labels.ts';
import { averagePrecision, bestF1Threshold, fitPlatt, statsAt } from './metrics.ts';
import { createActivations, createAdagradState, createRng, ensembleOf, foldCalibration, forwardLogits, initModel, pooledSize, sigmoid, trainStep } from './model.ts';
import type { Calibration, ModelParams, Pooling } from './model.ts';
import { exportOnnx, importOnnx, quantizationLevels } from './onnx-export.ts';
import type { EmbeddingStorage } from './onnx-export.ts';
import { roundToFloat16 } from './float16.ts';
import { roundToInt8Rows } from './int8.ts';
import { writeHeldoutEvalFile } from './heldout.ts';
import { loadSeeds } from './seeds.ts';
import { loadSources } from './sources.ts';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const MODEL_BASENAME = 'moderation-classifier';

interface TrainOptions {
  data: string;
  out: string;
  seed: number;
  epochs: number;
  lr: number;
  hidden: number;
  vocabulary: number;
  buckets: number;
  glove: boolean;
  /** Embedding learning rate = lr × this (sparse rows see few updates). */
  embeddingLrScale: number;
  /** Bag vector: mean of the window's rows, or mean and max (scripts/train/model.ts). */
  pooling: Pooling;
  /** With max pooling: learning rate of the first layer's max block, × lr. */
  maxLrScale: number;
  /** Dropout rate on the bag vector during training (0 = off). */
  dropout: number;
  /** Cap on the per-head positive weight ×√(neg/pos). */
  positiveWeightCap: number;
  /** Loss weight of examples from the large all-benign sources (gpteacher, clinc150). */
  benignSourceWeight: number;
  /** Average the weights (sampled every 1,000 steps) from the start of this epoch on; 0 = off. */
  averageFrom: number;
  /** Which weights are exported: the last step's, the best validation epoch's, or the average. */
  pick: 'last' | 'best' | 'average';
  /** Shortest character n-gram (the longest stays 5). */
  charNgramMin: number;
  /** A vocabulary word's row is repeated this many times in a window's ids (its weight in the mean). */
  wordWeight: number;
  /**
   * Per replica word weights when they differ (`--word-weights 1,1,4,4`): each replica trains on its
   * own featurizer's ids, and the exported graph applies each block's weight to one plain id list.
   */
  wordWeights: number[] | null;
  /** How the ONNX file stores the embedding table (weights rounded to it before calibration). */
  embedding: EmbeddingStorage;
  /** Where the held-out test split is written in moderation-eval format. */
  heldout: string;
  /** Hand-written seed examples (training split only). */
  seeds: string;
  /** Earlier exported models (any storage or graph this exporter writes) scored on this run's splits, for same-row comparisons. */
  compare: string[];
  /** Independently seeded replicas (seed, seed+1, …) exported as one network averaging their logits (default 8; `--word-weights` sets it too). */
  replicas: number;
  /** Child processes training replicas at once, each loading the data once (default: one per core). */
  parallel: number;
  /** Internal: this process trains only these replicas, one after another, and sends their weights to the parent. */
  worker: number[] | null;
}

const DEFAULT_WORD_WEIGHTS = [1, 1, 1, 1, 4, 4, 4, 4];

function parseArgs(argv: string[]): TrainOptions {
  const options: TrainOptions = {
    data: resolve(REPO_ROOT, '..', 'shared', 'data'),
    out: join(REPO_ROOT, 'models'),
    seed: 20240611,
    epochs: 3,
    lr: 0.05,
    hidden: 128,
    vocabulary: 20_000,
    buckets: 36_000,
    glove: true,
    // Round 2 chose 10 for one network; round 4 (models/MODEL_CARD.md) 20 for the four-replica ensemble,
    // on validation covered-mean and all-heads AUPRC.
    embeddingLrScale: 20,
    pooling: 'mean',
    // Round 5 (models/MODEL_CARD.md): at 1 the max features kill the hidden units; 0.02 trains.
    maxLrScale: 0.02,
    dropout: 0,
    positiveWeightCap: 5,
    benignSourceWeight: 1,
    averageFrom: 2,
    pick: 'average',
    // Round 6 (models/MODEL_CARD.md): eight replicas averaged, four at word weight 1 and four at 4,
    // int4 rows to stay under 25 MB (round 4: four replicas, int8).
    embedding: 'int4',
    charNgramMin: 3,
    wordWeight: 1,
    wordWeights: [...DEFAULT_WORD_WEIGHTS],
    heldout: join(REPO_ROOT, '.cache', 'heldout-test.jsonl'),
    seeds: join(REPO_ROOT, 'training', 'seeds'),
    compare: [],
    replicas: DEFAULT_WORD_WEIGHTS.length,
    parallel: availableParallelism(),
    worker: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = argv[i + 1];
    const need = () => {
      if (value === undefined) throw new Error(`${flag} needs a value`);
      i++;
      return value;
    };
    if (flag === '--data') options.data = resolve(need());
    else if (flag === '--out') options.out = resolve(need());
    else if (flag === '--seed') options.seed = Number(need());
    else if (flag === '--epochs') options.epochs = Number(need());
    else if (flag === '--lr') options.lr = Number(need());
    else if (flag === '--hidden') options.hidden = Number(need());
    else if (flag === '--vocabulary') options.vocabulary = Number(need());
    else if (flag === '--buckets') options.buckets = Number(need());
    else if (flag === '--no-glove') options.glove = false;
    else if (flag === '--heldout') options.heldout = resolve(need());
    else if (flag === '--seeds') options.seeds = resolve(need());
    else if (flag === '--compare') options.compare.push(resolve(need()));
    else if (flag === '--embedding-lr-scale') options.embeddingLrScale = Number(need());
    else if (flag === '--char-ngram-min') options.charNgramMin = Number(need());
    else if (flag === '--embedding') {
      const storage = need();
      if (storage !== 'float32' && storage !== 'float16' && storage !== 'int8' && storage !== 'int4') throw new Error('--embedding must be float32, float16, int8 or int4');
      options.embedding = storage;
    }
    else if (flag === '--pooling') {
      const pooling = need();
      if (pooling !== 'mean' && pooling !== 'mean+max') throw new Error('--pooling must be mean or mean+max');
      options.pooling = pooling;
    }
    else if (flag === '--word-weight') {
      // One weight for every replica replaces the default mix.
      options.wordWeight = Number(need());
      options.wordWeights = null;
    } else if (flag === '--word-weights') options.wordWeights = need().split(',').map(Number);
    else if (flag === '--max-lr-scale') options.maxLrScale = Number(need());
    else if (flag === '--dropout') options.dropout = Number(need());
    else if (flag === '--positive-weight-cap') options.positiveWeightCap = Number(need());
    else if (flag === '--benign-source-weight') options.benignSourceWeight = Number(need());
    else if (flag === '--average-from') options.averageFrom = Number(need());
    else if (flag === '--replicas') {
      // N replicas at --word-weight (default 1) unless --word-weights names one per replica.
      options.replicas = Number(need());
      if (!argv.includes('--word-weights')) options.wordWeights = null;
    }
    else if (flag === '--parallel') options.parallel = Number(need());
    else if (flag === '--replica-worker') options.worker = need().split(',').map(Number);
    else if (flag === '--pick') {
      const pick = need();
      if (pick !== 'last' && pick !== 'best' && pick !== 'average') throw new Error('--pick must be last, best or average');
      options.pick = pick;
    }
    else throw new Error(`unknown option ${flag}`);
  }
  const weights = options.wordWeights;
  if (weights) {
    if (weights.length === 0 || weights.some((k) => !Number.isInteger(k) || k < 1)) throw new Error('--word-weights needs positive integers, one per replica');
    options.replicas = weights.length;
    // One weight for every replica is the plain featurizer setting.
    if (weights.every((k) => k === weights[0])) {
      options.wordWeight = weights[0]!;
      options.wordWeights = null;
    }
  }
  return options;
}

let logPrefix = '';
const log = (line: string) => process.stderr.write(line.startsWith('\n') ? `\n${logPrefix}${line.slice(1)}\n` : `${logPrefix}${line}\n`);

/** Max-over-windows logits of an item, exactly as the serving classifier scores long texts. */
function scoreItem(model: ModelParams, featurizer: Featurizer, item: Item, act = createActivations(model)): Float32Array {
  const best = new Float32Array(model.heads).fill(-Infinity);
  const window = featurizer.settings.windowTokens;
  for (const start of featurizer.windowStarts(item.tokens.length)) {
    forwardLogits(model, featurizer.idsFor(item.tokens, start, Math.min(item.tokens.length, start + window)), act);
    for (let k = 0; k < model.heads; k++) best[k] = Math.max(best[k]!, act.logits[k]!);
  }
  return best;
}

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
  return { ...model, embedding: model.embedding.slice(), w1: model.w1.slice(), b1: model.b1.slice(), w2: model.w2.slice(), b2: model.b2.slice() };
}

/** Running sum of weight snapshots (tail / Polyak averaging). */
class WeightAverage {
  private readonly sum: ModelParams;
  private count = 0;
  constructor(model: ModelParams) {
    this.sum = { ...model, embedding: new Float32Array(model.embedding.length), w1: new Float32Array(model.w1.length), b1: new Float32Array(model.b1.length), w2: new Float32Array(model.w2.length), b2: new Float32Array(model.b2.length) };
  }
  add(model: ModelParams): void {
    for (const key of ['embedding', 'w1', 'b1', 'w2', 'b2'] as const) {
      const into = this.sum[key];
      const from = model[key];
      for (let i = 0; i < into.length; i++) into[i]! += from[i]!;
    }
    this.count++;
  }
  get snapshots(): number {
    return this.count;
  }
  result(): ModelParams {
    const out = copyParams(this.sum);
    for (const key of ['embedding', 'w1', 'b1', 'w2', 'b2'] as const) {
      const arr = out[key];
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
  const trainItems = items.filter((i) => i.split === 'train');
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
    const scale = BENIGN_SOURCES.has(item.source) ? options.benignSourceWeight : 1;
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

/** Hidden units that fire for at least one of `items` (dead ReLUs mean a too-high learning rate). */
function countActiveUnits(model: ModelParams, featurizer: Featurizer, items: Item[]): number {
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

interface HeadReport {
  head: string;
  auprc: number;
  /** AUPRC on the validation split: what hyper-parameters and label choices are compared on. */
  validationAuprc: number;
  precision: number;
  recall: number;
  threshold: number;
  positives: number;
  negatives: number;
}

function collect(items: Item[], logits: Float32Array[], k: number): { z: number[]; y: number[] } {
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

/**
 * Mean AUPRC of a split over the covered heads and over every head with ≥ 20 positives there, plus
 * the within-source mean: AUPRC per (head, source) where that source has ≥ 20 positives and ≥ 20
 * negatives for the head, averaged. Pooled figures reward telling sources apart (a source labelled
 * only positive for a head makes its style a shortcut); the within-source figure does not.
 */
function splitFigures(model: ModelParams, featurizer: Featurizer, items: Item[]): { covered: number; measurable: number; measurableCount: number; hate: number; withinSource: number; withinSourceCount: number } {
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

function withinSourceAuprc(items: Item[], logits: Float32Array[]): Array<{ head: string; source: string; auprc: number }> {
  const bySource = new Map<string, number[]>();
  items.forEach((item, i) => {
    const indices = bySource.get(item.source);
    if (indices) indices.push(i);
    else bySource.set(item.source, [i]);
  });
  const out: Array<{ head: string; source: string; auprc: number }> = [];
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

const formatFigures = (f: ReturnType<typeof splitFigures>) =>
  `covered ${f.covered.toFixed(4)} all ${f.measurable.toFixed(4)} hate ${f.hate.toFixed(4)} within-source ${f.withinSource.toFixed(4)} (${f.withinSourceCount})`;

/**
 * Figures of an earlier exported model on this run's splits (same rows, this run's labels), scored
 * with its own featurizer settings (the JSON beside it), since a changed seed set changes the vocabulary.
 */
function compareWith(path: string, validation: Item[], test: Item[]): void {
  const baseline = importOnnx(readFileSync(path));
  const metadata = JSON.parse(readFileSync(path.replace(/\.onnx$/, '.json'), 'utf8')) as { featurizer: FeaturizerSettings };
  const featurizer = new Featurizer(metadata.featurizer);
  if (baseline.rows !== featurizer.rows) throw new Error(`--compare ${path}: ${baseline.rows} embedding rows, its featurizer has ${featurizer.rows}`);
  log(`baseline ${path}: validation ${formatFigures(splitFigures(baseline, featurizer, validation))}; test ${formatFigures(splitFigures(baseline, featurizer, test))}`);
}

function loadGlove(vocabulary: readonly string[]): Map<string, Float32Array> {
  const path = ensureGlove(REPO_ROOT, log);
  log('loading GloVe rows for the vocabulary…');
  return loadGloveRows(path, vocabulary).rows;
}

interface ReplicaResult {
  /** The weights `--pick` selects. */
  chosen: ModelParams;
  losses: number[];
  gloveFound: number;
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
}): ReplicaResult {
  const { options, seed, featurizer, items, vocabulary, glove, validation, test } = context;
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
    windowTokens: 64,
    windowStride: 32,
  };
  return {
    items,
    stats,
    vocabulary,
    settings,
    featurizer: new Featurizer(settings),
    validation: items.filter((i) => i.split === 'validation'),
    test: items.filter((i) => i.split === 'test'),
  };
}

function trainReplicaHere(options: TrainOptions, prepared: Prepared, replica: number, glove: Map<string, Float32Array> | null): ReplicaResult {
  const k = options.wordWeights?.[replica] ?? 1;
  // Mixed word weights: this replica trains (and is scored) on ids with each word repeated k times.
  const featurizer = options.wordWeights && k !== 1 ? new Featurizer({ ...prepared.settings, wordWeight: k }) : prepared.featurizer;
  return trainReplica({ options, seed: options.seed + replica, glove, ...prepared, featurizer });
}

/**
 * Child-process mode (`--replica-worker 0,2,4`): load the data and GloVe once, then train those
 * replicas one after another, sending each one's weights to the parent as it finishes.
 */
async function runWorker(options: TrainOptions, replicas: number[]): Promise<void> {
  const prepared = prepare(options);
  const glove = options.glove ? loadGlove(prepared.vocabulary) : null;
  for (const replica of replicas) {
    logPrefix = `[replica ${replica + 1}] `;
    const result = trainReplicaHere(options, prepared, replica, glove);
    await new Promise<void>((done, fail) => process.send!({ replica, result } satisfies WorkerMessage, (error: Error | null) => (error ? fail(error) : done())));
  }
  process.disconnect();
}

interface WorkerMessage {
  replica: number;
  result: ReplicaResult;
}

/** Train `replicas` in one child process (same script, same options); resolves with their weights by replica. */
function trainInChild(argv: string[], replicas: number[]): Promise<Map<number, ReplicaResult>> {
  return new Promise((resolvePromise, reject) => {
    const child = fork(fileURLToPath(import.meta.url), [...argv, '--replica-worker', replicas.join(',')], {
      execArgv: process.execArgv,
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const results = new Map<number, ReplicaResult>();
    child.on('message', (message) => {
      const { replica, result } = message as WorkerMessage;
      results.set(replica, result);
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      const missing = replicas.filter((r) => !results.has(r));
      if (missing.length === 0) resolvePromise(results);
      else reject(new Error(`replica ${missing[0]! + 1} was not trained: its process exited with code ${code}`));
    });
  });
}

/**
 * Every replica, in `parallel` child processes (one per core by default), each loading the data
 * once and training every parallel-th replica; results in replica order. A replica's weights
 * depend only on its seed, not on which process trains it.
 */
async function trainReplicas(options: TrainOptions, argv: string[], prepared: Prepared): Promise<ReplicaResult[]> {
  if (options.replicas === 1 || options.parallel <= 1) {
    const glove = options.glove ? loadGlove(prepared.vocabulary) : null;
    return Array.from({ length: options.replicas }, (_, r) => {
      if (options.replicas > 1) log(`replica ${r + 1} of ${options.replicas} (seed ${options.seed + r})`);
      return trainReplicaHere(options, prepared, r, glove);
    });
  }
  if (options.glove) ensureGlove(REPO_ROOT, log); // install once, before the children race for it
  const lanes = Math.min(options.parallel, options.replicas);
  log(`training ${options.replicas} replicas in ${lanes} processes (seeds ${options.seed}…${options.seed + options.replicas - 1})`);
  const assigned = Array.from({ length: lanes }, (_, lane) => Array.from({ length: options.replicas }, (_, r) => r).filter((r) => r % lanes === lane));
  const byLane = await Promise.all(assigned.map((replicas) => trainInChild(argv, replicas)));
  return Array.from({ length: options.replicas }, (_, r) => byLane[r % lanes]!.get(r)!);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const options = parseArgs(argv);
  if (options.worker !== null) return runWorker(options, options.worker);
  const started = Date.now();
  const prepared = prepare(options);
  const { items, stats, settings, featurizer, validation, test } = prepared;
  for (const path of options.compare) compareWith(path, validation, test);
  const trainStarted = Date.now();
  const replicas = await trainReplicas(options, argv, prepared);
  const trainSeconds = (Date.now() - trainStarted) / 1000;
  const losses = replicas[0]!.losses;
  const gloveFound = replicas[0]!.gloveFound;
  log(`trained in ${trainSeconds.toFixed(0)} s`);
  const model = ensembleOf(
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

  const validationLogits = validation.map((item) => scoreItem(model, featurizer, item));
  log(`hidden units active on validation: ${countActiveUnits(model, featurizer, validation.slice(0, 2000))} of ${model.hidden}`);
  const testLogits = test.map((item) => scoreItem(model, featurizer, item));

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
  const calibration: Calibration = { a, b };
  printReport(reports);
  const withinSource = withinSourceAuprc(test, testLogits);
  log(`within-source test AUPRC (head/source with ≥ 20 positives and ≥ 20 negatives): ${withinSource.map((w) => `${w.head}/${w.source} ${w.auprc.toFixed(3)}`).join(', ')}`);

  mkdirSync(options.out, { recursive: true });
  const folded = foldCalibration(model, calibration);
  const onnx = exportOnnx(folded, 'Guardrail-proxy moderation classifier: fastText-style bag of GloVe words and hashed n-grams, MLP, calibrated sigmoid heads.', {
    embedding: options.embedding,
  });
  const sha256 = createHash('sha256').update(onnx).digest('hex');
  writeFileSync(join(options.out, `${MODEL_BASENAME}.onnx`), onnx);
  // "Covered": heads with at least 300 held-out positives, i.e. categories the corpora label in bulk.
  const covered = reports.filter((r) => r.positives >= 300 && !Number.isNaN(r.auprc));
  const measurable = reports.filter((r) => r.positives >= 20 && !Number.isNaN(r.auprc));
  const meta = {
    name: MODEL_BASENAME,
    version: `${MODEL_BASENAME}@${sha256.slice(0, 12)}`,
    onnxFile: `${MODEL_BASENAME}.onnx`,
    onnxSha256: sha256,
    inputs: { ids: 'ids', weights: 'weights' },
    output: 'probabilities',
    heads: CLASSIFIER_HEADS,
    thresholds,
    calibration: { a: Array.from(a), b: Array.from(b), note: 'Platt scaling, already folded into the ONNX last layer' },
    featurizer: settings,
    training: {
      seed: options.seed,
      epochs: options.epochs,
      lr: options.lr,
      hidden: options.hidden,
      pooling: options.pooling,
      maxLrScale: options.maxLrScale,
      wordWeight: options.wordWeight,
      ...(options.wordWeights ? { wordWeights: options.wordWeights } : {}),
      embeddingLrScale: options.embeddingLrScale,
      dropout: options.dropout,
      positiveWeightCap: options.positiveWeightCap,
      benignSourceWeight: options.benignSourceWeight,
      averageFrom: options.averageFrom,
      pick: options.pick,
      replicas: options.replicas,
      embedding: options.embedding,
      dim: model.dim,
      rows: model.rows,
      gloveRows: gloveFound,
      examples: { unique: items.length, train: items.length - validation.length - test.length, validation: validation.length, test: test.length },
      trainSeconds: Math.round(trainSeconds),
      totalSeconds: Math.round((Date.now() - started) / 1000),
      epochLosses: losses.map((l) => Number(l.toFixed(5))),
      bySource: stats.bySource,
    },
    heldout: {
      meanAuprcCovered: covered.reduce((s, r) => s + r.auprc, 0) / covered.length,
      validationMeanAuprcCovered: covered.reduce((s, r) => s + r.validationAuprc, 0) / covered.length,
      coveredHeads: covered.map((r) => r.head),
      meanAuprcMeasurable: measurable.reduce((s, r) => s + r.auprc, 0) / measurable.length,
      meanAuprcWithinSource: withinSource.reduce((s, w) => s + w.auprc, 0) / withinSource.length,
      withinSource: withinSource.map((w) => ({ ...w, auprc: Number(w.auprc.toFixed(4)) })),
      measurableHeads: measurable.map((r) => r.head),
      perHead: reports.map((r) => ({
        ...r,
        auprc: Number.isNaN(r.auprc) ? null : Number(r.auprc.toFixed(4)),
        validationAuprc: Number.isNaN(r.validationAuprc) ? null : Number(r.validationAuprc.toFixed(4)),
      })),
    },
  };
  writeFileSync(join(options.out, `${MODEL_BASENAME}.json`), `${JSON.stringify(meta, null, 1)}\n`);
  const heldoutPath = options.heldout;
  writeHeldoutEvalFile(heldoutPath, test);
  log(`wrote ${join(options.out, `${MODEL_BASENAME}.onnx`)} (${(onnx.byteLength / 1e6).toFixed(1)} MB), ${meta.version}`);
  log(`held-out test split in moderation-eval format: ${heldoutPath}`);
  log(`mean AUPRC over covered heads (≥300 held-out positives): ${meta.heldout.meanAuprcCovered.toFixed(4)} (${covered.length} heads; validation ${meta.heldout.validationMeanAuprcCovered.toFixed(4)}); over heads with ≥20: ${meta.heldout.meanAuprcMeasurable.toFixed(4)} (${measurable.length}); total ${meta.training.totalSeconds} s`);
}

function printReport(reports: HeadReport[]): void {
  const pad = (s: string, n: number) => s.padEnd(n);
  log(`${pad('head', 26)} ${pad('AUPRC', 7)} ${pad('valAP', 7)} ${pad('P@t', 6)} ${pad('R@t', 6)} ${pad('t', 5)} pos/neg`);
  for (const r of reports) {
    log(
      `${pad(r.head, 26)} ${pad(Number.isNaN(r.auprc) ? '-' : r.auprc.toFixed(3), 7)} ${pad(Number.isNaN(r.validationAuprc) ? '-' : r.validationAuprc.toFixed(3), 7)} ${pad(r.precision.toFixed(3), 6)} ${pad(r.recall.toFixed(3), 6)} ${pad(r.threshold.toFixed(2), 5)} ${r.positives}/${r.negatives}`,
    );
  }
}

main().catch((error: unknown) => {
  log(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
