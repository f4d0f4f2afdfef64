// The classifier off the event loop: a pool of worker threads, each with its own ONNX session
// (classifier-worker.ts), behind the same Classifier contract. onnxruntime-node runs inference
// synchronously on the calling thread, and featurisation is synchronous JavaScript, so in the main
// thread one 2,048-input or 50,000-character call froze every other request for seconds. Calls
// made in one turn of the event loop are micro-batched; a batch long enough to be worth it is split
// into parts. Parts wait here in one queue and go to whichever thread has room (one long message,
// or two short ones), so a thread that frees first takes the next text. The pool is elastic: while work
// waits behind busy threads one more starts, up to `maxThreads`, and those above `threads` stop
// after a while idle, giving their model and heap back.

import { Worker } from 'node:worker_threads';
import type { ClassifierHead } from '../categories.ts';
import { ModelLoadError } from '../classifier/errors.ts';
import { MicroBatcher } from '../classifier/micro-batcher.ts';
import { ClassifierDeadlineError, deadlineClock } from '../classifier/deadline.ts';
import type { Classifier, ClassifierScores } from '../classifier/types.ts';
import { DEFAULT_IDLE_RELEASE_MS } from './idle-memory.ts';

export interface ThreadSetup {
  modelPath: string;
  intraOpThreads: number;
  /** The thread gives its heap back after this long without work (src/node/idle-memory.ts); 0: never. */
  idleReleaseMs: number;
}
/** `deadlines[i]`: when text i's caller stops waiting (deadline.ts clock; Infinity: never). */
export type ThreadRequest = { type: 'classify'; id: number; texts: readonly string[]; deadlines: readonly number[] } | { type: 'close' };
export type ThreadReply =
  | { type: 'ready'; version: string; heads: ClassifierHead[] }
  /** `path` set for a ModelLoadError (then `message` is its detail). */
  | { type: 'load-failed'; path: string | null; message: string }
  /** null for a text skipped because its deadline had passed before its turn. */
  | { type: 'result'; id: number; results: Array<ClassifierScores | null> }
  | { type: 'error'; id: number; message: string }
  /** The thread gave its heap back after a quiet spell (idle-memory.ts). */
  | { type: 'released' };

export interface ThreadedClassifierOptions {
  modelPath: string;
  /** Worker threads started at load and always kept, each with its own session (memory: one model each). Default 1. */
  threads?: number;
  /**
   * The most threads: while texts wait behind busy threads, one more starts (about 0.6 s to load),
   * and those above `threads` stop again after `idleMs` without work. Default `threads`.
   */
  maxThreads?: number;
  /** How long a thread above `threads` may sit idle before it stops. Default 30 s. */
  idleMs?: number;
  /** onnxruntime intra-op threads per session. Default 1. */
  intraOpThreads?: number;
  /** A thread without work for this long gives its heap back (idle-memory.ts); 0: never. Default DEFAULT_IDLE_RELEASE_MS. */
  idleReleaseMs?: number;
}

/** What the pool is doing now (read by the tests and benches). */
export interface ThreadPoolStats {
  /** Threads loaded and taking work. */
  readonly threads: number;
  /** Whether one more is loading. */
  readonly starting: boolean;
  /** Texts waiting in this thread for a classifier thread to take them. */
  readonly queuedTexts: number;
  /** Times a thread gave its heap back after a quiet spell. */
  readonly memoryReleases: number;
}

export interface ThreadedClassifier extends Classifier {
  stats(): ThreadPoolStats;
}

