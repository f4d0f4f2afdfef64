// Builds the whole proxy as a Hono app from its collaborators. Knows no runtime: the Node entry
// (src/node/main.ts) and, later, the Workers entry only wire these deps and serve it.

import { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { HttpError, INTERNAL_ERROR_ENVELOPE } from './errors.ts';
import { resolveRequestId } from './http/request-id.ts';
import { describeCause, type Logger } from './logging/logger.ts';
import type { GuardedPolicyStore } from './guard/types.ts';
import { passThroughGuardrails, type ProxyGuardrails } from './guardrails/seam.ts';
import type { FetchLike } from './proxy/upstream.ts';
import { tenantContextMiddleware, type AppEnv } from './routes/context.ts';
import { registerModelListRoutes } from './routes/models.ts';
import { registerModerationRoutes } from './routes/moderations.ts';
import { registerModelRoutes } from './routes/openai.ts';

export interface AppLimits {
  /** Largest request body accepted; larger gets 413. */
  maxBodyBytes: number;
}

export const DEFAULT_LIMITS: AppLimits = { maxBodyBytes: 4 * 1024 * 1024 };

export interface AppDeps {
  policies: GuardedPolicyStore;
  /** Used for every upstream call; injected so tests and runtimes choose their own. */
  fetch: FetchLike;
  logger: Logger;
  limits?: Partial<AppLimits>;
  /** The guardrail seam; pass-through when absent. */
  guardrails?: ProxyGuardrails;
}

export function createApp(deps: AppDeps): Hono<AppEnv> {
  const limits: AppLimits = { ...DEFAULT_LIMITS, ...deps.limits };
  const guardrails = deps.guardrails ?? passThroughGuardrails;
  const { logger } = deps;
  const app = new Hono<AppEnv>();

  app.use('*', async (c, next) => {
    const started = performance.now();
    const requestId = resolveRequestId(c.req.header('x-request-id'));
    c.set('requestId', requestId);
    c.set('tags', []);
    await next();
    c.header('x-request-id', requestId);
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

  app.get('/healthz', (c) => c.json({ status: 'ok', policy_version: deps.policies.current().version }));

  const tenantContext = tenantContextMiddleware({ policies: deps.policies, logger });
  app.use('/v1/*', tenantContext);
  app.use('/ai-proxy/*', tenantContext);
  registerModelRoutes(app, { fetch: deps.fetch, guardrails, maxBodyBytes: limits.maxBodyBytes });
  registerModelListRoutes(app, { fetch: deps.fetch });
  registerModerationRoutes(app, { maxBodyBytes: limits.maxBodyBytes, logger });

  app.notFound((c) => {
    const error = new HttpError(404, `Invalid URL (${c.req.method} ${c.req.path})`);
    return c.json(error.toEnvelope(), 404);
  });

  app.onError((error, c) => {
    const requestId = c.get('requestId');
    if (error instanceof HttpError) {
      if (error.status >= 500 || error.status === 499) {
        logger.warn({ requestId, status: error.status, code: error.code, ...describeCause(error.cause ?? error) }, error.message);
      }
      return c.json(error.toEnvelope(), error.status as ContentfulStatusCode, error.headers);
    }
    logger.error({ requestId, ...describeCause(error) }, 'unhandled error');
    return c.json(INTERNAL_ERROR_ENVELOPE, 500);
  });

  return app;
}
