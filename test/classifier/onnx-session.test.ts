// The runtime-free ONNX serving logic over a scripted OnnxSession (no onnxruntime): metadata checked
// by its schema, windows packed into runs, per-head max over a long text's windows with the worst
// window's span, concurrent calls micro-batched into one run, close releasing the session.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelLoadError } from '../../src/classifier/errors.ts';
import type { ModelMetadata } from '../../src/classifier/model-metadata.ts';
import { createOnnxClassifier, parseModelMetadata, type OnnxSession } from '../../src/classifier/onnx-session.ts';
import type { PackedBatch } from '../../src/classifier/window-batch.ts';

const METADATA_PATH = join(import.meta.dirname, '../../models/moderation-classifier.json');
const metadata: ModelMetadata = parseModelMetadata(readFileSync(METADATA_PATH, 'utf8'), METADATA_PATH);

/** Scores each window by how many distinct ids it has (so longer windows score higher), on every head. */
function scriptedSession() {
  const runs: PackedBatch[] = [];
  let released = false;
  const session: OnnxSession = {
    async run(batch) {
      runs.push(batch);
      const heads = metadata.heads.length;
      const out = new Float32Array(batch.batch * heads);
      for (let row = 0; row < batch.batch; row++) {
        let distinct = 0;
        for (let i = 0; i < batch.length; i++) if (batch.weights[row * batch.length + i]! > 0) distinct++;
        for (let k = 0; k < heads; k++) out[row * heads + k] = Math.min(1, distinct / 1000) * (k === 0 ? 1 : 0.5);
      }
      return out;
    },
    async release() {
      released = true;
    },
  };
  return { session, runs, released: () => released };
}

describe('parseModelMetadata', () => {
  it('reads the committed metadata', () => {
    expect(metadata.heads).toContain('sexual/minors');
    expect(metadata.version).toMatch(/^moderation-classifier@/);
  });

  it('names the path and the bad field', () => {
    expect(() => parseModelMetadata('{not json', 'm.json')).toThrow(ModelLoadError);
    expect(() => parseModelMetadata('{not json', 'm.json')).toThrow(/m\.json: metadata file is not valid JSON/);
    const broken = JSON.stringify({ ...metadata, onnxSha256: 'abc' });
    expect(() => parseModelMetadata(broken, 'm.json')).toThrow(/metadata field onnxSha256/);
  });

  it("refuses the 'blocks' layout without the parts and scale inputs, and those inputs without it", () => {
    expect(metadata.featurizer.windowLayout).toBe('blocks');
    const noParts = JSON.stringify({ ...metadata, inputs: { ids: 'ids', weights: 'weights' } });
    expect(() => parseModelMetadata(noParts, 'm.json')).toThrow(/metadata field inputs/);
    const sliding = JSON.stringify({ ...metadata, featurizer: { ...metadata.featurizer, windowLayout: 'sliding' } });
    expect(() => parseModelMetadata(sliding, 'm.json')).toThrow(/metadata field inputs/);
    const uneven = JSON.stringify({ ...metadata, featurizer: { ...metadata.featurizer, windowStride: 30 } });
    expect(() => parseModelMetadata(uneven, 'm.json')).toThrow(/windowStride/);
  });
});

describe('createOnnxClassifier', () => {
  it('scores every head per text through the session, in order', async () => {
    const { session, runs } = scriptedSession();
    const classifier = createOnnxClassifier(metadata, session);
    const [short, longer] = await classifier.classify(['hi', 'a somewhat longer sentence with several distinct words in it']);
    expect(Object.keys(short!.scores)).toEqual([...metadata.heads]);
    expect(longer!.scores[metadata.heads[0]!]!).toBeGreaterThan(short!.scores[metadata.heads[0]!]!);
    expect(runs).toHaveLength(1);
    expect(classifier.version).toBe(metadata.version);
  });

  it('gives text with no classifiable content no score and runs nothing for it', async () => {
    const { session, runs } = scriptedSession();
    const classifier = createOnnxClassifier(metadata, session);
    const empties = ['', '   \n\t', '?!... ---', '🙂🔥👍', '{}'];
    const results = await classifier.classify(empties);
    for (const result of results) {
      expect(result.unscored).toBe(true);
      expect(Object.values(result.scores).every((v) => v === 0)).toBe(true);
      expect(Object.keys(result.scores)).toEqual([...metadata.heads]);
    }
    expect(runs).toHaveLength(0);
    // Mixed with real text: only the real text is packed, and it alone is scored.
    const [empty, real] = await classifier.classify(['…', 'hello there']);
    expect(empty!.unscored).toBe(true);
    expect(real!.unscored).toBeUndefined();
    expect(real!.scores[metadata.heads[0]!]!).toBeGreaterThan(0);
    expect(runs).toHaveLength(1);
    expect(runs[0]!.batch).toBe(1);
  });

  it('takes the max over a long text’s windows and reports the worst window’s span', async () => {
    const { session } = scriptedSession();
    const classifier = createOnnxClassifier(metadata, session);
    const filler = Array.from({ length: 150 }, () => 'la').join(' ');
    const varied = Array.from({ length: 60 }, (_, i) => `word${i}x`).join(' ');
    const text = `${filler} ${varied}`;
    const [result] = await classifier.classify([text]);
    const [fillerOnly] = await classifier.classify([filler]);
    const head = metadata.heads[0]!;
    expect(result!.worstSpan).toBeDefined();
    expect(result!.worstSpan!.start).toBeGreaterThan(filler.length / 2);
    // The varied windows score higher than any window of filler, and the text gets their score.
    expect(result!.scores[head]!).toBeGreaterThan(fillerOnly!.scores[head]!);
    expect(fillerOnly!.worstSpan).toBeDefined();
  });

  it('micro-batches concurrent calls into one run, and splits runs at the cell limit', async () => {
    const batched = scriptedSession();
    const classifier = createOnnxClassifier(metadata, batched.session);
    await Promise.all([classifier.classify(['one']), classifier.classify(['two']), classifier.classify(['three'])]);
    expect(batched.runs).toHaveLength(1);
    expect(batched.runs[0]!.batch).toBe(3);

    const limited = scriptedSession();
    const windows: number[] = [];
    const small = createOnnxClassifier(metadata, limited.session, { maxCellsPerRun: 64, onRun: (n) => windows.push(n) });
    await small.classify(['first text here', 'second text here', 'third text here']);
    expect(limited.runs.length).toBeGreaterThan(1);
    expect(windows.reduce((a, b) => a + b, 0)).toBe(3);
  });

  it('close releases the session', async () => {
    const { session, released } = scriptedSession();
    await createOnnxClassifier(metadata, session).close();
    expect(released()).toBe(true);
  });
});