interface Thread {
  worker: Worker;
  /** Exited, crashed or retired: takes no more work. */
  dead: boolean;
  /** Characters (plus a per-text allowance) sent and not yet answered: what the thread has still to do. */
  pendingWork: number;
  /** Messages sent and not yet answered, by id. */
  calls: Map<number, { work: number; resolve: (results: Array<ClassifierScores | null>) => void; reject: (error: Error) => void }>;
  /** When it last ran out of work (deadline.ts clock). */
  idleSince: number;
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

function startThread(setup: ThreadSetup, onReleased: () => void): Promise<{ thread: Thread; version: string; heads: ClassifierHead[] }> {
  const worker = new Worker(new URL('./classifier-worker.mjs', import.meta.url), { workerData: setup, resourceLimits: { maxYoungGenerationSizeMb: CLASSIFIER_YOUNG_GENERATION_MB } });
  const thread: Thread = { worker, dead: false, pendingWork: 0, calls: new Map(), idleSince: deadlineClock() };
  const failAll = (error: Error) => {
    thread.dead = true;
    for (const call of thread.calls.values()) call.reject(error);
    thread.calls.clear();
    thread.pendingWork = 0;
  };
  return new Promise((resolve, reject) => {
    worker.on('message', (message: ThreadReply) => {
      if (message.type === 'ready') return resolve({ thread, version: message.version, heads: message.heads });
      if (message.type === 'released') return onReleased();
      if (message.type === 'load-failed') {
        void worker.terminate();
        return reject(message.path === null ? new Error(message.message) : new ModelLoadError(message.path, message.message));
      }
      const call = thread.calls.get(message.id);
      if (!call) return;
      thread.calls.delete(message.id);
      thread.pendingWork -= call.work;
      if (thread.calls.size === 0) thread.idleSince = deadlineClock();
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

/**
 * A thread holds at most two messages, the second only while what it holds is short (this much
 * work): short calls pipeline, so the thread never idles between them, while long ones wait here
 * for whichever thread frees first, or for a thread that starts meanwhile.
 */
const THREAD_DEPTH = 2;
const PIPELINE_WORK = 4_096;
/** Queued jobs merged into one message up to this much work (one message each way costs more than short texts do). */
const MESSAGE_WORK = SPLIT_WORK;
/** Work waiting here, with every thread full, that starts one more thread (about one 1,500-word text). */
const GROW_WORK = 8_192;

/** Texts of one dispatch (a part of a split batch), waiting for a thread. */
interface Job {
  readonly items: readonly QueuedText[];
  readonly work: number;
  readonly resolve: (results: Array<ClassifierScores | null>) => void;
  readonly reject: (error: Error) => void;
}

export async function loadThreadedClassifier(options: ThreadedClassifierOptions): Promise<ThreadedClassifier> {
  const setup: ThreadSetup = { modelPath: options.modelPath, intraOpThreads: options.intraOpThreads ?? 1, idleReleaseMs: options.idleReleaseMs ?? DEFAULT_IDLE_RELEASE_MS };
  const minThreads = Math.max(1, options.threads ?? 1);
  const maxThreads = Math.max(minThreads, options.maxThreads ?? minThreads);
  const idleMs = options.idleMs ?? 30_000;
  let memoryReleases = 0;
  const onReleased = () => {
    memoryReleases++;
  };
  const started = await Promise.allSettled(Array.from({ length: minThreads }, () => startThread(setup, onReleased)));
  const failed = started.find((result) => result.status === 'rejected');
  if (failed) {
    for (const result of started) if (result.status === 'fulfilled') void result.value.thread.worker.terminate();
    throw failed.reason;
  }
  const loaded = started.map((result) => (result as PromiseFulfilledResult<Awaited<ReturnType<typeof startThread>>>).value);
  const { version, heads } = loaded[0]!;
  let threads = loaded.map((entry) => entry.thread);
  const queue: Job[] = [];
  let queuedWork = 0;
  let starting = false;
  /** A thread failed to load: the pool stays at the threads it has (the next try would fail alike). */
  let growBlocked = false;
  let closed = false;
  let retireTimer: ReturnType<typeof setInterval> | undefined;
  let nextId = 0;

  const alive = () => threads.filter((thread) => !thread.dead);
  const failQueue = (error: Error) => {
    for (const job of queue.splice(0)) job.reject(error);
    queuedWork = 0;
  };

  /** Sends `jobs` as one message; each job gets its own results back. */
  const send = (thread: Thread, jobs: readonly Job[]) => {
    const id = nextId++;
    const items = jobs.flatMap((job) => job.items);
    const work = jobs.reduce((sum, job) => sum + job.work, 0);
    thread.calls.set(id, {
      work,
      resolve: (results) => {
        let offset = 0;
        for (const job of jobs) {
          job.resolve(results.slice(offset, offset + job.items.length));
          offset += job.items.length;
        }
        pump();
      },
      reject: (error) => {
        for (const job of jobs) job.reject(error);
        pump();
      },
    });
    thread.pendingWork += work;
    const request: ThreadRequest = { type: 'classify', id, texts: items.map((item) => item.text), deadlines: items.map((item) => item.deadline) };
    thread.worker.postMessage(request);
  };

  /** Hands queued jobs to threads with room, least loaded first; starts one more thread while work still waits. */
  const pump = () => {
    while (queue.length > 0) {
      // A job whose every caller has stopped waiting is answered here, never sent.
      const now = deadlineClock();
      if (queue[0]!.items.every((item) => item.deadline <= now)) {
        const job = queue.shift()!;
        queuedWork -= job.work;
        job.resolve(job.items.map(() => null));
        continue;
      }
      const next = queue[0]!;
      const free = alive().filter((thread) => thread.calls.size === 0 || (thread.calls.size < THREAD_DEPTH && thread.pendingWork + next.work <= PIPELINE_WORK));
      if (free.length === 0) break;
      const thread = free.reduce((best, candidate) => (candidate.pendingWork < best.pendingWork ? candidate : best));
      const jobs = [queue.shift()!];
      let work = jobs[0]!.work;
      while (queue.length > 0 && work + queue[0]!.work <= MESSAGE_WORK) {
        work += queue[0]!.work;
        jobs.push(queue.shift()!);
      }
      queuedWork -= work;
      send(thread, jobs);
    }
    if (queue.length === 0) queuedWork = 0;
    const running = alive().length;
    if (!closed && !starting && !growBlocked && (running < minThreads || (queuedWork >= GROW_WORK && running < maxThreads))) grow();
    if (running === 0 && !starting && queue.length > 0) failQueue(new ClassifierThreadError('no classifier thread is running'));
  };

  const grow = () => {
    starting = true;
    startThread(setup, onReleased).then(
      ({ thread }) => {
        starting = false;
        if (closed) return void thread.worker.postMessage({ type: 'close' } satisfies ThreadRequest);
        watchDeath(thread);
        threads = [...alive(), thread];
        if (threads.length > minThreads) retireTimer ??= setInterval(retireIdle, Math.max(10, idleMs / 4)).unref();
        pump();
      },
      () => {
        // A thread that cannot load now will not load on the next try either: stay at the threads running.
        starting = false;
        growBlocked = true;
        pump();
      },
    );
  };

  /** Threads above the minimum stop once idle for idleMs (their model and heap given back). */
  const retireIdle = () => {
    const now = deadlineClock();
    let running = alive();
    for (const thread of running.slice(minThreads)) {
      if (thread.calls.size > 0 || now - thread.idleSince < idleMs) continue;
      thread.dead = true;
      thread.worker.postMessage({ type: 'close' } satisfies ThreadRequest);
    }
    running = alive();
    threads = running;
    if (running.length <= minThreads && retireTimer !== undefined) {
      clearInterval(retireTimer);
      retireTimer = undefined;
    }
  };

  /** A thread that died is dropped; below the minimum, pump starts a replacement. */
  const watchDeath = (thread: Thread) => {
    thread.worker.once('exit', () => {
      thread.dead = true;
      threads = alive();
      if (!closed) pump();
    });
  };
  for (const thread of threads) watchDeath(thread);

  const dispatch = (texts: readonly QueuedText[]): Promise<Array<ClassifierScores | null>> => {
    if (texts.length === 0) return Promise.resolve([]);
    if (closed || (alive().length === 0 && !starting)) return Promise.reject(new ClassifierThreadError('no classifier thread is running'));
    // A long batch goes in parts, one per thread the pool may have, for whichever thread frees first.
    const parts = splitByWork(texts, workOf(texts) >= SPLIT_WORK ? maxThreads : 1);
    return Promise.all(
      parts.map((items) => new Promise<Array<ClassifierScores | null>>((resolve, reject) => {
        const job: Job = { items, work: workOf(items), resolve, reject };
        queue.push(job);
        queuedWork += job.work;
      })),
    ).then((results) => results.flat());
  };
  // Calls made in one turn of the event loop (the input and output checks of many requests under
  // load) go as one batch: a message each way costs more than short texts do.
  const batcher = new MicroBatcher<QueuedText, ClassifierScores | null>({
    run: (texts) => {
      const results = dispatch(texts);
      pump();
      return results;
    },
    maxBatch: 64,
    maxWaitMs: 0,
  });
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
    stats: () => ({ threads: alive().length, starting, queuedTexts: queue.reduce((sum, job) => sum + job.items.length, 0), memoryReleases }),
    async close() {
      closed = true;
      if (retireTimer !== undefined) clearInterval(retireTimer);
      failQueue(new ClassifierThreadError('no classifier thread is running'));
      await Promise.all(
        alive().map((thread) => new Promise<void>((resolve) => {
          thread.dead = true;
          thread.worker.once('exit', () => resolve());
          thread.worker.postMessage({ type: 'close' } satisfies ThreadRequest);
        })),
      );
    },
  };
}
