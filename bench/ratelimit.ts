// What a rate-limit decision costs, measured: the in-memory limiter and the Redis one (one Lua
// script per request, three buckets: tenant, key, deployment) against a local redis-server, one
// caller at a time and 16 at once; and the shared classifier-score lookup (one MGET) beside it.
// Needs redis-server on PATH (Debian: apt-get install -y redis-server), started as the tests start it. Run: npm run bench:ratelimit

import { pino } from 'pino';
import { connectRedis, createRedisScoreStore } from '../src/node/redis.ts';
import { createRedisRateLimiter } from '../src/node/redis-rate-limiter.ts';
import { createMemoryRateLimiter } from '../src/ratelimit/memory.ts';
import type { BucketCharge, RateLimiter } from '../src/ratelimit/types.ts';
import { noopMetrics } from '../src/ops/metrics.ts';
import { startRedisServer } from '../test/helpers/redis.ts';

const CHARGES: BucketCharge[] = [
  { id: 'tenant:requests', scope: 'tenant', dimension: 'requests', limit: 1e9, cost: 1 },
  { id: 'key:0123:tokens', scope: 'key', dimension: 'tokens', limit: 1e11, cost: 120 },
  { id: 'deployment:main:requests', scope: 'deployment', dimension: 'requests', limit: 1e9, cost: 1 },
];

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function measure(label: string, calls: number, concurrency: number, call: () => Promise<unknown>): Promise<void> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < calls) {
        const t = performance.now();
        await call();
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const us = (ms: number) => `${(ms * 1000).toFixed(0)} µs`;
  console.log(
    `${label.padEnd(46)} c=${String(concurrency).padStart(2)}  ${Math.round(calls / seconds).toLocaleString('en-US').padStart(9)} decisions/s  p50 ${us(percentile(latencies, 50)).padStart(8)}  p99 ${us(percentile(latencies, 99)).padStart(8)}`,
  );
}

async function main(): Promise<void> {
  const redisServer = await startRedisServer();
  const { port } = redisServer;
  const logger = pino({ level: 'warn' });
  const connection = connectRedis({ url: `redis://127.0.0.1:${port}`, logger, connectTimeoutMs: 2000, commandTimeoutMs: 2000 });
  for (let i = 0; i < 100 && connection.unavailable() !== null; i++) await new Promise((resolve) => setTimeout(resolve, 50));
  try {
    const memory: RateLimiter = createMemoryRateLimiter();
    const redis = createRedisRateLimiter(connection);
    const scores = createRedisScoreStore({ connection, logger, metrics: noopMetrics });
    console.log(`node ${process.version}, redis-server on 127.0.0.1:${port}, 3 buckets per decision`);
    await measure('memory limiter acquire', 200_000, 1, () => memory.acquire('acme', CHARGES));
    await measure('redis limiter acquire (warm-up)', 2_000, 1, () => redis.acquire('acme', CHARGES));
    await measure('redis limiter acquire', 20_000, 1, () => redis.acquire('acme', CHARGES));
    await measure('redis limiter acquire', 50_000, 16, () => redis.acquire('acme', CHARGES));
    scores.setMany([{ key: 'acme:bench', value: JSON.stringify({ scores: { harassment: 0.1 } }) }]);
    await measure('shared score lookup (MGET 1 key, hit)', 20_000, 1, () => scores.getMany(['acme:bench']));
  } finally {
    await connection.close();
    await redisServer.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
