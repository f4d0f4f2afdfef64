// Redis for more than one replica (REDIS_URL), through ioredis: one connection with short connect and
// command timeouts and no offline queue, so a dead or slow Redis fails a command at once (and the
// caller falls back) instead of stalling requests; it keeps reconnecting in the background. Also the
// shared classifier-score store behind the LRU: keys are hashes, values scores, never a text.

import { Redis } from 'ioredis';
import type { SharedScoreStore } from '../guard/cache.ts';
import type { Logger } from '../logging/logger.ts';
import type { Metrics } from '../ops/metrics.ts';

/** Every key we write starts with this, so one Redis can serve other things too. */
export const REDIS_KEY_PREFIX = 'guardrail:';

export interface RedisConnectionOptions {
  url: string;
  logger: Logger;
  /** Longest wait for a TCP connection and the ready check. Default 500 ms. */
  connectTimeoutMs?: number;
  /** Longest wait for any one command's answer; then it fails and the caller falls back. Default 250 ms. */
  commandTimeoutMs?: number;
}

export interface RedisConnection {
  readonly redis: Redis;
  /** null while commands can be sent, else why not (e.g. `reconnecting: connect ECONNREFUSED 127.0.0.1:6390`). */
  unavailable(): string | null;
  /** Resolves once connected, or after the connect timeout regardless: starting never waits on Redis for long. */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/** host:port of a Redis URL, for logs: never its password. */
export function redisAddress(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || '6379'}`;
  } catch {
    return '(unparseable REDIS_URL)';
  }
}

export function connectRedis(options: RedisConnectionOptions): RedisConnection {
  const connectTimeout = options.connectTimeoutMs ?? 500;
  const address = redisAddress(options.url);
  const redis = new Redis(options.url, {
    connectTimeout,
    commandTimeout: options.commandTimeoutMs ?? 250,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    // Keep trying, at most every 2 s: the proxy serves on local limits meanwhile.
    retryStrategy: (attempt) => Math.min(100 * attempt, 2000),
  });
  let lastError: string | null = null;
  let announcedDown = false;
  redis.on('error', (error: Error) => {
    lastError = error.message;
    if (!announcedDown) options.logger.warn({ redis: address, error: error.message }, 'Redis unavailable: rate limits are local and the classifier cache is this process only until it is back');
    announcedDown = true;
  });
  redis.on('ready', () => {
    lastError = null;
    if (announcedDown) options.logger.info({ redis: address }, 'Redis is back: rate limits and the classifier cache are shared again');
    announcedDown = false;
  });
  return {
    redis,
    unavailable: () => (redis.status === 'ready' ? null : lastError ? `${redis.status}: ${lastError}` : redis.status),
    ready: () =>
      new Promise<void>((resolve) => {
        if (redis.status === 'ready') return resolve();
        const timer = setTimeout(done, connectTimeout + 100);
        function done() {
          clearTimeout(timer);
          redis.off('ready', done);
          resolve();
        }
        redis.once('ready', done);
      }),
    async close() {
      redis.disconnect(false);
    },
  };
}

export interface RedisScoreStoreOptions {
  connection: RedisConnection;
  logger: Logger;
  metrics: Metrics;
  /** How long an entry lives. Default one day. */
  ttlSeconds?: number;
}

/** The classifier cache's shared store: MGET for the LRU's misses, SET … EX for fresh scores. */
export function createRedisScoreStore(options: RedisScoreStoreOptions): SharedScoreStore {
  const { connection } = options;
  const ttl = options.ttlSeconds ?? 86_400;
  const lookups = options.metrics.counter('guardrail_shared_cache_lookups_total', {
    help: 'Classifier scores asked of the shared (Redis) cache after an LRU miss: hit, miss, or unavailable (Redis down or failing)',
    labelNames: ['result'],
  });
  const redisKey = (key: string) => `${REDIS_KEY_PREFIX}scores:${key}`;
  return {
    async getMany(keys) {
      if (keys.length === 0) return [];
      if (connection.unavailable() !== null) {
        lookups.inc({ result: 'unavailable' }, keys.length);
        return keys.map(() => null);
      }
      try {
        const values = await connection.redis.mget(keys.map(redisKey));
        const hits = values.filter((value) => value !== null).length;
        if (hits > 0) lookups.inc({ result: 'hit' }, hits);
        if (hits < keys.length) lookups.inc({ result: 'miss' }, keys.length - hits);
        return values;
      } catch {
        lookups.inc({ result: 'unavailable' }, keys.length);
        return keys.map(() => null);
      }
    },
    setMany(entries) {
      if (entries.length === 0 || connection.unavailable() !== null) return;
      const pipeline = connection.redis.pipeline();
      for (const entry of entries) pipeline.set(redisKey(entry.key), entry.value, 'EX', ttl);
      pipeline.exec().catch((error: unknown) => {
        options.logger.debug({ error: error instanceof Error ? error.message : String(error) }, 'shared classifier cache write failed');
      });
    },
  };
}
