// The trainer's metadata writer (scripts/train/metadata.ts): the committed file is what the schema
// describes, the writer keeps its key order and formatting, and refuses what serving would not read.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLASSIFIER_HEADS } from '../../src/categories.ts';
import { modelMetadataSchema, trainedModelMetadataSchema } from '../../src/classifier/model-metadata.ts';
import type { TrainedModelMetadata } from '../../src/classifier/model-metadata.ts';
import { buildModelMetadata, formatModelMetadata } from '../../scripts/train/metadata.ts';
import type { MetadataInput } from '../../scripts/train/metadata.ts';
import { parseTrainOptions } from '../../scripts/train/options.ts';

const COMMITTED = readFileSync(join(import.meta.dirname, '..', '..', 'models', 'moderation-classifier.json'), 'utf8');

/** Every object's keys in order, by path (arrays by their first element; records' keys are data). */
function keyOrder(value: unknown, path = '', out: string[] = []): string[] {
  if (Array.isArray(value)) {
    if (value.length > 0) keyOrder(value[0], `${path}[]`, out);
  } else if (value !== null && typeof value === 'object') {
    if (['.thresholds', '.training.bySource'].includes(path)) return out;
    const keys = Object.keys(value);
    out.push(`${path}: ${keys.join(',')}`);
    for (const key of keys) keyOrder((value as Record<string, unknown>)[key], `${path}.${key}`, out);
  }
  return out;
}

function input(overrides: Partial<MetadataInput> = {}): MetadataInput {
  const heads = CLASSIFIER_HEADS;
  return {
    options: parseTrainOptions([]),
    onnxSha256: 'ab'.repeat(32),
    thresholds: Object.fromEntries(heads.map((h) => [h, 0.5])),
    calibration: { a: new Float32Array(heads.length).fill(1), b: new Float32Array(heads.length) },
    settings: { vocabulary: ['the', 'to'], buckets: 10, charNgramMin: 3, charNgramMax: 5, wordNgrams: 2, windowTokens: 64, windowStride: 32, windowLayout: 'blocks' },
    model: { dim: 100, rows: 13 },
    gloveRows: 2,
    examples: { unique: 100, validation: 10, test: 15 },
    trainSeconds: 12.4,
    totalSeconds: 20.6,
    losses: [0.123456789, 0.1],
    bySource: { olid: { train: 75, validation: 10, test: 15, duplicates: 1 } },
    reports: heads.map((head, k) => ({ head, auprc: k === 0 ? Number.NaN : 0.812345, validationAuprc: 0.8, precision: 0.5, recall: 0.25, threshold: 0.5, positives: k < 3 ? 400 : 5, negatives: 1000 })),
    withinSource: [{ head: 'hate', source: 'olid', auprc: 0.654321 }],
    ...overrides,
  };
}

describe('model metadata', () => {
  it('describes the committed file, which serving still reads', () => {
    const json: unknown = JSON.parse(COMMITTED);
    expect(trainedModelMetadataSchema.safeParse(json).success).toBe(true);
    const served = modelMetadataSchema.parse(json);
    expect(served.version).toBe(`moderation-classifier@${served.onnxSha256.slice(0, 12)}`);
    // Serving ignores the training-only fields rather than refusing them.
    expect('training' in served).toBe(false);
  });

  it('writes a value byte for byte as the committed file is formatted', () => {
    expect(formatModelMetadata(JSON.parse(COMMITTED) as TrainedModelMetadata)).toBe(COMMITTED);
  });

  it('builds the committed file’s keys in the committed order', () => {
    expect(keyOrder(buildModelMetadata(input()))).toEqual(keyOrder(JSON.parse(COMMITTED)));
  });

  it('rounds the figures, writes a NaN figure as null, and derives the covered and measurable heads', () => {
    const meta = JSON.parse(formatModelMetadata(buildModelMetadata(input()))) as TrainedModelMetadata;
    expect(meta.version).toBe(`moderation-classifier@${'ab'.repeat(6)}`);
    expect(meta.training).toMatchObject({ trainSeconds: 12, totalSeconds: 21, epochLosses: [0.12346, 0.1] });
    const mixed = buildModelMetadata(input({ options: parseTrainOptions(['--word-weights', '1,1,4,4']) }));
    expect(mixed.training).toMatchObject({ wordWeights: [1, 1, 4, 4], replicas: 4 });
    expect(meta.training.examples).toEqual({ unique: 100, train: 75, validation: 10, test: 15 });
    expect(meta.heldout.perHead[0]).toMatchObject({ head: 'harassment', auprc: null, validationAuprc: 0.8 });
    expect(meta.heldout.perHead[1]!.auprc).toBe(0.8123);
    expect(meta.heldout.coveredHeads).toEqual(['harassment/threatening', 'hate']);
    expect(meta.heldout.meanAuprcCovered).toBeCloseTo(0.812345, 6);
    expect(meta.heldout.withinSource).toEqual([{ head: 'hate', source: 'olid', auprc: 0.6543 }]);
    const none = JSON.parse(formatModelMetadata(buildModelMetadata(input({ withinSource: [] })))) as TrainedModelMetadata;
    expect(none.heldout.meanAuprcWithinSource).toBeNull();
    const plain = buildModelMetadata(input({ options: parseTrainOptions(['--word-weight', '2']) }));
    expect('wordWeights' in plain.training).toBe(false);
    expect('wordWeights' in buildModelMetadata(input()).training).toBe(false);
  });

  it('refuses to write what the schema does not accept', () => {
    expect(() => formatModelMetadata(buildModelMetadata(input({ thresholds: { hate: 1.5 } })))).toThrow('model metadata does not match its schema');
    expect(() => formatModelMetadata(buildModelMetadata(input({ onnxSha256: 'not-a-hash' })))).toThrow('onnxSha256');
  });
});
