// The trainer's command-line options (`npm run train -- --epochs 3 ...`): flags split by node:util
// parseArgs, each value checked by a zod schema, so a bad number is an error that names its flag.

import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import type { Pooling } from './model.ts';
import type { EmbeddingStorage } from './onnx-export.ts';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface TrainOptions {
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
  /** Loss weight per source (`--source-weight catqa=4`, repeatable), × the example's own weight; 1 for a source not named. */
  sourceWeights: Record<string, number>;
  /** Experiments only: train on this hashed fraction of the training split (validation, test and selection stay whole). */
  trainFraction: number;
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
  /** Tokens per window in training and serving (the featurizer's windowTokens); the stride is half of it. */
  window: number;
  /** How the ONNX file stores the embedding table (weights rounded to it before calibration). */
  embedding: EmbeddingStorage;
  /** Where the held-out test split is written in moderation-eval format. */
  heldout: string;
  /** Hand-written seed examples (training split only). */
  seeds: string;
  /** Earlier exported models (any storage or graph this exporter writes) scored on this run's splits, for same-row comparisons. */
  compare: string[];
  /** Independently seeded replicas (seed, seed+1, …) exported as one network averaging their logits (default 1; `--word-weights` sets it too). */
  replicas: number;
  /** Child processes training replicas at once, each loading the data once (default: one per core). */
  parallel: number;
  /** Internal: this process trains only these replicas, one after another, and sends their weights to the parent. */
  worker: number[] | null;
}

/** Round 6's mix (eight replicas, half at word weight 4), kept for `--word-weights`; round 7 trains one replica by default. */
export const DEFAULT_WORD_WEIGHTS: readonly number[] = [1, 1, 1, 1, 4, 4, 4, 4];

/** Today's defaults: `npm run train` with no flags trains the committed model. */
export function defaultTrainOptions(): TrainOptions {
  return {
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
    trainFraction: 1,
    averageFrom: 2,
    pick: 'average',
    // Round 7 (models/MODEL_CARD.md): one replica at word weight 1 on the round-7 data (round 6:
    // eight replicas averaged, four at word weight 4), int4 rows.
    embedding: 'int4',
    charNgramMin: 3,
    wordWeight: 1,
    wordWeights: null,
    window: 64,
    sourceWeights: {},
    heldout: join(REPO_ROOT, '.cache', 'heldout-test.jsonl'),
    seeds: join(REPO_ROOT, 'training', 'seeds'),
    compare: [],
    replicas: 1,
    parallel: availableParallelism(),
    worker: null,
  };
}

// Value schemas: a flag's string to a finite number (never NaN: `Number('')` is 0, so empty is refused first).
const finite = () => z.number({ error: 'not a finite number' });
const integer = (min: number) => finite().int({ error: 'not an integer' }).min(min, { error: `must be at least ${min}` });
const numeric = <T extends z.ZodType<number, number>>(check: T) => z.string().trim().min(1, { error: 'not a finite number' }).transform(Number).pipe(check);
const list = <T extends z.ZodType<number, number>>(check: T) => z.string().transform((s) => s.split(',')).pipe(z.array(numeric(check)));
const choice = <const T extends readonly [string, ...string[]]>(values: T) => z.enum(values, { error: `must be ${values.slice(0, -1).join(', ')} or ${values.at(-1)}` });

// The featurizer setting serving accepts (src/classifier/model-metadata.ts).
const wordWeight = integer(1).max(16, { error: 'must be at most 16' });

const flagSchemas = {
  seed: numeric(finite().int({ error: 'not an integer' })),
  epochs: numeric(integer(1)),
  lr: numeric(finite().positive({ error: 'must be greater than 0' })),
  hidden: numeric(integer(1)),
  vocabulary: numeric(integer(1)),
  buckets: numeric(integer(1)),
  embeddingLrScale: numeric(finite().min(0, { error: 'must be at least 0' })),
  charNgramMin: numeric(integer(1).max(5, { error: 'must be at most 5 (the longest n-gram)' })),
  embedding: choice(['float32', 'float16', 'int8', 'int4']),
  pooling: choice(['mean', 'mean+max', 'mean+attention']),
  wordWeight: numeric(wordWeight),
  wordWeights: list(wordWeight),
  maxLrScale: numeric(finite().min(0, { error: 'must be at least 0' })),
  dropout: numeric(finite().min(0, { error: 'must be at least 0' }).lt(1, { error: 'must be below 1' })),
  positiveWeightCap: numeric(finite().positive({ error: 'must be greater than 0' })),
  benignSourceWeight: numeric(finite().min(0, { error: 'must be at least 0' })),
  sourceWeight: z
    .string()
    .regex(/^[a-z0-9_]+=[^=]+$/, { error: 'must be source=weight' })
    .transform((s) => s.split('='))
    .pipe(z.tuple([z.string(), numeric(finite().min(0, { error: 'must be at least 0' }))])),
  trainFraction: numeric(finite().gt(0, { error: 'must be above 0' }).max(1, { error: 'must be at most 1' })),
  averageFrom: numeric(integer(0)),
  replicas: numeric(integer(1)),
  window: numeric(integer(2)),
  parallel: numeric(integer(1)),
  worker: list(integer(0)),
  pick: choice(['last', 'best', 'average']),
} satisfies Record<string, z.ZodType<unknown, string>>;

