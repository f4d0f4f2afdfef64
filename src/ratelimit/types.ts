// The rate limiter contract: token buckets (a per-minute limit refilling continuously) charged all
// or nothing. Runtime-free; the app's in-memory limiter (memory.ts) and the Redis one
// (src/node/redis-rate-limiter.ts) implement it, and fallback.ts composes them.

export type RateLimitDimension = 'requests' | 'tokens';
/** Which configured limit a bucket enforces: the tenant's total, one proxy key's, one deployment's. */
export type RateLimitScope = 'tenant' | 'key' | 'deployment';

/** One bucket and what this request charges it. */
export interface BucketCharge {
  /** Unique within the tenant, e.g. `key:<digest>:tokens`; the limiter namespaces it by tenant. */
  readonly id: string;
  readonly scope: RateLimitScope;
  readonly dimension: RateLimitDimension;
  /** Capacity, refilled at `limit` per minute. */
  readonly limit: number;
  /** What this call takes (negative: gives back). */
  readonly cost: number;
}

/** A bucket after the call. */
export interface BucketState extends BucketCharge {
  /** What is left now; negative after a correction charged more than was left (a debt). */
  readonly level: number;
  /** Milliseconds until the bucket is full again. */
  readonly resetMs: number;
  /** Milliseconds until `cost` would fit; 0 when it did. Infinity when `cost` exceeds `limit`. */
  readonly retryAfterMs: number;
}

/** Where a decision was made: Redis shared by every replica, or this process alone. */
export type RateLimitBackend = 'shared' | 'local';

export interface RateLimitDecision {
  /** True when every bucket had room; then every bucket was charged, else none was. */
  readonly allowed: boolean;
  readonly states: readonly BucketState[];
  readonly backend: RateLimitBackend;
}

export interface RateLimiter {
  /** Charges every bucket when all have room for their cost, none otherwise. */
  acquire(tenant: string, charges: readonly BucketCharge[]): Promise<RateLimitDecision>;
  /**
   * Corrects earlier charges (estimate → actual usage): adds `cost` to each bucket whatever its
   * level, so it may go into debt. `backend` is where the acquire was decided.
   */
  adjust(tenant: string, charges: readonly BucketCharge[], backend: RateLimitBackend): Promise<void>;
  /** For /readyz and logs. */
  status(): RateLimiterStatus;
  close?(): Promise<void>;
}

export interface RateLimiterStatus {
  /** `memory`: this process only, by configuration. `redis`: shared, falling back to local when Redis fails. */
  readonly store: 'memory' | 'redis';
  /** What decides now. */
  readonly backend: RateLimitBackend;
  /** Why it is local although Redis is configured; null otherwise. */
  readonly reason: string | null;
}
