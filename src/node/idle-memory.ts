// Memory given back when a process (or a classifier thread) has been idle for a while. V8 keeps
// the heap it grew to under load, and left alone it shrinks only when something allocates enough
// to start another collection: a proxy that goes quiet after a burst keeps that heap for as long as
// it stays quiet. Once nothing has been in flight for `idleMs` after some work, one memory-reducing
// collection runs (V8's low-memory notification, reached through the in-process inspector's
// `HeapProfiler.collectGarbage`, which needs no `--expose-gc`), and not again until more work came.
// Measured in docs/performance.md; it costs one pause of about 100 ms after a quiet spell.

import { Session } from 'node:inspector/promises';

/** Quiet time before memory is given back, unless configured (IDLE_MEMORY_RELEASE_MS). */
export const DEFAULT_IDLE_RELEASE_MS = 10_000;

export interface IdleMemoryRelease {
  /** A request (or a job) started. */
  begin(): void;
  /** It ended, however it ended. */
  end(): void;
  /** Stops the idle check. */
  close(): void;
  /** Releases so far. */
  readonly releases: number;
}

export interface IdleMemoryOptions {
  /** Quiet time before the release; 0 turns it off. */
  idleMs: number;
  /** What a release does (default: releaseHeapMemory). */
  release?: () => Promise<void>;
  /** Told how long each release took. */
  onRelease?: (ms: number) => void;
  /** Told when a release failed (it is not tried again until more work came). */
  onError?: (error: unknown) => void;
}

/**
 * A full collection that also gives memory back: V8's LowMemoryNotification, through an inspector
 * session connected to this thread (main thread or worker) and closed at once.
 */
export async function releaseHeapMemory(): Promise<void> {
  const session = new Session();
  session.connect();
  try {
    await session.post('HeapProfiler.collectGarbage');
  } finally {
    // (Disconnected from inside the callback API's reply, the session would keep the loop alive.)
    session.disconnect();
  }
}

const OFF: IdleMemoryRelease = { begin() {}, end() {}, close() {}, releases: 0 };

/**
 * Counts work in flight; a timer (unref'd: it never keeps the process alive) checks every
 * idleMs / 4 and releases once nothing has run for idleMs since the last piece of work. The
 * per-request cost is a counter and a clock read.
 */
export function createIdleMemoryRelease(options: IdleMemoryOptions): IdleMemoryRelease {
  const { idleMs } = options;
  if (!(idleMs > 0)) return OFF;
  const release = options.release ?? releaseHeapMemory;
  let inFlight = 0;
  let lastActivity = performance.now();
  let workSinceRelease = false;
  let releasing = false;
  let releases = 0;
  const timer = setInterval(() => {
    if (!workSinceRelease || releasing || inFlight > 0 || performance.now() - lastActivity < idleMs) return;
    workSinceRelease = false;
    releasing = true;
    const started = performance.now();
    release().then(
      () => {
        releases++;
        options.onRelease?.(performance.now() - started);
      },
      (error: unknown) => options.onError?.(error),
    ).finally(() => {
      releasing = false;
    });
  }, Math.max(10, idleMs / 4));
  timer.unref();
  return {
    begin() {
      inFlight++;
      workSinceRelease = true;
      lastActivity = performance.now();
    },
    end() {
      inFlight = Math.max(0, inFlight - 1);
      lastActivity = performance.now();
    },
    close() {
      clearInterval(timer);
    },
    get releases() {
      return releases;
    },
  };
}
