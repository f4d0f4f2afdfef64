// Builds the whole proxy as a Hono app from its collaborators. Knows no runtime: the Node entry
// (src/node/main.ts) and, later, the Workers entry only wire these deps and serve it.

import { Hono, type Context } from 'hono';
import { routePath } from 'hono/route';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { checkAuthOffRequest } from './auth/auth-off-gate.ts';
import { HttpError, INTERNAL_ERROR_ENVELOPE } from './errors.ts';
import { resolveRequestId } from './http/request-id.ts';
import { describeCause, type Logger } from './logging/logger.ts';
import type { Guard, GuardedPolicyStore } from './guard/types.ts';
import { createPolicyReloader, type PolicyReloader } from './policy/reload.ts';
import { passThroughGuardrails, type ProxyGuardrails } from './guardrails/seam.ts';
import { noopAuditSink, type AuditSink } from './ops/audit.ts';
import { noopMetrics, secondsSince, type Metrics } from './ops/metrics.ts';
import { createReadiness, type CheckResult, type Readiness } from './ops/readiness.ts';
import { finishServerSpan, runInContext, startServerSpan } from './ops/tracing.ts';
import { cleanClientText } from './logging/safe-logger.ts';
import type { FetchLike } from './proxy/upstream.ts';
import { createUpstreamMetrics } from './proxy/upstream-telemetry.ts';
import { tenantContextMiddleware, type AppEnv } from './routes/context.ts';
import { registerModelListRoutes } from './routes/models.ts';
import { registerModerationRoutes } from './routes/moderations.ts';
import { registerOpsRoutes } from './routes/ops.ts';
import { registerModelRoutes } from './routes/openai.ts';
import { DEFAULT_REQUEST_COUNT_LIMITS, type RequestCountLimits } from './validation/limits.ts';
import { registerResponsesRoutes } from './routes/responses.ts';
import { rateLimitDecisionCounter, rateLimitHeadersMiddleware, registerRateLimitReadiness } from './routes/rate-limit.ts';
import { createMemoryRateLimiter } from './ratelimit/memory.ts';
import type { RateLimiter } from './ratelimit/types.ts';

export interface AppLimits extends RequestCountLimits {
  /** Largest request body accepted; larger gets 413. */
  maxBodyBytes: number;
}

export const DEFAULT_LIMITS: AppLimits = { maxBodyBytes: 4 * 1024 * 1024, ...DEFAULT_REQUEST_COUNT_LIMITS };

export interface AppDeps {
  policies: GuardedPolicyStore;
  /** Used for every upstream call; injected so tests and runtimes choose their own. */
  fetch: FetchLike;
  logger: Logger;
  limits?: Partial<AppLimits>;
  /** The guardrail seam; pass-through when absent. */
  guardrails?: ProxyGuardrails;
  /** Counters and histograms (src/ops/metrics.ts); no-op when absent. */
  metrics?: Metrics;
  /** Readiness checks for /readyz; the app registers `policies`, the runtime adds its own. */
  readiness?: Readiness;
  /** sha256 of ADMIN_API_KEY; without it /metrics and /admin/* are not served on this app. */
  adminKeyHash?: Uint8Array | null;
  /** Token buckets for the tenants' rate_limits; in memory when absent (Redis-shared on Node with REDIS_URL). */
  rateLimiter?: RateLimiter;
  /** Every policy reload goes through it (the runtime's watcher and signals too); one over `policies` when absent. */
  reloader?: PolicyReloader<Guard>;
  /** Where /v1/moderations writes its audit records (the proxy guardrails take theirs at creation). */
  audit?: AuditSink;
  /** Masks detected PII and secrets in client-chosen strings recorded on spans (as in the log); bounded only when absent. */
  maskClientText?: (text: string) => string;
}

/** Something thrown that is not an Error, carried as the cause of one. */
class NonErrorThrown extends Error {
  override readonly name = 'NonErrorThrown';
  constructor(thrown: unknown) {
    super(`a non-Error value was thrown (${thrown === null ? 'null' : typeof thrown})`, { cause: thrown });
  }
}

