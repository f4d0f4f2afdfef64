// Node entry for `npm start`: reads the environment, loads the policies, serves the app, and shuts
// down gracefully on SIGTERM/SIGINT. Exits non-zero with a clear message on a bad configuration.

import { pino } from 'pino';
import { PolicyLoadError } from '../policy/errors.ts';
import { availableParallelism } from 'node:os';
import { DEFAULT_REQUEST_COUNT_LIMITS } from '../validation/limits.ts';
import { DEFAULT_CLASSIFIER_MODEL, defaultMaxClassifierThreads, loadClassifier } from './classifier.ts';
import { isClusterPrimary, runClusterPrimary } from './cluster.ts';
import { createAuditSink } from './audit-sink.ts';
import { DEFAULT_IDLE_RELEASE_MS } from './idle-memory.ts';
import { DEFAULT_CONNECTION_LIMITS, InsecureListenError, startProxyServer } from './server.ts';
import { startTracing } from './tracing.ts';

const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;

function readInteger(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigurationError(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  }
  return value;
}

/** WORKERS: how many proxy processes share the port; `auto` is one per core. Default 1. */
function readWorkers(): number {
  const raw = process.env['WORKERS']?.trim();
  if (raw === 'auto') return availableParallelism();
  return readInteger('WORKERS', 1, 1, 256);
}

class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}

class ClassifierLoadError extends Error {
  override readonly name = 'ClassifierLoadError';
}

