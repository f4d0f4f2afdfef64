// The trainer's command line (scripts/train/options.ts): today's defaults, the flags' interplay
// (--word-weight, --word-weights, --replicas), and bad values refused with the flag named.

import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTrainOptions } from '../../scripts/train/options.ts';

const REPO_ROOT = resolve(import.meta.dirname, '..', '..');

describe('parseTrainOptions', () => {
  it('defaults to the committed model’s run: one replica at word weight 1, 64-token windows, int4 rows', () => {
    expect(parseTrainOptions([])).toEqual({
      data: resolve(REPO_ROOT, '..', 'shared', 'data'),
      out: join(REPO_ROOT, 'models'),
      seed: 20240611,
      epochs: 3,
      lr: 0.05,
      hidden: 128,
      vocabulary: 20_000,
      buckets: 36_000,
      glove: true,
      embeddingLrScale: 20,
      pooling: 'mean',
      maxLrScale: 0.02,
      dropout: 0,
      positiveWeightCap: 5,
      benignSourceWeight: 1,
      sourceWeights: {},
      trainFraction: 1,
      averageFrom: 2,
      pick: 'average',
      embedding: 'int4',
      charNgramMin: 3,
      wordWeight: 1,
      wordWeights: null,
      window: 64,
      heldout: join(REPO_ROOT, '.cache', 'heldout-test.jsonl'),
      seeds: join(REPO_ROOT, 'training', 'seeds'),
      compare: [],
      replicas: 1,
      parallel: availableParallelism(),
      worker: null,
    });
  });

  it('reads every value flag, paths resolved, --compare repeated, --flag=value too', () => {
    const options = parseTrainOptions([
      '--data', 'd', '--out', '/tmp/o', '--seed', '7', '--epochs', '2', '--lr', '0.1', '--hidden', '64', '--vocabulary', '100',
      '--buckets', '50', '--no-glove', '--heldout', 'h.jsonl', '--seeds', 's', '--compare', 'a.onnx', '--compare=b.onnx',
      '--embedding-lr-scale', '10', '--char-ngram-min', '2', '--embedding', 'int8', '--pooling', 'mean+max', '--max-lr-scale', '1',
      '--dropout', '0.1', '--positive-weight-cap', '3', '--benign-source-weight', '0.5', '--average-from', '0', '--parallel', '1', '--pick', 'best',
      '--window', '32',
    ]);
    expect(options).toMatchObject({
      data: resolve('d'), out: '/tmp/o', seed: 7, epochs: 2, lr: 0.1, hidden: 64, vocabulary: 100, buckets: 50, glove: false,
      heldout: resolve('h.jsonl'), seeds: resolve('s'), compare: [resolve('a.onnx'), resolve('b.onnx')], embeddingLrScale: 10,
      charNgramMin: 2, embedding: 'int8', pooling: 'mean+max', maxLrScale: 1, dropout: 0.1, positiveWeightCap: 3,
      benignSourceWeight: 0.5, averageFrom: 0, parallel: 1, pick: 'best', window: 32,
    });
    expect(parseTrainOptions(['--seed', '1', '--seed', '2']).seed).toBe(2);
  });

  it('parses --word-weights into one replica per weight, and one shared weight into the plain setting', () => {
    expect(parseTrainOptions(['--word-weights', '1,4'])).toMatchObject({ wordWeights: [1, 4], wordWeight: 1, replicas: 2 });
    expect(parseTrainOptions(['--word-weights', '2,2,2'])).toMatchObject({ wordWeights: null, wordWeight: 2, replicas: 3 });
    // --word-weights names the replicas whatever --replicas says, before or after it.
    expect(parseTrainOptions(['--replicas', '3', '--word-weights', '1,4'])).toMatchObject({ wordWeights: [1, 4], replicas: 2 });
    expect(parseTrainOptions(['--word-weights', '1,4', '--replicas', '3'])).toMatchObject({ wordWeights: [1, 4], replicas: 2 });
  });

  it('replaces a word-weight mix with --word-weight or --replicas', () => {
    expect(parseTrainOptions(['--word-weight', '4'])).toMatchObject({ wordWeights: null, wordWeight: 4, replicas: 1 });
    expect(parseTrainOptions(['--word-weights', '1,1,4,4', '--word-weight', '4'])).toMatchObject({ wordWeights: null, wordWeight: 4 });
    expect(parseTrainOptions(['--word-weights', '1,4'])).toMatchObject({ wordWeights: [1, 4], replicas: 2 });
    expect(parseTrainOptions(['--replicas', '1'])).toMatchObject({ wordWeights: null, wordWeight: 1, replicas: 1 });
    expect(parseTrainOptions(['--replicas', '4', '--word-weight', '2'])).toMatchObject({ wordWeights: null, wordWeight: 2, replicas: 4 });
  });

  it('collects --source-weight per source, a repeated source taking its last weight', () => {
    expect(parseTrainOptions([]).sourceWeights).toEqual({});
    const options = parseTrainOptions(['--source-weight', 'catqa=4', '--source-weight=advbench=2.5', '--source-weight', 'catqa=3']);
    expect(options.sourceWeights).toEqual({ catqa: 3, advbench: 2.5 });
  });

  it('reads the internal --replica-worker list and refuses a replica past the last', () => {
    expect(parseTrainOptions(['--replicas', '8', '--replica-worker', '0,2,4']).worker).toEqual([0, 2, 4]);
    expect(() => parseTrainOptions(['--replicas', '2', '--replica-worker', '2'])).toThrow('--replica-worker: replica 2 is not below --replicas 2');
  });

  it.each([
    [['--epochs', 'abc'], '--epochs "abc": not a finite number'],
    [['--lr', 'NaN'], '--lr "NaN": not a finite number'],
    [['--lr', 'Infinity'], '--lr "Infinity": not a finite number'],
    [['--seed', ''], '--seed "": not a finite number'],
    [['--word-weights', '1,x'], '--word-weights "1,x": entry 2: not a finite number'],
    [['--word-weights', '1,0'], '--word-weights "1,0": entry 2: must be at least 1'],
    [['--word-weight', '1.5'], '--word-weight "1.5": not an integer'],
    [['--hidden', '2.5'], '--hidden "2.5": not an integer'],
    [['--replicas', '0'], '--replicas "0": must be at least 1'],
    [['--window', '1'], '--window "1": must be at least 2'],
    [['--dropout', '1'], '--dropout "1": must be below 1'],
    [['--lr', '0'], '--lr "0": must be greater than 0'],
    [['--replica-worker', '0,-1'], '--replica-worker "0,-1": entry 2: must be at least 0'],
    [['--embedding', 'int2'], '--embedding "int2": must be float32, float16, int8 or int4'],
    [['--pooling', 'max'], '--pooling "max": must be mean, mean+max or mean+attention'],
    [['--pick', 'first'], '--pick "first": must be last, best or average'],
    [['--source-weight', 'catqa'], '--source-weight "catqa": must be source=weight'],
    [['--source-weight', 'catqa=x'], '--source-weight "catqa=x": entry 2: not a finite number'],
    [['--source-weight', 'catqa=-1'], '--source-weight "catqa=-1": entry 2: must be at least 0'],
  ])('refuses %j, naming the flag', (argv, message) => {
    expect(() => parseTrainOptions(argv)).toThrow(message);
  });

  it('refuses unknown flags, positionals and a flag without its value', () => {
    expect(() => parseTrainOptions(['--epoch', '3'])).toThrow("Unknown option '--epoch'");
    expect(() => parseTrainOptions(['models'])).toThrow("Unexpected argument 'models'");
    expect(() => parseTrainOptions(['--epochs'])).toThrow("Option '--epochs <value>' argument missing");
  });
});
