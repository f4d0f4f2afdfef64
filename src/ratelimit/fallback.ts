// A shared limiter (Redis) with a local one behind it: while the shared store answers, every replica
// charges the same buckets; when it cannot (down, slow, refusing), this process decides alone with
// the same limits, so a dead Redis never turns into refused or stalled requests. Runtime-free.

import type { RateLimitBackend, RateLimiter, RateLimiterStatus } from './types.ts';

export interface FallbackRateLimiterOptions {
  shared: RateLimiter;
  local: RateLimiter;
  /** null when the shared store can take commands now, else why not (then it is not even asked). */
  unavailable: () => string | null;
  /** Told when decisions move between shared and local, with the reason for going local. */
  onChange?: (backend: RateLimitBackend, reason: string | null) => void;
  /**
   * After a shared call fails (a timeout: Redis connected but not answering), decide locally for
   * this long before asking Redis again, so a hung Redis costs one timeout, not one per request.
   * Default 1000 ms.
   */
  cooldownMs?: number;
  /** Monotonic clock in ms (tests); default performance.now. */
  now?: () => number;
}

export function createFallbackRateLimiter(options: FallbackRateLimiterOptions): RateLimiter {
  const { shared, local } = options;
  let backend: RateLimitBackend = 'shared';
  let reason: string | null = null;
  let coolUntil = -Infinity;
  const now = options.now ?? (() => performance.now());
  const cooldownMs = options.cooldownMs ?? 1000;
  const settle = (next: RateLimitBackend, why: string | null) => {
    const changed = next !== backend;
    backend = next;
    reason = why;
    if (changed) options.onChange?.(next, why);
  };
  return {
    async acquire(tenant, charges) {
      const unavailable = options.unavailable();
      if (unavailable !== null) settle('local', unavailable);
      else if (now() >= coolUntil) {
        try {
          const decision = await shared.acquire(tenant, charges);
          settle('shared', null);
          return decision;
        } catch (error) {
          coolUntil = now() + cooldownMs;
          settle('local', error instanceof Error ? error.message : String(error));
        }
      }
      return local.acquire(tenant, charges);
    },
    async adjust(tenant, charges, decidedBy) {
      // A correction goes where the charge went; a shared one that fails is lost (it only corrects an estimate).
      await (decidedBy === 'shared' ? shared : local).adjust(tenant, charges, decidedBy);
    },
    status(): RateLimiterStatus {
      const unavailable = options.unavailable();
      if (unavailable !== null) return { store: 'redis', backend: 'local', reason: unavailable };
      // After a failed call: local, with its reason, until a shared call succeeds again.
      return { store: 'redis', backend, reason };
    },
    async close() {
      await shared.close?.();
    },
  };
}
