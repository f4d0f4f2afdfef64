// The committed ONNX model, run by onnxruntime-node through the serving classifier, must equal the
// trainer's own forward pass (scripts/train/model.ts) on fixture texts within 1e-5.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOnnxClassifier } from '../../src/node/onnx-classifier.ts';
import type { OnnxClassifier } from '../../src/classifier/onnx-session.ts';
import { hasClassifiableContent } from '../../src/classifier/content.ts';
import { Featurizer } from '../../src/text/featurize.ts';
import { forwardProbabilities } from '../../scripts/train/model.ts';
import { importOnnx } from '../../scripts/train/onnx-export.ts';

const MODEL = join(import.meta.dirname, '..', '..', 'models', 'moderation-classifier.onnx');
const fixture = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'fixtures', 'classifier', 'texts.json'), 'utf8')) as { texts: string[] };

describe('ONNX model vs trainer forward pass', () => {
  let classifier: OnnxClassifier;
  beforeAll(async () => {
    classifier = await loadOnnxClassifier({ modelPath: MODEL });
  });
  afterAll(() => classifier.close());

  it('matches within 1e-5 on every fixture text and head', async () => {
    const params = importOnnx(readFileSync(MODEL));
    const featurizer = new Featurizer(classifier.metadata.featurizer);
    const results = await classifier.classify(fixture.texts);
    expect(results).toHaveLength(fixture.texts.length);
    fixture.texts.forEach((text, i) => {
      // No classifiable content (the fixture's ""): serving runs nothing and scores 0, unscored.
      if (!hasClassifiableContent(text)) {
        expect(results[i]!.unscored).toBe(true);
        expect(Object.values(results[i]!.scores).every((v) => v === 0)).toBe(true);
        return;
      }
      const windows = featurizer.featurize(text);
      expect(windows).toHaveLength(1);
      const expected = forwardProbabilities(params, windows[0]!.ids);
      classifier.heads.forEach((head, k) => {
        const got = results[i]!.scores[head]!;
        expect(Math.abs(got - expected[k]!), `${head} on "${text}"`).toBeLessThanOrEqual(1e-5);
      });
    });
  });

  it("scores long texts as the max over their windows of the trainer's forward pass, within 1e-5, however runs are cut", async () => {
    const params = importOnnx(readFileSync(MODEL));
    const featurizer = new Featurizer(classifier.metadata.featurizer);
    // Long texts from the fixture's sentences: many windows, several runs at the default cell limit.
    const texts = [0, 1, 2].map((k) => Array.from({ length: 40 + 37 * k }, (_, i) => fixture.texts[(i * 7 + k) % fixture.texts.length]).join(' '));
    const small = await loadOnnxClassifier({ modelPath: MODEL, maxCellsPerRun: 700 });
    try {
      for (const c of [classifier, small]) {
        const results = await c.classify(texts);
        texts.forEach((text, i) => {
          const windows = featurizer.featurize(text);
          expect(windows.length).toBeGreaterThan(3);
          const expected = new Float32Array(classifier.heads.length).fill(-1);
          for (const window of windows) forwardProbabilities(params, window.ids).forEach((p, k) => (expected[k] = Math.max(expected[k]!, p)));
          classifier.heads.forEach((head, k) => expect(Math.abs(results[i]!.scores[head]! - expected[k]!), head).toBeLessThanOrEqual(1e-5));
        });
      }
    } finally {
      await small.close();
    }
  });

  it('keeps the committed model file within the 25 MB budget', () => {
    expect(readFileSync(MODEL).byteLength).toBeLessThanOrEqual(25_000_000);
  });

  it('exposes every head as a probability and a version with the content hash', async () => {
    const [result] = await classifier.classify(['hello there']);
    expect(classifier.heads).toHaveLength(20);
    for (const head of classifier.heads) {
      const p = result!.scores[head]!;
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThanOrEqual(1);
    }
    expect(classifier.version).toMatch(/^moderation-classifier@[0-9a-f]{12}$/);
  });
});
