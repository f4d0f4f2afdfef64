// The classifier off the event loop: a pool of worker threads, each with its own ONNX session
// (classifier-worker.ts), behind the same Classifier contract. onnxruntime-node runs inference
// synchronously on the calling thread, and featurisation is synchronous JavaScript, so in the main
// thread one 2,048-input or 50,000-character call froze every other request for seconds. A call
// goes to the thread with the fewest texts pending; concurrent calls that reach one thread in the
// same turn are still micro-batched there.

import { Worker } from 'node:worker_threads';
import type { ClassifierHead } from '../categories.ts';
import { ModelLoadError } from '../classifier/errors.ts';
import { MicroBatcher } from '../classifier/micro-batcher.ts';
import type { Classifier, ClassifierScores } from '../classifier/types.ts';

export interface ThreadSetup {
  modelPath: string;
  intraOpThreads: number;
}
export type ThreadRequest = { type: 'classify'; id: number; texts: readonly string[] } | { type: 'close' };
export type ThreadReply =
  | { type: 'ready'; version: string; heads: ClassifierHead[] }
  /** `path` set for a ModelLoadError (then `message` is its detail). */
  | { type: 'load-failed'; path: string | null; message: string }
  | { type: 'result'; id: number; results: ClassifierScores[] }
  | { type: 'error'; id: number; message: string };

export interface ThreadedClassifierOptions {
  modelPath: string;
  /** Worker threads, each with its own session (memory: one model each). Default 1. */
  threads?: number;
  /** onnxruntime intra-op threads per session. Default 1. */
  intraOpThreads?: number;
}

interface Thread {
  worker: Worker;
  /** Exited or crashed: takes no more calls. */
  dead: boolean;
  pendingTexts: number;
  calls: Map<number, { texts: number; resolve: (results: ClassifierScores[]) => void; reject: (error: Error) => void }>;
}

/** A worker thread died or failed a call; the stage treats it like any classifier failure. */
export class ClassifierThreadError extends Error {
  override readonly name = 'ClassifierThreadError';
}

function startThread(setup: ThreadSetup): Promise<{ thread: Thread; version: string; heads: ClassifierHead[] }> {
  const worker = new Worker(new URL('./classifier-worker.mjs', import.meta.url), { workerData: setup });
  const thread: Thread = { worker, dead: false, pendingTexts: 0, calls: new Map() };
  const failAll = (error: Error) => {
    thread.dead = true;
    for (const call of thread.calls.values()) call.reject(error);
    thread.calls.clear();
    thread.pendingTexts = 0;
  };
  return new Promise((resolve, reject) => {
    worker.on('message', (message: ThreadReply) => {
      if (message.type === 'ready') return resolve({ thread, version: message.version, heads: message.heads });
      if (message.type === 'load-failed') {
        void worker.terminate();
        return reject(message.path === null ? new Error(message.message) : new ModelLoadError(message.path, message.message));
      }
      const call = thread.calls.get(message.id);
      if (!call) return;
      thread.calls.delete(message.id);
      thread.pendingTexts -= call.texts;
      if (message.type === 'result') call.resolve(message.results);
      else call.reject(new ClassifierThreadError(message.message));
    });
    worker.on('error', (error) => {
      reject(error);
      failAll(new ClassifierThreadError(`classifier thread failed: ${error.message}`));
    });
    worker.on('exit', (code) => {
      reject(new Error(`classifier thread exited with ${code} while loading`));
      failAll(new ClassifierThreadError(`classifier thread exited with ${code}`));
    });
  });
}

export async function loadThreadedClassifier(options: ThreadedClassifierOptions): Promise<Classifier> {
  const setup: ThreadSetup = { modelPath: options.modelPath, intraOpThreads: options.intraOpThreads ?? 1 };
  const started = await Promise.allSettled(Array.from({ length: Math.max(1, options.threads ?? 1) }, () => startThread(setup)));
  const failed = started.find((result) => result.status === 'rejected');
  if (failed) {
    for (const result of started) if (result.status === 'fulfilled') void result.value.thread.worker.terminate();
    throw failed.reason;
  }
  const threads = started.map((result) => (result as PromiseFulfilledResult<Awaited<ReturnType<typeof startThread>>>).value);
  const { version, heads } = threads[0]!;
  let nextId = 0;
  const dispatch = (texts: readonly string[]): Promise<ClassifierScores[]> => {
      if (texts.length === 0) return Promise.resolve([]);
      const alive = threads.map((started) => started.thread).filter((thread) => !thread.dead);
      if (alive.length === 0) return Promise.reject(new ClassifierThreadError('no classifier thread is running'));
      const thread = alive.reduce((best, candidate) => (candidate.pendingTexts < best.pendingTexts ? candidate : best));
      const id = nextId++;
      return new Promise((resolve, reject) => {
        thread.calls.set(id, { texts: texts.length, resolve, reject });
        thread.pendingTexts += texts.length;
        thread.worker.postMessage({ type: 'classify', id, texts } satisfies ThreadRequest);
      });
  };
  // With one thread, calls made in one turn of the event loop (the input and output checks of many
  // requests under load) go to it as one message: a message each way costs more than short texts
  // do. With several, each call goes to the least busy thread, so they run side by side.
  const batcher = new MicroBatcher<string, ClassifierScores>({ run: dispatch, maxBatch: 64, maxWaitMs: 0 });
  return {
    version,
    heads,
    classify: threads.length === 1 ? (texts) => batcher.submit(texts) : dispatch,
    async close() {
      await Promise.all(
        threads.filter(({ thread }) => !thread.dead).map(({ thread }) => new Promise<void>((resolve) => {
          thread.worker.once('exit', () => resolve());
          thread.worker.postMessage({ type: 'close' } satisfies ThreadRequest);
        })),
      );
    },
  };
}
