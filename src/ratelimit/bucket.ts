// Token-bucket arithmetic shared by the limiters (the Redis Lua script does the same sums): a bucket
// holds up to `limit` and refills continuously at `limit` per minute.

import type { BucketCharge, BucketState } from './types.ts';

const MS_PER_MINUTE = 60_000;

/** A bucket's level after refilling from `level` at `updatedAt` until `now`, capped at `limit`. */
export function refilledLevel(limit: number, level: number, updatedAt: number, now: number): number {
  const elapsed = Math.max(0, now - updatedAt);
  return Math.min(limit, level + (elapsed * limit) / MS_PER_MINUTE);
}

/**
 * A bucket at `level` with its reset time (OpenAI's x-ratelimit-reset-*: until it is full again) and,
 * when `cost` was refused, how long until it fits (Retry-After; Infinity when it never can).
 */
export function bucketState(charge: BucketCharge, level: number, charged: boolean): BucketState {
  const msPerUnit = MS_PER_MINUTE / charge.limit;
  const resetMs = Math.max(0, Math.ceil((charge.limit - level) * msPerUnit));
  let retryAfterMs = 0;
  if (!charged) retryAfterMs = charge.cost > charge.limit ? Infinity : Math.max(0, Math.ceil((charge.cost - level) * msPerUnit));
  return { ...charge, level, resetMs, retryAfterMs };
}
