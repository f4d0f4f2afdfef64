// Synchronous work on big inputs (2,048 texts of one request, the scan of a 4 MB body) runs in
// slices of a few milliseconds, each followed by a turn of the event loop, so that other requests'
// I/O is not held up behind it. Runtime-free: setImmediate where the runtime has one (Node: after
// pending I/O), else a 0 ms timer.

/** The longest a slice runs before it yields, in milliseconds. */
export const SLICE_MS = 4;

/** Resolves on the next turn of the event loop. */
export function nextTurn(): Promise<void> {
  const immediate = (globalThis as { setImmediate?: (callback: () => void) => unknown }).setImmediate;
  return new Promise((resolve) => (immediate ? immediate(resolve) : setTimeout(resolve, 0)));
}

export interface Slicer {
  /** Yields to the event loop once the current slice has run SLICE_MS; otherwise returns at once. */
  yieldIfDue(): Promise<void>;
}

export function createSlicer(now: () => number = () => performance.now()): Slicer {
  let started = now();
  return {
    async yieldIfDue() {
      if (now() - started < SLICE_MS) return;
      await nextTurn();
      started = now();
    },
  };
}
