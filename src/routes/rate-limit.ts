// HTTP glue for rate limits: a route admits its request once it knows its token estimate (429 when
// a bucket is empty), settles the token charge with the upstream's `usage` afterwards, and the
// middleware puts the x-ratelimit-* headers on whatever response the request ends with.

import type { MiddlewareHandler } from 'hono';
import { readPresentedKey } from '../auth/proxy-keys.ts';
import { sha256Hex } from '../digest.ts';
import type { JsonObject } from '../http/json.ts';
import { describeCause, type Logger } from '../logging/logger.ts';
import type { Counter, Metrics } from '../ops/metrics.ts';
import type { Readiness } from '../ops/readiness.ts';
import { createSseSplitter, eventData } from '../guardrails/sse.ts';
import { bucketState } from '../ratelimit/bucket.ts';
import { planCharges, usageTokens } from '../ratelimit/plan.ts';
import { rateLimitError, rateLimitHeaders } from '../ratelimit/response.ts';
import type { BucketCharge, RateLimitDecision, RateLimiter } from '../ratelimit/types.ts';
import type { AppContext, AppEnv } from './context.ts';

export interface RateLimitDeps {
  rateLimiter: RateLimiter;
  logger: Logger;
  /** guardrail_ratelimit_decisions_total, from rateLimitDecisionCounter. */
  decisions?: Counter;
}

/** Decisions by result (allowed | limited), the refusing bucket's scope and dimension, where decided, and tenant. */
export function rateLimitDecisionCounter(metrics: Metrics): Counter {
  return metrics.counter('guardrail_ratelimit_decisions_total', {
    help: 'Rate-limit decisions by result, refusing scope and dimension (none when allowed), backend (shared | local) and tenant',
    labelNames: ['result', 'scope', 'dimension', 'backend', 'tenant'],
  });
}

/**
 * /readyz `rate_limits`, when a shared store is configured: ok while Redis decides, degraded while
 * it is unreachable (limits are then local; nothing is refused for it). In memory there is nothing to report.
 */
export function registerRateLimitReadiness(readiness: Readiness, limiter: RateLimiter): void {
  if (limiter.status().store === 'memory') return;
  readiness.register('rate_limits', () => {
    const status = limiter.status();
    if (status.backend === 'shared') return { status: 'ok', reason: 'shared through Redis' };
    return { status: 'degraded', reason: `Redis unavailable (${status.reason ?? 'unknown'}): limits are enforced per replica until it is back` };
  });
}

/** What an admitted request does once the upstream answered (or did not). */
export interface RateLimitGate {
  /** Corrects the token charge to what the upstream reported (null: keep the estimate). */
  settle(actualTokens: number | null): void;
  /** The request failed before the upstream used anything: the token charge is given back. */
  refund(): void;
  /** Settles from the `usage` of the last SSE event that carries one, when the stream ends. */
  observeStream(response: Response): Response;
}

const NO_LIMITS: RateLimitGate = { settle() {}, refund() {}, observeStream: (response) => response };

/** Puts the headers of the request's decision on its response, whichever way it ended. */
export function rateLimitHeadersMiddleware(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    const decision = c.get('rateLimit') as RateLimitDecision | undefined;
    if (!decision) return;
    for (const [name, value] of Object.entries(rateLimitHeaders(decision))) c.res.headers.set(name, value);
  };
}

/**
 * Charges the request's buckets (tenant, key, deployment; requests and `tokens`), or throws the 429.
 * With no limit configured for the caller nothing is charged and no header is sent.
 */
export async function admitRequest(c: AppContext, deps: RateLimitDeps, tokens: number): Promise<RateLimitGate> {
  const tenant = c.get('tenant');
  const presented = tenant.apiKeyHashes.length > 0 ? readPresentedKey(c.req.raw.headers) : null;
  const charges = planCharges({ tenant, deployment: c.get('deployment'), keyDigest: presented === null ? null : sha256Hex(presented), tokens });
  if (charges.length === 0) return NO_LIMITS;
  const decision = await deps.rateLimiter.acquire(tenant.name, charges);
  c.set('rateLimit', decision);
  const refusing = decision.allowed ? undefined : decision.states.find((state) => state.retryAfterMs > 0);
  deps.decisions?.inc({
    result: decision.allowed ? 'allowed' : 'limited',
    scope: refusing?.scope ?? 'none',
    dimension: refusing?.dimension ?? 'none',
    backend: decision.backend,
    tenant: tenant.name,
  });
  if (!decision.allowed) throw rateLimitError(decision);

  const tokenCharges = charges.filter((charge) => charge.dimension === 'tokens');
  let settled = tokenCharges.length === 0;
  const correct = (delta: number) => {
    if (settled) return;
    settled = true;
    if (delta === 0) return;
    const corrections: BucketCharge[] = tokenCharges.map((charge) => ({ ...charge, cost: delta }));
    // The headers sent show the corrected level without asking the store again.
    c.set('rateLimit', { ...decision, states: decision.states.map((state) => (state.dimension === 'tokens' ? bucketState(state, Math.min(state.limit, state.level - delta), true) : state)) });
    deps.rateLimiter.adjust(tenant.name, corrections, decision.backend).catch((cause: unknown) => {
      deps.logger.warn({ requestId: c.get('requestId'), ...describeCause(cause) }, 'rate-limit token correction failed');
    });
  };
  return {
    settle: (actual) => correct(actual === null ? 0 : actual - tokens),
    refund: () => correct(-tokens),
    observeStream(response) {
      if (settled || !response.body) return response;
      const splitter = createSseSplitter();
      let reported: number | null = null;
      const read = (events: string[]) => {
        for (const event of events) {
          const data = eventData(event);
          if (data === null || !data.includes('"usage"')) continue;
          try {
            reported = usageTokens(JSON.parse(data) as JsonObject) ?? reported;
          } catch {
            // Not JSON: the stream guard or the client deals with it; the estimate stands.
          }
        }
      };
      const observed = response.body.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, controller) {
            controller.enqueue(chunk);
            read(splitter.push(chunk));
          },
          flush() {
            read(splitter.flush());
            correct(reported === null ? 0 : reported - tokens);
          },
        }),
      );
      return new Response(observed, { status: response.status, statusText: response.statusText, headers: response.headers });
    },
  };
}
