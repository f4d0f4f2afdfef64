// The classifier off the event loop: a pool of worker threads, each with its own ONNX session
// (classifier-worker.ts), behind the same Classifier contract. onnxruntime-node runs inference
// synchronously on the calling thread, and featurisation is synchronous JavaScript, so in the main
// thread one 2,048-input or 50,000-character call froze every other request for seconds. Calls
// made in one turn of the event loop are micro-batched into one message; a batch goes to the thread
// with the least work pending, or, when it is long enough to be worth it, is split across threads.

import { Worker } from 'node:worker_threads';
import type { ClassifierHead } from '../categories.ts';
import { ModelLoadError } from '../classifier/errors.ts';
import { MicroBatcher } from '../classifier/micro-batcher.ts';
import { ClassifierDeadlineError } from '../classifier/deadline.ts';
import type { Classifier, ClassifierScores } from '../classifier/types.ts';

export interface ThreadSetup {
  modelPath: string;
  intraOpThreads: number;
}
/** `deadlines[i]`: when text i's caller stops waiting (deadline.ts clock; Infinity: never). */
export type ThreadRequest = { type: 'classify'; id: number; texts: readonly string[]; deadlines: readonly number[] } | { type: 'close' };
export type ThreadReply =
  | { type: 'ready'; version: string; heads: ClassifierHead[] }
  /** `path` set for a ModelLoadError (then `message` is its detail). */
  | { type: 'load-failed'; path: string | null; message: string }
  /** null for a text skipped because its deadline had passed before its turn. */
  | { type: 'result'; id: number; results: Array<ClassifierScores | null> }
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
  /** Characters (plus a per-text allowance) sent and not yet answered: what the thread has still to do. */
  pendingWork: number;
  calls: Map<number, { work: number; resolve: (results: Array<ClassifierScores | null>) => void; reject: (error: Error) => void }>;
}

/** A worker thread died or failed a call; the stage treats it like any classifier failure. */
export class ClassifierThreadError extends Error {
  override readonly name = 'ClassifierThreadError';
}

/**
 * The young generation of each classifier thread's heap. Featurising a long text allocates briskly and
 * almost all of it dies at once, so V8 grows the young generation to its default maximum (48 MB on
 * 64-bit) and keeps it: about 40 MiB of resident memory per thread that a minute idle never gave
 * back. At 8 MB the long-text load left the proxy at 371 MiB instead of 404 (docs/performance.md).
 */
export const CLASSIFIER_YOUNG_GENERATION_MB = 8;

function startThread(setup: ThreadSetup): Promise<{ thread: Thread; version: string; heads: ClassifierHead[] }> {
  const worker = new Worker(new URL('./classifier-worker.mjs', import.meta.url), { workerData: setup, resourceLimits: { maxYoungGenerationSizeMb: CLASSIFIER_YOUNG_GENERATION_MB } });
  const thread: Thread = { worker, dead: false, pendingWork: 0, calls: new Map() };
  const failAll = (error: Error) => {
    thread.dead = true;
    for (const call of thread.calls.values()) call.reject(error);
    thread.calls.clear();
    thread.pendingWork = 0;
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
      thread.pendingWork -= call.work;
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

/** What a text costs a thread beyond its characters (a message, a run, a reply). */
const TEXT_WORK = 256;
/** A batch of at least this much work (about two 1,500-word texts) is split across the threads. */
export const SPLIT_WORK = 16_384;

/** One text of a batch, with when its caller stops waiting. */
export interface QueuedText {
  readonly text: string;
  readonly deadline: number;
}

const workOfText = (item: QueuedText) => item.text.length + TEXT_WORK;
const workOf = (items: readonly QueuedText[]) => items.reduce((sum, item) => sum + workOfText(item), 0);

/** `items` cut into at most `parts` runs in order, of about equal work (no run empty). */
export function splitByWork<T extends QueuedText>(items: readonly T[], parts: number): T[][] {
  if (parts <= 1 || items.length <= 1) return [items.slice()];
  const share = workOf(items) / Math.min(parts, items.length);
  const runs: T[][] = [[]];
  let done = 0;
  for (const item of items) {
    const current = runs[runs.length - 1]!;
    // Start a new run once the runs so far hold their shares.
    if (current.length > 0 && done >= share * runs.length && runs.length < parts) runs.push([]);
    runs[runs.length - 1]!.push(item);
    done += workOfText(item);
  }
  return runs;
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
  const send = (thread: Thread, items: readonly QueuedText[]): Promise<Array<ClassifierScores | null>> => {
    const id = nextId++;
    const work = workOf(items);
    return new Promise((resolve, reject) => {
      thread.calls.set(id, { work, resolve, reject });
      thread.pendingWork += work;
      const request: ThreadRequest = { type: 'classify', id, texts: items.map((item) => item.text), deadlines: items.map((item) => item.deadline) };
      thread.worker.postMessage(request);
    });
  };
  const dispatch = async (texts: readonly QueuedText[]): Promise<Array<ClassifierScores | null>> => {
    if (texts.length === 0) return [];
    const alive = threads.map((started) => started.thread).filter((thread) => !thread.dead);
    if (alive.length === 0) throw new ClassifierThreadError('no classifier thread is running');
    const idlest = [...alive].sort((a, b) => a.pendingWork - b.pendingWork);
    const parts = splitByWork(texts, workOf(texts) >= SPLIT_WORK ? alive.length : 1);
    const results = await Promise.all(parts.map((part, i) => send(idlest[i]!, part)));
    return results.flat();
  };
  // Calls made in one turn of the event loop (the input and output checks of many requests under
  // load) go as one message: a message each way costs more than short texts do.
  const batcher = new MicroBatcher<QueuedText, ClassifierScores | null>({ run: dispatch, maxBatch: 64, maxWaitMs: 0 });
  return {
    version,
    heads,
    async classify(texts, options = {}) {
      const deadline = options.deadline ?? Number.POSITIVE_INFINITY;
      const results = await batcher.submit(texts.map((text) => ({ text, deadline })));
      // A text skipped past its deadline: the whole call has run out of time (its caller has stopped waiting).
      if (results.some((result) => result === null)) throw new ClassifierDeadlineError();
      return results as ClassifierScores[];
    },
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
