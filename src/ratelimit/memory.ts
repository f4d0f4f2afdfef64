// The in-process rate limiter: token buckets in an LRU (lru-cache). Used alone without Redis and as
// the local fallback beside it. Forgetting an idle bucket only refills it early, in the client's
// favour, so a bounded LRU is safe.

import { LRUCache } from 'lru-cache';
import { bucketState, refilledLevel } from './bucket.ts';
import type { BucketCharge, RateLimitBackend, RateLimitDecision, RateLimiter } from './types.ts';

interface StoredBucket {
  level: number;
  updatedAt: number;
}

export interface MemoryRateLimiterOptions {
  /** Most buckets held; the least recently used go first (they refill early). Default 100,000. */
  maxBuckets?: number;
  /** Injected clock (tests); default Date.now. */
  now?: () => number;
  /** What decisions report; `local` for the fallback beside Redis too. */
  backend?: RateLimitBackend;
  /**
   * The part of each limit this process enforces (at least 1): 1/N for each of N workers sharing
   * one port, which spreads connections round-robin, so together they keep about the whole limit.
   * Default 1.
   */
  limitShare?: number;
}

export function createMemoryRateLimiter(options: MemoryRateLimiterOptions = {}): RateLimiter {
  const buckets = new LRUCache<string, StoredBucket>({ max: options.maxBuckets ?? 100_000 });
  const now = options.now ?? Date.now;
  const backend = options.backend ?? 'local';
  const share = options.limitShare ?? 1;
  const scaled = (charges: readonly BucketCharge[]): readonly BucketCharge[] =>
    share === 1 ? charges : charges.map((charge) => ({ ...charge, limit: Math.max(1, Math.floor(charge.limit * share)) }));
  const levelOf = (key: string, charge: BucketCharge, at: number): number => {
    const stored = buckets.get(key);
    return stored ? refilledLevel(charge.limit, stored.level, stored.updatedAt, at) : charge.limit;
  };
  return {
    async acquire(tenant, requested): Promise<RateLimitDecision> {
      const charges = scaled(requested);
      const at = now();
      const levels = charges.map((charge) => levelOf(`${tenant}\u0000${charge.id}`, charge, at));
      const allowed = charges.every((charge, i) => levels[i]! >= charge.cost);
      const states = charges.map((charge, i) => {
        const level = allowed ? levels[i]! - charge.cost : levels[i]!;
        buckets.set(`${tenant}\u0000${charge.id}`, { level, updatedAt: at });
        return bucketState(charge, level, allowed);
      });
      return { allowed, states, backend };
    },
    async adjust(tenant, requested) {
      const charges = scaled(requested);
      const at = now();
      for (const charge of charges) {
        const key = `${tenant}\u0000${charge.id}`;
        buckets.set(key, { level: Math.min(charge.limit, levelOf(key, charge, at) - charge.cost), updatedAt: at });
      }
    },
    status: () => ({ store: 'memory', backend, reason: null }),
  };
}