export function createApp(deps: AppDeps): Hono<AppEnv> {
  const limits: AppLimits = { ...DEFAULT_LIMITS, ...deps.limits };
  const guardrails = deps.guardrails ?? passThroughGuardrails;
  const rateLimiter = deps.rateLimiter ?? createMemoryRateLimiter();
  const { logger } = deps;
  const metrics = deps.metrics ?? noopMetrics;
  const readiness = deps.readiness ?? createReadiness();
  const reloader = deps.reloader ?? createPolicyReloader({ store: deps.policies, logger });
  readiness.register('policies', () => policiesCheck(deps.policies, reloader));
  const requestLabels = ['route', 'method', 'status', 'tenant', 'deployment'] as const;
  const requests = metrics.counter('guardrail_http_requests_total', { help: 'HTTP requests by route, method, status, tenant and deployment', labelNames: requestLabels });
  const requestSeconds = metrics.histogram('guardrail_http_request_duration_seconds', {
    help: 'Time to the response headers (a stream goes on after), by route, method, status, tenant and deployment',
    labelNames: requestLabels,
  });
  // Client-chosen strings on spans: bounded and PII-masked like the same fields in the log.
  const clientText = (text: string) => cleanClientText(text, deps.maskClientText);
  const app = new Hono<AppEnv>();

  app.use('*', async (c, next) => {
    const started = performance.now();
    const requestId = resolveRequestId(c.req.header('x-request-id'));
    c.set('requestId', requestId);
    c.set('tags', []);
    // The request's span (a no-op unless an SDK is registered); the guard and upstream spans below it.
    const span = startServerSpan({ method: c.req.method, path: clientText(c.req.path), headers: c.req.raw.headers });
    try {
      await runInContext(span.context, next);
    } catch (thrown) {
      // Hono hands only Error instances to onError; anything else thrown (a string, undefined, a
      // plain object from a collaborator) would escape it as an empty 500. Wrap it so it cannot.
      if (thrown instanceof Error) throw thrown;
      c.res = handleError(new NonErrorThrown(thrown), c);
    }
    // On the finished response in place, as the rate-limit headers are: `c.header` now would rebuild
    // it, and @hono/node-server would materialise a full web Response and its stream to do so.
    c.res.headers.set('x-request-id', requestId);
    const route = routePath(c, -1);
    const labels = {
      route: route === '*' || route.endsWith('/*') ? 'unmatched' : route,
      method: c.req.method,
      status: String(c.res.status),
      tenant: c.get('tenant')?.name ?? '',
      deployment: c.get('deployment')?.name ?? '',
    };
    requests.inc(labels);
    requestSeconds.observe(labels, secondsSince(started));
    const traced = finishServerSpan(span, c.res, {
      method: c.req.method,
      route: labels.route,
      status: c.res.status,
      attributes: {
        'guardrail.request_id': requestId,
        'guardrail.tenant': labels.tenant,
        'guardrail.deployment': labels.deployment,
        'gen_ai.request.model': clientText(c.get('model') ?? ''),
        'guardrail.stream': c.get('stream') ?? false,
      },
    });
    if (traced !== c.res) c.res = traced;
    // One access line per request: identities and figures only, never keys or message text.
    logger.info(
      {
        requestId,
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        latencyMs: Math.round(performance.now() - started),
        tenant: c.get('tenant')?.name,
        deployment: c.get('deployment')?.name,
        model: c.get('model'),
        stream: c.get('stream'),
        tags: c.get('tags'),
      },
      'request',
    );
  });

  // With authentication off: a loopback Host and JSON bodies only, for every route (421 / 415).
  app.use('*', async (c, next) => {
    if (!deps.policies.current().authEnabled) checkAuthOffRequest(c.req.raw);
    await next();
  });

  registerOpsRoutes(app, { readiness, metrics, adminKeyHash: deps.adminKeyHash ?? null, metricsNeedAdminKey: true, reloader });

  const tenantContext = tenantContextMiddleware({ policies: deps.policies, reloader });
  app.use('/v1/*', tenantContext);
  app.use('/ai-proxy/*', tenantContext);
  app.use('/v1/*', rateLimitHeadersMiddleware());
  app.use('/ai-proxy/*', rateLimitHeadersMiddleware());
  registerRateLimitReadiness(readiness, rateLimiter);
  const rateLimits = { rateLimiter, logger, decisions: rateLimitDecisionCounter(metrics) };
  const upstreamMetrics = createUpstreamMetrics(metrics);
  registerModelRoutes(app, { fetch: deps.fetch, upstreamMetrics, guardrails, maxBodyBytes: limits.maxBodyBytes, counts: limits, ...rateLimits });
  registerResponsesRoutes(app, { fetch: deps.fetch, upstreamMetrics, guardrails, maxBodyBytes: limits.maxBodyBytes, counts: limits, ...rateLimits });
  registerModelListRoutes(app, { fetch: deps.fetch, upstreamMetrics });
  registerModerationRoutes(app, { maxBodyBytes: limits.maxBodyBytes, counts: limits, ...rateLimits, audit: deps.audit ?? noopAuditSink });

  app.notFound((c) => {
    const error = new HttpError(404, `Invalid URL (${c.req.method} ${c.req.path})`);
    return c.json(error.toEnvelope(), 404);
  });

  const handleError = (error: Error, c: Context<AppEnv>): Response => {
    const requestId = c.get('requestId');
    if (error instanceof HttpError) {
      if (error.status >= 500 || error.status === 499) {
        logger.warn({ requestId, status: error.status, code: error.code, ...describeCause(error.cause ?? error) }, error.message);
      }
      return c.json(error.toEnvelope(), error.status as ContentfulStatusCode, error.headers);
    }
    logger.error({ requestId, ...describeCause(error) }, 'unhandled error');
    return c.json(INTERNAL_ERROR_ENVELOPE, 500);
  };
  app.onError(handleError);

  return app;
}

/**
 * The METRICS_PORT listener: /metrics without the admin key, /healthz and /readyz, nothing else.
 * Meant for an internal network (bound to loopback unless METRICS_HOST says otherwise).
 */
export function createOpsApp(deps: { metrics: Metrics; readiness: Readiness }): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  registerOpsRoutes(app, { ...deps, adminKeyHash: null, metricsNeedAdminKey: false });
  app.notFound((c) => c.json(new HttpError(404, `Invalid URL (${c.req.method} ${c.req.path})`).toEnvelope(), 404));
  return app;
}

/** Loaded, or degraded while the last reload failed (the previous policies still serve). */
function policiesCheck(policies: GuardedPolicyStore, reloader: PolicyReloader<Guard>): CheckResult {
  const snapshot = policies.current();
  const failure = reloader.lastFailure();
  if (!failure) return { status: 'ok', reason: `${snapshot.tenants.size} tenant(s) loaded` };
  return {
    status: 'degraded',
    reason: `the last policy reload (${failure.reason}, ${failure.at}) failed: ${failure.message}; the previous policies stay in force`,
    details: { problems: failure.problems },
  };
}