/** `--flag value` checked by its schema; the error names the flag, the value and what is wrong. */
function flagValue<K extends keyof typeof flagSchemas>(key: K, flag: string, value: string): z.infer<(typeof flagSchemas)[K]> {
  const parsed = flagSchemas[key].safeParse(value);
  if (parsed.success) return parsed.data as z.infer<(typeof flagSchemas)[K]>;
  const issue = parsed.error.issues[0]!;
  const entry = typeof issue.path[0] === 'number' ? `entry ${issue.path[0] + 1}: ` : '';
  throw new Error(`${flag} ${JSON.stringify(value)}: ${entry}${issue.message}`);
}

const FLAGS = {
  data: { type: 'string' },
  out: { type: 'string' },
  seed: { type: 'string' },
  epochs: { type: 'string' },
  lr: { type: 'string' },
  hidden: { type: 'string' },
  vocabulary: { type: 'string' },
  buckets: { type: 'string' },
  'no-glove': { type: 'boolean' },
  heldout: { type: 'string' },
  seeds: { type: 'string' },
  compare: { type: 'string', multiple: true },
  'embedding-lr-scale': { type: 'string' },
  'char-ngram-min': { type: 'string' },
  embedding: { type: 'string' },
  pooling: { type: 'string' },
  'word-weight': { type: 'string' },
  'word-weights': { type: 'string' },
  'max-lr-scale': { type: 'string' },
  dropout: { type: 'string' },
  'positive-weight-cap': { type: 'string' },
  'benign-source-weight': { type: 'string' },
  'source-weight': { type: 'string', multiple: true },
  'train-fraction': { type: 'string' },
  'average-from': { type: 'string' },
  replicas: { type: 'string' },
  window: { type: 'string' },
  parallel: { type: 'string' },
  'replica-worker': { type: 'string' },
  pick: { type: 'string' },
} as const;

/**
 * The options for `argv` (the arguments after the script): defaults as above, flags applied in
 * order (a repeated flag's last value wins, `--compare` accumulates). Throws on an unknown flag,
 * a missing value or a value its schema refuses. Pure apart from resolving paths against the cwd.
 */
export function parseTrainOptions(argv: readonly string[]): TrainOptions {
  const { tokens } = parseArgs({ args: [...argv], options: FLAGS, strict: true, allowPositionals: false, tokens: true });
  const options = defaultTrainOptions();
  const namesWordWeights = tokens.some((t) => t.kind === 'option' && t.name === 'word-weights');
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    const flag = token.rawName;
    if (token.name === 'no-glove') {
      options.glove = false;
      continue;
    }
    // parseArgs (strict) has refused a string flag without its value.
    const value = token.value!;
    switch (token.name as Exclude<keyof typeof FLAGS, 'no-glove'>) {
      case 'data': options.data = resolve(value); break;
      case 'out': options.out = resolve(value); break;
      case 'seed': options.seed = flagValue('seed', flag, value); break;
      case 'epochs': options.epochs = flagValue('epochs', flag, value); break;
      case 'lr': options.lr = flagValue('lr', flag, value); break;
      case 'hidden': options.hidden = flagValue('hidden', flag, value); break;
      case 'vocabulary': options.vocabulary = flagValue('vocabulary', flag, value); break;
      case 'buckets': options.buckets = flagValue('buckets', flag, value); break;
      case 'heldout': options.heldout = resolve(value); break;
      case 'seeds': options.seeds = resolve(value); break;
      case 'compare': options.compare.push(resolve(value)); break;
      case 'embedding-lr-scale': options.embeddingLrScale = flagValue('embeddingLrScale', flag, value); break;
      case 'char-ngram-min': options.charNgramMin = flagValue('charNgramMin', flag, value); break;
      case 'embedding': options.embedding = flagValue('embedding', flag, value); break;
      case 'pooling': options.pooling = flagValue('pooling', flag, value); break;
      case 'word-weight':
        // One weight for every replica replaces the default mix.
        options.wordWeight = flagValue('wordWeight', flag, value);
        options.wordWeights = null;
        break;
      case 'word-weights': options.wordWeights = flagValue('wordWeights', flag, value); break;
      case 'max-lr-scale': options.maxLrScale = flagValue('maxLrScale', flag, value); break;
      case 'dropout': options.dropout = flagValue('dropout', flag, value); break;
      case 'positive-weight-cap': options.positiveWeightCap = flagValue('positiveWeightCap', flag, value); break;
      case 'benign-source-weight': options.benignSourceWeight = flagValue('benignSourceWeight', flag, value); break;
      case 'source-weight': {
        const [source, weight] = flagValue('sourceWeight', flag, value);
        options.sourceWeights[source] = weight;
        break;
      }
      case 'train-fraction': options.trainFraction = flagValue('trainFraction', flag, value); break;
      case 'average-from': options.averageFrom = flagValue('averageFrom', flag, value); break;
      case 'replicas':
        // N replicas at --word-weight (default 1) unless --word-weights names one per replica.
        options.replicas = flagValue('replicas', flag, value);
        if (!namesWordWeights) options.wordWeights = null;
        break;
      case 'window': options.window = flagValue('window', flag, value); break;
      case 'parallel': options.parallel = flagValue('parallel', flag, value); break;
      case 'replica-worker': options.worker = flagValue('worker', flag, value); break;
      case 'pick': options.pick = flagValue('pick', flag, value); break;
    }
  }
  const weights = options.wordWeights;
  if (weights) {
    options.replicas = weights.length;
    // One weight for every replica is the plain featurizer setting.
    if (weights.every((k) => k === weights[0])) {
      options.wordWeight = weights[0]!;
      options.wordWeights = null;
    }
  }
  const outside = options.worker?.find((r) => r >= options.replicas);
  if (outside !== undefined) throw new Error(`--replica-worker: replica ${outside} is not below --replicas ${options.replicas}`);
  return options;
}
