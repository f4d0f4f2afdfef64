// The Workers classifier path (onnxruntime-web, WebAssembly, one thread, ORT's runtime handed over
// as a compiled WebAssembly.Module as on Workers) scores the fixture texts like the Node path
// (onnxruntime-node) within 1e-5 on every head. Under workerd itself: test/workers/wrangler-dev.test.ts.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOnnxClassifier, parseModelMetadata, type OnnxClassifier } from '../../src/classifier/onnx-session.ts';
import { loadOnnxClassifier } from '../../src/node/onnx-classifier.ts';
import { createWebOnnxSession, ortHeapBytes, WORKERS_MAX_CELLS_PER_RUN } from '../../src/workers/onnx-web-session.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const MODEL = join(ROOT, 'models', 'moderation-classifier.onnx');
const METADATA = join(ROOT, 'models', 'moderation-classifier.json');
const fixture = JSON.parse(readFileSync(join(ROOT, 'fixtures', 'classifier', 'texts.json'), 'utf8')) as { texts: string[] };

describe('onnxruntime-web session (the Workers classifier) vs onnxruntime-node', () => {
  let web: OnnxClassifier;
  let node: OnnxClassifier;
  let heapAfterLoad: number | null = null;
  beforeAll(async () => {
    const metadata = parseModelMetadata(readFileSync(METADATA, 'utf8'), METADATA);
    const wasmPath = createRequire(import.meta.url).resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm');
    const { WebAssembly } = globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<object> } };
    const wasm = await WebAssembly.compile(readFileSync(wasmPath));
    // As src/workers/classifier.ts builds it: the Workers cell budget per run.
    web = createOnnxClassifier(metadata, await createWebOnnxSession({ wasm, model: new Uint8Array(readFileSync(MODEL)), metadata }), { maxCellsPerRun: WORKERS_MAX_CELLS_PER_RUN });
    heapAfterLoad = ortHeapBytes();
    node = await loadOnnxClassifier({ modelPath: MODEL });
  });
  afterAll(async () => {
    await web?.close();
    await node?.close();
  });

  it('matches within 1e-5 on every fixture text and head', async () => {
    const [fromWeb, fromNode] = await Promise.all([web.classify(fixture.texts), node.classify(fixture.texts)]);
    expect(fromWeb).toHaveLength(fixture.texts.length);
    let compared = 0;
    fixture.texts.forEach((text, i) => {
      for (const head of node.heads) {
        const expected = fromNode[i]!.scores[head]!;
        expect(Math.abs(fromWeb[i]!.scores[head]! - expected), `${head} on "${text}"`).toBeLessThanOrEqual(1e-5);
        compared++;
      }
    });
    expect(compared).toBe(fixture.texts.length * 20);
  });

  it('keeps ORT\'s wasm heap at its loaded size through a 100 KB text (the isolate has 128 MB)', async () => {
    expect(heapAfterLoad).toBeGreaterThan(0);
    expect(heapAfterLoad!).toBeLessThan(100_000_000);
    const text = fixture.texts.join(' ');
    const long = text.repeat(Math.ceil(100_000 / text.length));
    await web.classify([long]);
    // A small model loads into less heap than one run's tensors need, so the first long text may
    // grow it once (round 7's 3 MB model: 20.2 → 24.2 MB); after that it holds its size.
    const afterFirst = ortHeapBytes();
    expect(afterFirst).toBeLessThan(100_000_000);
    await web.classify([long]);
    expect(ortHeapBytes()).toBe(afterFirst);
  });

  // Over many windows the two runtimes sum floats in a different order (SIMD kernels): measured
  // up to 1.2e-5 apart on this text, so the bound here is looser than the fixture texts' 1e-5.
  it('scores a long text (several windows, padded batches) like Node within 5e-5', async () => {
    const long = `${fixture.texts.join(' ')} `.repeat(20);
    const [[fromWeb], [fromNode]] = await Promise.all([web.classify([long]), node.classify([long])]);
    for (const head of node.heads) expect(Math.abs(fromWeb!.scores[head]! - fromNode!.scores[head]!), head).toBeLessThanOrEqual(5e-5);
  });
});
