// Serving behaviour of the ONNX classifier: micro-batching, sliding windows, start-up errors.

import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelLoadError } from '../../src/classifier/errors.ts';
import { loadOnnxClassifier } from '../../src/node/onnx-classifier.ts';
import type { OnnxClassifier } from '../../src/classifier/onnx-session.ts';

const MODELS = join(import.meta.dirname, '..', '..', 'models');
const MODEL = join(MODELS, 'moderation-classifier.onnx');
const METADATA = join(MODELS, 'moderation-classifier.json');

describe('ONNX classifier serving', () => {
  let classifier: OnnxClassifier;
  const runs: number[] = [];
  beforeAll(async () => {
    classifier = await loadOnnxClassifier({ modelPath: MODEL, onRun: (windows) => runs.push(windows) });
  });
  afterAll(() => classifier.close());

  it('runs concurrent calls as one ONNX run with the same scores as single calls', async () => {
    const texts = ['you are a complete idiot', 'how do I bake sourdough bread', 'I will kill you', 'ignore previous instructions'];
    const single: number[][] = [];
    for (const text of texts) {
      const [r] = await classifier.classify([text]);
      single.push(classifier.heads.map((h) => r!.scores[h]!));
    }
    runs.length = 0;
    const concurrent = await Promise.all(texts.map((t) => classifier.classify([t])));
    expect(runs).toEqual([texts.length]);
    concurrent.forEach(([r], i) => {
      classifier.heads.forEach((h, k) => expect(r!.scores[h]).toBeCloseTo(single[i]![k]!, 6));
    });
  });

  it('scores a long text over windows, reporting the worst window in original offsets', async () => {
    const filler = 'The committee reviewed the quarterly budget and approved the new library opening hours. ';
    const threat = 'I am going to find you tonight and I will kill you and your whole family, you worthless piece of shit.';
    const prefix = `Ｈéllo 👋 ${filler.repeat(40)}`;
    const text = `${prefix}${threat} ${filler.repeat(40)}`;
    const [long] = await classifier.classify([text]);
    expect(long!.worstSpan).toBeDefined();
    const span = long!.worstSpan!;
    // The worst window overlaps the threat, in the caller's (UTF-16) offsets.
    expect(span.start).toBeLessThan(prefix.length + threat.length);
    expect(span.end).toBeGreaterThan(prefix.length);
    // Max over windows: re-scoring the worst window's text alone reproduces the text's top score
    // (nearly: in the 'blocks' layout a window also holds the bigram of its last word with the next).
    const [window] = await classifier.classify([text.slice(span.start, span.end)]);
    expect(window!.worstSpan).toBeUndefined();
    const top = (scores: Partial<Record<string, number>>) => Math.max(...Object.values(scores).map((v) => v ?? 0));
    expect(Math.abs(top(long!.scores) - top(window!.scores))).toBeLessThan(0.01);
    for (const head of classifier.heads) expect(long!.scores[head]!).toBeGreaterThanOrEqual(window!.scores[head]! - 0.01);
    // ...and a long benign context does not hide the harmful part.
    const [benign] = await classifier.classify([filler.repeat(80)]);
    expect(long!.scores.harassment!).toBeGreaterThan(benign!.scores.harassment!);
  });

  it('does not flag benign assistant-style text with alarming words at the default thresholds', async () => {
    const texts = [
      'How do I kill the process that is listening on port 8080?',
      'When should I schedule my breast cancer screening?',
      'We are going to shoot a photo of the bride at sunset.',
      'My grandmother passed away and I feel lost.',
      'Can you explain how vaccines train the immune system?',
    ];
    const results = await classifier.classify(texts);
    results.forEach((r, i) => {
      const flagged = classifier.heads.filter((h) => r.scores[h]! >= (classifier.thresholds[h] ?? 0.5));
      expect(flagged, texts[i]).toEqual([]);
    });
    const [threat] = await classifier.classify(['I hate you, you stupid bitch, I will find you and kill you.']);
    expect(threat!.scores.harassment!).toBeGreaterThanOrEqual(classifier.thresholds.harassment!);
  });

  it('flags direct threats of violence as violence or harassment/threatening at the default thresholds', async () => {
    // The default profile blocks threats on output; the classifier must see them without a slur.
    const threats = ['I will kill you tomorrow, you worthless idiot', 'I know where your kids go to school and I am going to hurt them.'];
    const results = await classifier.classify(threats);
    results.forEach((r, i) => {
      const threatening = (['violence', 'harassment/threatening'] as const).filter((h) => r.scores[h]! >= classifier.thresholds[h]!);
      expect(threatening, threats[i]).not.toEqual([]);
    });
  });

  it('returns no worst span for a short text and one result per input, in order', async () => {
    const results = await classifier.classify(['a', 'b', 'c']);
    expect(results).toHaveLength(3);
    expect(results[0]!.worstSpan).toBeUndefined();
    expect(await classifier.classify([])).toEqual([]);
  });
});

describe('ONNX classifier start-up errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'classifier-'));

  it('names the path of a missing model file', async () => {
    const missing = join(dir, 'nope.onnx');
    copyFileSync(METADATA, join(dir, 'nope.json'));
    await expect(loadOnnxClassifier({ modelPath: missing })).rejects.toThrow(ModelLoadError);
    await expect(loadOnnxClassifier({ modelPath: missing })).rejects.toThrow(`${missing}: model file not found`);
  });

  it('rejects a truncated (corrupt) model file', async () => {
    const corrupt = join(dir, 'corrupt.onnx');
    writeFileSync(corrupt, readFileSync(MODEL).subarray(0, 1000));
    copyFileSync(METADATA, join(dir, 'corrupt.json'));
    await expect(loadOnnxClassifier({ modelPath: corrupt })).rejects.toThrow(/corrupt\.onnx: model file is corrupt/);
  });

  it('rejects invalid metadata, naming the bad field', async () => {
    const model = join(dir, 'badmeta.onnx');
    copyFileSync(MODEL, model);
    const meta = JSON.parse(readFileSync(METADATA, 'utf8')) as Record<string, unknown>;
    writeFileSync(join(dir, 'badmeta.json'), JSON.stringify({ ...meta, heads: ['not-a-head'] }));
    await expect(loadOnnxClassifier({ modelPath: model })).rejects.toThrow(/badmeta\.json: metadata field heads\.0/);
  });

  it('rejects bytes onnxruntime cannot parse even when the hash matches', async () => {
    const model = join(dir, 'garbage.onnx');
    const garbage = Buffer.from('this is not an onnx protobuf at all');
    writeFileSync(model, garbage);
    const meta = JSON.parse(readFileSync(METADATA, 'utf8')) as Record<string, unknown>;
    const { createHash } = await import('node:crypto');
    writeFileSync(join(dir, 'garbage.json'), JSON.stringify({ ...meta, onnxSha256: createHash('sha256').update(garbage).digest('hex') }));
    await expect(loadOnnxClassifier({ modelPath: model })).rejects.toThrow(/garbage\.onnx: onnxruntime rejected the model/);
  });
});
