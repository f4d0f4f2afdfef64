// Time budgets for the asynchronous stages (classifier, judge): a race against a timer that is
// always cleared, and what a stage's on_error makes of a failure.

import { ClassifierDeadlineError } from '../classifier/deadline.ts';
import type { OnError } from '../policy/profiles/schema.ts';
import type { DegradedCheck } from './types.ts';

export class StageTimeoutError extends Error {
  constructor(stage: string, ms: number) {
    super(`${stage} did not answer within ${ms} ms`);
    this.name = 'StageTimeoutError';
  }
}

/** Race `work` against a timer that is always cleared; aborts `controller` on timeout. */
export async function withTimeout<T>(work: Promise<T>, options: { ms: number; stage: string; controller?: AbortController }): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  // The losing promise may still reject later; that must not become an unhandled rejection.
  work.catch(() => {});
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          options.controller?.abort();
          reject(new StageTimeoutError(options.stage, options.ms));
        }, options.ms);
      }),
    ]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/** A stage that refused the work because its concurrency limit and queue were full. */
export class StageOverloadedError extends Error {
  constructor(stage: string) {
    super(`${stage} is at its concurrency limit and its queue is full`);
    this.name = 'StageOverloadedError';
  }
}

export function failureReason(error: unknown): 'timeout' | 'error' | 'overloaded' {
  if (error instanceof StageOverloadedError) return 'overloaded';
  // A classifier that skipped a call past its deadline: the budget ran out, as a timer would say.
  return error instanceof StageTimeoutError || error instanceof ClassifierDeadlineError ? 'timeout' : 'error';
}

export function failureOutcome(onError: OnError): DegradedCheck['outcome'] {
  return onError === 'block' ? 'blocked' : onError === 'allow' ? 'passed' : 'fell_back';
}
