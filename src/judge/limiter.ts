// A concurrency limit with a bounded FIFO queue: at most `concurrency` tasks run, at most `maxQueue`
// wait; beyond that `run` refuses at once with StageOverloadedError (the stage's on_error decides).
// A waiting task whose signal aborts leaves the queue.

import { StageOverloadedError } from '../guard/timeout.ts';

export interface Limiter {
  run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T>;
  readonly active: number;
  readonly queued: number;
}

export function createLimiter(options: { concurrency: number; maxQueue: number }): Limiter {
  let active = 0;
  const waiting: Array<{ start: () => void; cancel: (reason: unknown) => void }> = [];

  const next = () => {
    while (active < options.concurrency && waiting.length > 0) waiting.shift()!.start();
  };

  return {
    get active() {
      return active;
    },
    get queued() {
      return waiting.length;
    },
    run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
      if (signal?.aborted) return Promise.reject(signal.reason);
      const execute = async (): Promise<T> => {
        active++;
        try {
          return await task();
        } finally {
          active--;
          next();
        }
      };
      if (active < options.concurrency) return execute();
      if (waiting.length >= options.maxQueue) return Promise.reject(new StageOverloadedError('judge'));
      return new Promise<T>((resolve, reject) => {
        const onAbort = () => {
          const index = waiting.indexOf(entry);
          if (index >= 0) waiting.splice(index, 1);
          reject(signal?.reason);
        };
        const entry = {
          start: () => {
            signal?.removeEventListener('abort', onAbort);
            execute().then(resolve, reject);
          },
          cancel: reject,
        };
        waiting.push(entry);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
  };
}
