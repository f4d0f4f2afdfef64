// Inside a classifier worker thread: loads the ONNX classifier (featurisation and inference, both
// synchronous CPU work in onnxruntime-node) and answers `classify` messages from the main thread,
// so a long text or a 2,048-input batch never blocks the proxy's event loop.

import { parentPort, workerData } from 'node:worker_threads';
import { deadlineClock } from '../classifier/deadline.ts';
import { ModelLoadError } from '../classifier/errors.ts';
import type { ClassifierScores } from '../classifier/types.ts';
import { createIdleMemoryRelease } from './idle-memory.ts';
import { loadOnnxClassifier } from './onnx-classifier.ts';
import type { ThreadReply, ThreadRequest, ThreadSetup } from './classifier-thread.ts';

const setup = workerData as ThreadSetup;
const port = parentPort!;
const reply = (message: ThreadReply) => port.postMessage(message);

try {
  const classifier = await loadOnnxClassifier({ modelPath: setup.modelPath, intraOpThreads: setup.intraOpThreads });
  // This thread's own heap (featurised long texts grow it), given back after a quiet spell.
  const idleMemory = createIdleMemoryRelease({ idleMs: setup.idleReleaseMs, onRelease: () => reply({ type: 'released' }) });
  port.on('message', (request: ThreadRequest) => {
    if (request.type === 'close') {
      void classifier.close().finally(() => process.exit(0));
      return;
    }
    // Texts whose callers have stopped waiting (their budget ran out while this thread was busy) are
    // skipped, so an overloaded thread catches up instead of scoring for nobody.
    const now = deadlineClock();
    const live = request.deadlines.flatMap((deadline, i) => (deadline > now ? [i] : []));
    idleMemory.begin();
    classifier.classify(live.map((i) => request.texts[i]!)).finally(idleMemory.end).then(
      (scored) => {
        const results: Array<ClassifierScores | null> = request.texts.map(() => null);
        live.forEach((at, k) => (results[at] = scored[k]!));
        reply({ type: 'result', id: request.id, results });
      },
      (error: unknown) => reply({ type: 'error', id: request.id, message: error instanceof Error ? error.message : String(error) }),
    );
  });
  reply({ type: 'ready', version: classifier.version, heads: [...classifier.heads] });
} catch (error) {
  // A ModelLoadError is rebuilt from its path and detail in the main thread, so it reads the same.
  const path = error instanceof ModelLoadError ? error.path : null;
  const message = error instanceof Error ? error.message : String(error);
  reply({ type: 'load-failed', path, message: path === null ? message : message.replace(`cannot load classifier model ${path}: `, '') });
}
