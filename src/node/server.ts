// Node wiring shared by `npm start`, `npm run demo` and the end-to-end tests: policies from disk,
// guards built at each policy load over the classifier and RE2, the app (both through
// assemble.ts, as on Workers), served by @hono/node-server. main.ts adds env parsing and signals.

import { serve, type ServerType } from '@hono/node-server';
import type { IncomingMessage, ServerOptions, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createOpsApp, type AppLimits } from '../app.ts';
import { assembleProxy } from '../assemble.ts';
import type { Classifier } from '../classifier/types.ts';
import type { Guard, GuardedPolicyStore } from '../guard/types.ts';
import { createNodeFetch } from './http-fetch.ts';
import { createIdleMemoryRelease, DEFAULT_IDLE_RELEASE_MS } from './idle-memory.ts';
import { createRe2Engine } from './re2-engine.ts';
import { describeCause, type Logger } from '../logging/logger.ts';
import type { EnvMap } from '../policy/interpolate.ts';
import { loadPolicySnapshot } from '../policy/load.ts';
import type { ProxyGuardrails } from '../guardrails/seam.ts';
import type { FetchLike } from '../proxy/upstream.ts';
import { fileSystemPolicySource } from './policy-files.ts';
import { sha256, useSha256Implementation } from '../digest.ts';
import { nodeSha256Implementation } from './digest.ts';
import type { AuditSink } from '../ops/audit.ts';
import type { Metrics } from '../ops/metrics.ts';
import { createReadiness, type Readiness } from '../ops/readiness.ts';
import { createPromMetrics } from './prom-metrics.ts';
import { createFallbackRateLimiter } from '../ratelimit/fallback.ts';
import { createMemoryRateLimiter } from '../ratelimit/memory.ts';
import type { RateLimiter } from '../ratelimit/types.ts';
import { connectRedis, createRedisScoreStore, redisAddress, type RedisConnection } from './redis.ts';
import { createRedisRateLimiter } from './redis-rate-limiter.ts';
import { watchPolicyDirs } from './policy-watch.ts';
import type { ReloadOutcome } from '../policy/reload.ts';
import type { JudgeFactory } from '../judge/factory.ts';

export interface ProxyServerOptions {
  policyDir: string;
  /** Where the shipped profiles are read from instead of `<policyDir>/profiles`. */
  shippedProfilesDir?: string;
  /**
   * The classifier every guard scores with, or a loader for it. A loader runs only after the
   * policies and host checked out, so a bad configuration is reported before a slow model load.
   * The server closes a classifier it loaded itself.
   */
  classifier: Classifier | (() => Promise<Classifier>);
  /** Environment for `${VAR}` references in policy files. */
  env: EnvMap;
  host: string;
  /** 0 picks a free port. */
  port: number;
  logger: Logger;
  limits?: Partial<AppLimits>;
  /** Slow-client timeouts and the connection cap; defaults in DEFAULT_CONNECTION_LIMITS. */
  connections?: Partial<ConnectionLimits>;
  /**
   * After this long with no request in flight, the heap the last burst grew is given back (one
   * memory-reducing collection, src/node/idle-memory.ts); 0: never. Default DEFAULT_IDLE_RELEASE_MS.
   */
  idleMemoryReleaseMs?: number;
  /** Replaces the guard cascade (tests of the seam itself). */
  guardrails?: ProxyGuardrails;
  fetch?: FetchLike;
  /** Default: a fresh prom-client registry with Node's process metrics. */
  metrics?: Metrics;
  /** ADMIN_API_KEY: unlocks GET /metrics and /admin/* on the main listener; null: neither is served there. */
  adminApiKey?: string | null;
  /** METRICS_PORT: a second listener with /metrics (no key), /healthz and /readyz; null: none. */
  metricsPort?: number | null;
  /** METRICS_HOST, default 127.0.0.1. */
  metricsHost?: string;
  /** Where decisions are audited (main.ts: AUDIT_LOG); nowhere when absent. */
  audit?: AuditSink;
  /** REDIS_URL and its timeouts: rate limits and the classifier cache shared by every replica; null: in memory. */
  redis?: { url: string; connectTimeoutMs?: number; commandTimeoutMs?: number } | null;
  /** Part of each rate limit this process enforces on its own (1/WORKERS); default 1. */
  localRateLimitShare?: number;
  /** Reload when a file under the policy directories changes (debounced); default false (main.ts: POLICY_WATCH, on). */
  watchPolicies?: boolean;
  /** Debounce of the watch; default 300 ms. */
  watchDebounceMs?: number;
  /** Least time between two refresh-header reloads of one tenant; default 5 s. */
  refreshIntervalMs?: number;
}

