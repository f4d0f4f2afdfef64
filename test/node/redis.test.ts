// The Redis pieces against a real redis-server: buckets shared by two connections (two replicas),
// atomic all-or-nothing charges, tenants in their own keys, the classifier-score store keeping no
// text, and the fallback to local limits when Redis stops, back to shared when it returns.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { classifyThroughCache, createClassifierCache } from '../../src/guard/cache.ts';
import { noopMetrics } from '../../src/ops/metrics.ts';
import { connectRedis, createRedisScoreStore, type RedisConnection } from '../../src/node/redis.ts';
import { createRedisRateLimiter } from '../../src/node/redis-rate-limiter.ts';
import { createFallbackRateLimiter } from '../../src/ratelimit/fallback.ts';
import { createMemoryRateLimiter } from '../../src/ratelimit/memory.ts';
import type { BucketCharge } from '../../src/ratelimit/types.ts';
import { createRecordingLogger } from '../helpers/app.ts';
import { startRedisServer, type RedisServer } from '../helpers/redis.ts';

const requests = (limit: number, id = 'key:a:requests'): BucketCharge => ({ id, scope: 'key', dimension: 'requests', limit, cost: 1 });
const tokens = (limit: number, cost: number, id = 'key:a:tokens'): BucketCharge => ({ id, scope: 'key', dimension: 'tokens', limit, cost });

let server: RedisServer;
const connections: RedisConnection[] = [];
let inspector: Redis;

async function connection(): Promise<RedisConnection> {
  const made = connectRedis({ url: server.url, logger: createRecordingLogger(), commandTimeoutMs: 2000 });
  connections.push(made);
  await made.ready();
  return made;
}

beforeAll(async () => {
  server = await startRedisServer();
  inspector = new Redis(server.url);
});

afterAll(async () => {
  for (const made of connections) await made.close();
  inspector?.disconnect();
  await server?.stop();
});

describe('Redis rate limiter', () => {
  it('shares buckets between replicas and charges all of them or none', async () => {
    const a = createRedisRateLimiter(await connection());
    const b = createRedisRateLimiter(await connection());
    const charges = [requests(3, 'shared:requests'), tokens(100, 40, 'shared:tokens')];
    expect((await a.acquire('acme', charges)).allowed).toBe(true);
    expect((await b.acquire('acme', charges)).allowed).toBe(true);
    // 20 tokens left: the request bucket still has 1, but nothing is taken from it.
    const refused = await a.acquire('acme', charges);
    expect(refused).toMatchObject({ allowed: false, backend: 'shared' });
    expect(refused.states[0]!.level).toBeCloseTo(1, 1);
    expect(refused.states[1]!.level).toBeCloseTo(20, 0);
    expect(refused.states[1]!.retryAfterMs).toBeGreaterThan(0);
    const fits = await b.acquire('acme', [requests(3, 'shared:requests'), tokens(100, 20, 'shared:tokens')]);
    expect(fits.allowed).toBe(true);
    expect((await a.acquire('acme', [requests(3, 'shared:requests')])).allowed).toBe(false);
  });

  it('never lets concurrent replicas take more than the limit', async () => {
    const limiters = [createRedisRateLimiter(await connection()), createRedisRateLimiter(await connection())];
    const decisions = await Promise.all(Array.from({ length: 40 }, (_, i) => limiters[i % 2]!.acquire('acme', [requests(10, 'race:requests')])));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(10);
  });

  it('keeps tenants apart in keys of their own (hash-tagged by tenant), and corrections reach the bucket', async () => {
    const limiter = createRedisRateLimiter(await connection());
    expect((await limiter.acquire('acme', [requests(1, 'iso:requests')])).allowed).toBe(true);
    expect((await limiter.acquire('acme', [requests(1, 'iso:requests')])).allowed).toBe(false);
    expect((await limiter.acquire('globex', [requests(1, 'iso:requests')])).allowed).toBe(true);
    expect(await inspector.keys('guardrail:ratelimit:*iso*')).toEqual(expect.arrayContaining(['guardrail:ratelimit:{acme}:iso:requests', 'guardrail:ratelimit:{globex}:iso:requests']));

    await limiter.acquire('acme', [tokens(1000, 500, 'fix:tokens')]);
    await limiter.adjust('acme', [tokens(1000, -450, 'fix:tokens')], 'shared');
    expect(Number(await inspector.hget('guardrail:ratelimit:{acme}:fix:tokens', 'l'))).toBeGreaterThanOrEqual(950);
    expect(await inspector.pttl('guardrail:ratelimit:{acme}:fix:tokens')).toBeGreaterThan(0);
  });
});

describe('shared classifier-score store', () => {
  it('serves a score computed by one replica to another, keyed by hash, with no text in Redis', async () => {
    const text = 'a distinctive sentence about shared caches 4711';
    const classify = async (texts: readonly string[]) => texts.map(() => ({ scores: { harassment: 0.25 } }));
    const replica = async () => createClassifierCache({ shared: createRedisScoreStore({ connection: await connection(), logger: createRecordingLogger(), metrics: noopMetrics }) });
    const first = await classifyThroughCache({ classifierVersion: 'v1', cache: await replica(), scope: 'acme', texts: [text], classify });
    expect(first[0]!.fromCache).toBe(false);
    // Written without waiting: give the pipeline a moment.
    await new Promise((resolve) => setTimeout(resolve, 100));
    let called = 0;
    const second = await classifyThroughCache({
      classifierVersion: 'v1',
      cache: await replica(),
      scope: 'acme',
      texts: [text],
      classify: async (texts) => {
        called++;
        return classify(texts);
      },
    });
    expect(second[0]).toMatchObject({ fromCache: true, result: { scores: { harassment: 0.25 } } });
    expect(called).toBe(0);
    // Another tenant does not see it.
    const other = await classifyThroughCache({ classifierVersion: 'v1', cache: await replica(), scope: 'globex', texts: [text], classify });
    expect(other[0]!.fromCache).toBe(false);

    const keys = await inspector.keys('guardrail:scores:*');
    expect(keys.some((key) => /^guardrail:scores:acme:[0-9a-f]{64}$/.test(key))).toBe(true);
    for (const key of keys) {
      expect(key).not.toContain('distinctive');
      expect(await inspector.get(key)).not.toContain('distinctive');
    }
  });
});

describe('fallback when Redis stops', () => {
  it('decides locally at once while Redis is down, says why, and shares again once it is back', async () => {
    const made = connectRedis({ url: server.url, logger: createRecordingLogger(), connectTimeoutMs: 200, commandTimeoutMs: 200 });
    connections.push(made);
    await made.ready();
    const changes: string[] = [];
    const limiter = createFallbackRateLimiter({
      shared: createRedisRateLimiter(made),
      local: createMemoryRateLimiter(),
      unavailable: made.unavailable,
      onChange: (backend) => changes.push(backend),
    });
    expect((await limiter.acquire('acme', [requests(100, 'fb:requests')])).backend).toBe('shared');
    expect(limiter.status()).toEqual({ store: 'redis', backend: 'shared', reason: null });

    await server.stop();
    const during = await limiter.acquire('acme', [requests(100, 'fb:requests')]);
    expect(during).toMatchObject({ allowed: true, backend: 'local' });
    expect(limiter.status()).toMatchObject({ store: 'redis', backend: 'local' });
    expect(limiter.status().reason).toBeTruthy();

    await server.start();
    for (let i = 0; i < 100 && made.unavailable() !== null; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await limiter.acquire('acme', [requests(100, 'fb:requests')])).backend).toBe('shared');
    expect(changes).toEqual(['local', 'shared']);
  });
});
