// The shared rate limiter: every bucket a request charges, refilled and charged in ONE Lua script
// (atomic in Redis, so two replicas can never both take the last request), on Redis's own clock so
// replicas' clocks do not matter. The arithmetic is src/ratelimit/bucket.ts's. Keys carry the
// tenant in a hash tag (`{tenant}`): tenants never share a bucket, and one request's keys sit in
// one Redis Cluster slot.

import type { Redis } from 'ioredis';
import { bucketState } from '../ratelimit/bucket.ts';
import type { BucketCharge, RateLimitDecision, RateLimiter } from '../ratelimit/types.ts';
import { REDIS_KEY_PREFIX, type RedisConnection } from './redis.ts';

/**
 * KEYS: one hash per bucket (fields l = level, t = ms it was at). ARGV[1]: 'acquire' (all or
 * nothing) or 'adjust' (add each cost whatever the level). ARGV[2k], ARGV[2k+1]: limit and cost of
 * KEYS[k]. Returns allowed (1 | 0) followed by each bucket's level after the call, as strings.
 */
const BUCKETS_SCRIPT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local acquire = ARGV[1] == 'acquire'
local levels = {}
local allowed = 1
for i = 1, #KEYS do
  local limit = tonumber(ARGV[2 * i])
  local cost = tonumber(ARGV[2 * i + 1])
  local stored = redis.call('HMGET', KEYS[i], 'l', 't')
  local level = limit
  if stored[1] then
    level = tonumber(stored[1])
    local elapsed = now - tonumber(stored[2])
    if elapsed > 0 then level = level + elapsed * limit / 60000 end
    if level > limit then level = limit end
  end
  levels[i] = level
  if acquire and level < cost then allowed = 0 end
end
local out = { allowed }
for i = 1, #KEYS do
  local limit = tonumber(ARGV[2 * i])
  local cost = tonumber(ARGV[2 * i + 1])
  local level = levels[i]
  if allowed == 1 then level = level - cost end
  if level > limit then level = limit end
  redis.call('HSET', KEYS[i], 'l', string.format('%.6f', level), 't', now)
  redis.call('PEXPIRE', KEYS[i], math.ceil((limit - level) * 60000 / limit) + 1000)
  out[i + 1] = string.format('%.6f', level)
end
return out
`;

type BucketsCommand = (numKeys: number, ...args: Array<string | number>) => Promise<[number, ...string[]]>;

export function bucketKey(tenant: string, charge: BucketCharge): string {
  return `${REDIS_KEY_PREFIX}ratelimit:{${tenant}}:${charge.id}`;
}

export function createRedisRateLimiter(connection: RedisConnection): RateLimiter {
  const redis: Redis = connection.redis;
  redis.defineCommand('guardrailBuckets', { lua: BUCKETS_SCRIPT });
  const run = (mode: 'acquire' | 'adjust', tenant: string, charges: readonly BucketCharge[]) =>
    (redis as unknown as { guardrailBuckets: BucketsCommand }).guardrailBuckets(
      charges.length,
      ...charges.map((charge) => bucketKey(tenant, charge)),
      mode,
      ...charges.flatMap((charge) => [charge.limit, charge.cost]),
    );
  return {
    async acquire(tenant, charges): Promise<RateLimitDecision> {
      const [allowed, ...levels] = await run('acquire', tenant, charges);
      const granted = Number(allowed) === 1;
      return { allowed: granted, states: charges.map((charge, i) => bucketState(charge, Number(levels[i]), granted)), backend: 'shared' };
    },
    async adjust(tenant, charges) {
      await run('adjust', tenant, charges);
    },
    status: () => ({ store: 'redis', backend: connection.unavailable() === null ? 'shared' : 'local', reason: connection.unavailable() }),
  };
}