export interface RunningProxy {
  /** e.g. `http://127.0.0.1:8080` */
  url: string;
  port: number;
  policies: GuardedPolicyStore;
  classifier: Classifier;
  metrics: Metrics;
  readiness: Readiness;
  /** The METRICS_PORT listener's origin, when one was asked for. */
  metricsUrl: string | null;
  /** Where rate limits are decided at start: `memory`, `redis (shared)` or `redis (local: <why>)`. */
  rateLimits: string;
  /** The LLM judges the policies' profiles built, with their counters. */
  judges: JudgeFactory;
  /** A whole reload (SIGHUP, tests); never throws, the outcome says what happened. */
  reload(reason: 'signal' | 'watch' | 'admin'): Promise<ReloadOutcome<Guard>>;
  /**
   * Stops accepting connections, lets in-flight requests and streams finish for up to `drainMs`
   * (default 0: end them at once), then closes what is left. /readyz fails from the start.
   */
  close(options?: { drainMs?: number }): Promise<void>;
}

/** How long a client may take to send its request, and how many connections one process holds. */
export interface ConnectionLimits {
  /** Time to receive the request line and headers; then 408 and the socket closed. */
  headersTimeoutMs: number;
  /** Time to receive the whole request, body included (a body that never ends); then 408. */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this long. */
  keepAliveTimeoutMs: number;
  /** Open connections beyond this are refused (the socket closed at once). */
  maxConnections: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  headersTimeoutMs: 15_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 1024,
};

/** Raised instead of listening on a reachable address with authentication off. */
export class InsecureListenError extends Error {
  override readonly name = 'InsecureListenError';
}

/**
 * Loads policies (throws PolicyLoadError on a bad file) and starts listening. Refuses a
 * non-loopback host when no proxy key is configured, since anyone could then use the upstream keys.
 */
export async function startProxyServer(options: ProxyServerOptions): Promise<RunningProxy> {
  useSha256Implementation(nodeSha256Implementation);
  const source = fileSystemPolicySource(options.policyDir, { shippedProfilesDir: options.shippedProfilesDir });
  // Pre-flight without guards: a broken file or an unsafe host is reported before the model loads.
  const preflight = await loadPolicySnapshot(await source.read(), options.env);
  if (!preflight.authEnabled && !isLoopbackHost(options.host)) {
    throw new InsecureListenError(
      `Refusing to listen on ${options.host}: no proxy keys are configured, so authentication is off. ` +
        'Set PROXY_API_KEYS (or api_keys in the tenant policy files), or listen on 127.0.0.1.',
    );
  }
  const connections = { ...DEFAULT_CONNECTION_LIMITS, ...options.connections };
  const ownsClassifier = typeof options.classifier === 'function';
  const classifier = typeof options.classifier === 'function' ? await options.classifier() : options.classifier;
  const metrics = options.metrics ?? createPromMetrics();
  const readiness = createReadiness();
  readiness.register('classifier', () => ({ status: 'ok', reason: `model ${classifier.version} loaded` }));
  const redis = options.redis ? connectRedis({ ...options.redis, logger: options.logger }) : null;
  // Never waits past the connect timeout: a Redis down at start-up means local limits, not no proxy.
  await redis?.ready();
  const rateLimiter = buildRateLimiter(redis, options);
  // Upstream calls (and the judge's) over node:http unless a test injects its own fetch.
  const nodeFetch = options.fetch ? null : createNodeFetch();
  let assembled;
  try {
    assembled = await assembleProxy({
      source,
      env: options.env,
      classifier,
      regexEngine: createRe2Engine(),
      fetch: options.fetch ?? nodeFetch!,
      logger: options.logger,
      limits: options.limits,
      guardrails: options.guardrails,
      metrics,
      readiness,
      adminKeyHash: options.adminApiKey ? sha256(options.adminApiKey) : null,
      audit: options.audit,
      rateLimiter,
      sharedScores: redis ? createRedisScoreStore({ connection: redis, logger: options.logger, metrics }) : undefined,
      refreshIntervalMs: options.refreshIntervalMs,
    });
  } catch (error) {
    nodeFetch?.close();
    await redis?.close();
    if (ownsClassifier) await classifier.close?.();
    throw error;
  }
  const { app, policies, reloader, judges } = assembled;
  const watcher = options.watchPolicies
    ? watchPolicyDirs([options.policyDir, ...(options.shippedProfilesDir ? [options.shippedProfilesDir] : [])], () => void reloader.reloadAll('watch'), {
        debounceMs: options.watchDebounceMs,
        onError: (error) => options.logger.warn({ error: error.message }, 'policy watch failed; reload with SIGHUP or POST /admin/reload'),
      })
    : null;
  const { server, address } = await listen(app.fetch, options.host, options.port, connections);
  const idleMemory = createIdleMemoryRelease({
    idleMs: options.idleMemoryReleaseMs ?? DEFAULT_IDLE_RELEASE_MS,
    onRelease: (ms) => options.logger.debug({ ms: Math.round(ms) }, 'idle: heap memory given back'),
    onError: (error) => options.logger.warn(describeCause(error), 'idle memory release failed'),
  });
  server.on('request', (_request: IncomingMessage, response: ServerResponse) => {
    idleMemory.begin();
    response.once('close', idleMemory.end);
  });
  const ops = options.metricsPort === undefined || options.metricsPort === null ? null : await listen(createOpsApp({ metrics, readiness }).fetch, options.metricsHost ?? '127.0.0.1', options.metricsPort, connections);
  return {
    url: originOf(address),
    port: address.port,
    policies,
    classifier,
    metrics,
    readiness,
    metricsUrl: ops ? originOf(ops.address) : null,
    rateLimits: describeRateLimiter(rateLimiter),
    judges,
    reload: (reason) => reloader.reloadAll(reason),
    async close({ drainMs = 0 } = {}) {
      watcher?.close();
      idleMemory.close();
      readiness.register('shutdown', () => ({ status: 'failing', reason: 'shutting down: draining in-flight requests' }));
      await Promise.all([closeServer(server, drainMs), ops ? closeServer(ops.server, drainMs) : null]);
      nodeFetch?.close();
      await redis?.close();
      if (ownsClassifier) await classifier.close?.();
    },
  };
}