async function main(): Promise<void> {
  const logger = pino({ level: process.env['LOG_LEVEL'] ?? 'info', base: { service: 'guardrail-proxy', pid: process.pid } });
  const host = process.env['HOST'] ?? '127.0.0.1';
  const port = readInteger('PORT', 8080, 0, 65_535);
  const policyDir = process.env['POLICY_DIR'] ?? './policies';
  const maxBodyBytes = readInteger('MAX_BODY_BYTES', DEFAULT_MAX_BODY_BYTES, 1024, 1024 * 1024 * 1024);
  const limits = {
    maxBodyBytes,
    maxMessages: readInteger('MAX_MESSAGES', DEFAULT_REQUEST_COUNT_LIMITS.maxMessages, 1, 1_000_000),
    maxContentParts: readInteger('MAX_CONTENT_PARTS', DEFAULT_REQUEST_COUNT_LIMITS.maxContentParts, 1, 1_000_000),
    maxModerationInputs: readInteger('MAX_MODERATION_INPUTS', DEFAULT_REQUEST_COUNT_LIMITS.maxModerationInputs, 1, 1_000_000),
  };
  const connections = {
    headersTimeoutMs: readInteger('HEADERS_TIMEOUT_MS', DEFAULT_CONNECTION_LIMITS.headersTimeoutMs, 100, 600_000),
    requestTimeoutMs: readInteger('REQUEST_TIMEOUT_MS', DEFAULT_CONNECTION_LIMITS.requestTimeoutMs, 100, 3_600_000),
    keepAliveTimeoutMs: readInteger('KEEP_ALIVE_TIMEOUT_MS', DEFAULT_CONNECTION_LIMITS.keepAliveTimeoutMs, 100, 600_000),
    maxConnections: readInteger('MAX_CONNECTIONS', DEFAULT_CONNECTION_LIMITS.maxConnections, 1, 1_000_000),
  };
  const workers = readWorkers();
  if (workers > 1 && isClusterPrimary()) process.exit(await runClusterPrimary({ workers, logger }));

  const classifierModel = process.env['CLASSIFIER_MODEL'] || DEFAULT_CLASSIFIER_MODEL;
  // Worker threads scoring off the event loop (0: on the event loop, as before).
  const classifierThreads = readInteger('CLASSIFIER_THREADS', 1, 0, 64);
  // More threads start while texts wait behind busy ones (long texts), up to this, and stop after
  // CLASSIFIER_IDLE_MS without work: by default the cores this process has to itself.
  const maxClassifierThreads = readInteger('CLASSIFIER_MAX_THREADS', defaultMaxClassifierThreads(classifierThreads, workers), classifierThreads, 64);
  const classifierIdleMs = readInteger('CLASSIFIER_IDLE_MS', 30_000, 100, 3_600_000);
  // Quiet time after which the heap a burst grew is given back, in this process and in each
  // classifier thread (0: never).
  const idleMemoryReleaseMs = readInteger('IDLE_MEMORY_RELEASE_MS', DEFAULT_IDLE_RELEASE_MS, 0, 3_600_000);
  const classifier = () =>
    loadClassifier(classifierModel, { threads: classifierThreads, maxThreads: maxClassifierThreads, idleMs: classifierIdleMs, idleReleaseMs: idleMemoryReleaseMs }).catch((cause: unknown) => {
      throw new ClassifierLoadError(`cannot load the moderation classifier (CLASSIFIER_MODEL=${classifierModel}): ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    });
  const adminApiKey = process.env['ADMIN_API_KEY']?.trim() || null;
  const metricsPort = process.env['METRICS_PORT'] ? readInteger('METRICS_PORT', 0, 0, 65_535) : null;
  const metricsHost = process.env['METRICS_HOST'] ?? '127.0.0.1';
  const audit = createAuditSink(process.env['AUDIT_LOG']?.trim() || 'stdout');
  const redisUrl = process.env['REDIS_URL']?.trim() || null;
  const redis = redisUrl
    ? { url: redisUrl, connectTimeoutMs: readInteger('REDIS_CONNECT_TIMEOUT_MS', 500, 10, 60_000), commandTimeoutMs: readInteger('REDIS_COMMAND_TIMEOUT_MS', 250, 5, 60_000) }
    : null;
  // Workers share the port round-robin: each enforces its part of every limit on its own.
  const localRateLimitShare = 1 / workers;
  const watchPolicies = (process.env['POLICY_WATCH'] ?? 'true').trim().toLowerCase() !== 'false';
  const refreshIntervalMs = readInteger('POLICY_REFRESH_INTERVAL_MS', 5_000, 0, 3_600_000);
  const drainMs = readInteger('SHUTDOWN_DRAIN_MS', 10_000, 0, 600_000);
  // OpenTelemetry only with OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT set; flushed on shutdown.
  const tracing = startTracing(process.env);
  const proxy = await startProxyServer({
    policyDir,
    env: process.env,
    host,
    port,
    logger,
    limits,
    connections,
    idleMemoryReleaseMs,
    classifier,
    adminApiKey,
    metricsPort,
    metricsHost,
    audit,
    redis,
    localRateLimitShare,
    watchPolicies,
    refreshIntervalMs,
  });
  const snapshot = proxy.policies.current();
  logger.info(
    { url: proxy.url, metricsUrl: proxy.metricsUrl, traces: tracing ? new URL(tracing.endpoint).host : 'off', audit: audit.target, watchPolicies, rateLimits: proxy.rateLimits, policyDir, policyVersion: snapshot.version, tenants: [...snapshot.tenants.keys()], auth: snapshot.authEnabled, classifier: proxy.classifier.version },
    'guardrail proxy listening',
  );
  if (!snapshot.authEnabled) logger.warn({}, 'no proxy keys configured: authentication is off (loopback only)');

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal, drainMs }, 'shutting down: no new connections, draining in-flight requests');
    const flushed = () => (tracing ? tracing.shutdown().catch(() => {}) : Promise.resolve());
    proxy.close({ drainMs }).then(
      async () => {
        audit.flush();
        await flushed();
        process.exit(0);
      },
      async () => {
        audit.flush();
        await flushed();
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  // SIGHUP reloads every policy file; a broken one keeps the previous policies (logged, /readyz).
  process.on('SIGHUP', () => void proxy.reload('signal'));
}

main().catch((error: unknown) => {
  if (error instanceof PolicyLoadError || error instanceof InsecureListenError || error instanceof ConfigurationError || error instanceof ClassifierLoadError) {
    process.stderr.write(`guardrail-proxy: ${error.message}\n`);
  } else {
    process.stderr.write(`guardrail-proxy: failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  }
  process.exit(1);
});
