// `npm run train [-- --data DIR --epochs N --seed S]`: trains the moderation classifier on the
// staged corpora (default ../shared/data), calibrates it per head on the validation split, picks
// default thresholds, reports held-out figures on the test split, and writes models/*.onnx + *.json.
// Deterministic for a given seed and data. Never run in CI or at start-up.

import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
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
import { createActivations, createAdagradState, createRng, foldCalibration, forwardLogits, initModel, sigmoid, trainStep } from './model.ts';
import type { Calibration, ModelParams } from './model.ts';
import { exportOnnx } from './onnx-export.ts';
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
  /** Where the held-out test split is written in moderation-eval format. */
  heldout: string;
}

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
    heldout: join(REPO_ROOT, '.cache', 'heldout-test.jsonl'),
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
    else throw new Error(`unknown option ${flag}`);
  }
  return options;
}

const log = (line: string) => process.stderr.write(`${line}\n`);

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

function train(model: ModelParams, featurizer: Featurizer, items: Item[], options: TrainOptions, onEpoch?: (epoch: number) => void): number[] {
  const rng = createRng(options.seed);
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
    posWeight[k] = pos === 0 ? 1 : Math.min(5, Math.max(1, Math.sqrt(neg / pos)));
  }
  const fixedIds = trainItems.map((item) => (item.tokens.length <= featurizer.settings.windowTokens ? featurizer.idsFor(item.tokens) : null));
  const targets = trainItems.map((item) => Int8Array.from(item.labels, (y) => (y === 1 ? 1 : 0)));
  const weights = trainItems.map((item) => Float32Array.from(item.labels, (y, k) => (y === UNKNOWN ? 0 : y === 1 ? posWeight[k]! : 1)));
  const state = createAdagradState(model);
  const act = createActivations(model);
  const grad = { hidden: new Float32Array(model.hidden), pooled: new Float32Array(model.dim), logits: new Float32Array(model.heads) };
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
      epochLoss += trainStep({ model, state, ids, targets: targets[index]!, weights: weights[index]!, lr, act, grad });
      step++;
      seen++;
      if (step % 2000 === 0) bar.update(step, { epoch: epoch + 1, loss: (epochLoss / seen).toFixed(4) });
    }
    losses.push(epochLoss / order.length);
    onEpoch?.(epoch + 1);
    bar.update(step, { epoch: epoch + 1, loss: (epochLoss / order.length).toFixed(4) });
  }
  bar.stop();
  return losses;
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

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const started = Date.now();
  log(`data: ${options.data}`);
  const sources = loadSources(options.data, log);
  const corpora = sources.flatMap((s) => s.examples);
  const seeds = loadSeeds(join(REPO_ROOT, 'training', 'seeds'));
  const { items, stats } = buildDataset({ corpora, trainOnly: seeds, seed: options.seed, fractions: { test: 0.15, validation: 0.1 } });
  log(`examples: ${corpora.length} corpus + ${seeds.length} seed → ${items.length} unique (${stats.duplicates} duplicates merged)`);

  const vocabulary = buildVocabulary(items, options.vocabulary, 2);
  const settings: FeaturizerSettings = {
    vocabulary,
    buckets: options.buckets,
    charNgramMin: 3,
    charNgramMax: 5,
    wordNgrams: 2,
    windowTokens: 64,
    windowStride: 32,
  };
  const featurizer = new Featurizer(settings);
  const model = initModel({ rows: featurizer.rows, dim: 100, hidden: options.hidden, heads: HEAD_COUNT }, createRng(options.seed));
  let gloveFound = 0;
  if (options.glove) {
    const path = ensureGlove(REPO_ROOT, log);
    log('loading GloVe rows for the vocabulary…');
    const { rows } = loadGloveRows(path, vocabulary);
    gloveFound = initEmbeddings(model, vocabulary, rows);
    log(`GloVe rows: ${gloveFound} of ${vocabulary.length} vocabulary words`);
  }

  const trainStarted = Date.now();
  const validationSample = items.filter((i) => i.split === 'validation');
  const losses = train(model, featurizer, items, options, (epoch) => {
    const logits = validationSample.map((item) => scoreItem(model, featurizer, item));
    const aps = CLASSIFIER_HEADS.map((_, k) => collect(validationSample, logits, k))
      .filter(({ y }) => y.filter((v) => v === 1).length >= 20)
      .map(({ z, y }) => averagePrecision(z, y));
    log(`\nepoch ${epoch}: validation mean AUPRC ${(aps.reduce((a, b) => a + b, 0) / aps.length).toFixed(4)} over ${aps.length} heads`);
  });
  const trainSeconds = (Date.now() - trainStarted) / 1000;
  log(`trained in ${trainSeconds.toFixed(0)} s; epoch losses ${losses.map((l) => l.toFixed(4)).join(', ')}`);

  const validation = items.filter((i) => i.split === 'validation');
  const test = items.filter((i) => i.split === 'test');
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

  mkdirSync(options.out, { recursive: true });
  const folded = foldCalibration(model, calibration);
  const onnx = exportOnnx(folded, 'Guardrail-proxy moderation classifier: fastText-style bag of GloVe words and hashed n-grams, MLP, calibrated sigmoid heads.');
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