function describeRateLimiter(limiter: RateLimiter): string {
  const status = limiter.status();
  if (status.store === 'memory') return 'memory';
  return status.backend === 'shared' ? 'redis (shared)' : `redis (local: ${status.reason ?? 'unknown'})`;
}

/** In memory alone, or Redis with this process's own buckets behind it for when Redis fails. */
function buildRateLimiter(redis: RedisConnection | null, options: ProxyServerOptions): RateLimiter {
  const local = createMemoryRateLimiter({ limitShare: options.localRateLimitShare });
  if (!redis || !options.redis) return local;
  const address = redisAddress(options.redis.url);
  return createFallbackRateLimiter({
    shared: createRedisRateLimiter(redis),
    local,
    unavailable: redis.unavailable,
    onChange: (backend, reason) =>
      backend === 'local'
        ? options.logger.warn({ redis: address, reason }, 'rate limits fell back to this process (Redis unavailable)')
        : options.logger.info({ redis: address }, 'rate limits are shared through Redis again'),
  });
}

function listen(fetchHandler: (request: Request) => Response | Promise<Response>, hostname: string, port: number, connections: ConnectionLimits): Promise<{ server: ServerType; address: AddressInfo }> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: fetchHandler, hostname, port, serverOptions: nodeServerOptions(connections) }, (address) => {
      // net.Server closes a socket accepted beyond this (http2 servers, which we do not start, lack it).
      (server as { maxConnections?: number }).maxConnections = connections.maxConnections;
      resolve({ server, address });
    });
    server.once('error', reject);
  });
}

function originOf(address: AddressInfo): string {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

/**
 * node:http's own slow-client defences (Node's defaults: 60 s for headers, 300 s for the whole
 * request, checked every 30 s), tightened; the check runs every second so a stalled body is cut
 * close to its deadline rather than up to 30 s late.
 */
function nodeServerOptions(limits: ConnectionLimits): ServerOptions {
  return {
    headersTimeout: Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs),
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs, limits.requestTimeoutMs),
  };
}

/**
 * server.close() stops accepting; idle keep-alive sockets are closed as they go idle, so a
 * finished request frees its connection; after `drainMs` whatever is still open (a stream that
 * outlived the drain) is ended.
 */
function closeServer(server: ServerType, drainMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const http = server as ServerType & { closeIdleConnections?: () => void; closeAllConnections?: () => void };
    let idleSweep: ReturnType<typeof setInterval> | null = null;
    let deadline: ReturnType<typeof setTimeout> | null = null;
    server.close((error) => {
      if (idleSweep) clearInterval(idleSweep);
      if (deadline) clearTimeout(deadline);
      if (error) reject(error);
      else resolve();
    });
    if (drainMs <= 0) {
      http.closeAllConnections?.();
      return;
    }
    http.closeIdleConnections?.();
    idleSweep = setInterval(() => http.closeIdleConnections?.(), 50);
    deadline = setTimeout(() => http.closeAllConnections?.(), drainMs);
  });
}

/** Loopback hosts: the only ones we listen on when no proxy key is configured. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127(\.\d{1,3}){3}$/.test(bare);
}
