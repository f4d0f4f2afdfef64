// OpenAI-compatible model-call routes: POST /v1/chat/completions, /v1/completions, /v1/embeddings,
// and Enkrypt's drop-in alias POST /ai-proxy/chat/completions (seed 004), where `model` may be
// omitted when the deployment forces or defaults one.

import type { Hono } from 'hono';
import type { z } from 'zod';
import { HttpError } from '../errors.ts';
import { readJsonObjectBody, type BodyCountCheck } from '../http/json-body.ts';
import type { JsonObject } from '../http/json.ts';
import { forwardModelCall, type ForwardDeps } from '../proxy/forward.ts';
import type { GuardedEndpoint } from '../guardrails/seam.ts';
import { resolveRequestModel } from '../proxy/models.ts';
import { chatCompletionRequestSchema } from '../validation/chat.ts';
import { completionRequestSchema } from '../validation/completions.ts';
import { embeddingRequestSchema } from '../validation/embeddings.ts';
import { assertValid } from '../validation/issues.ts';
import { chatCounts, type RequestCountLimits } from '../validation/limits.ts';
import { estimateRequestTokens, usageTokens } from '../ratelimit/plan.ts';
import type { AppContext, AppEnv } from './context.ts';
import { admitRequest, type RateLimitDeps } from './rate-limit.ts';

export interface ModelRouteDeps extends ForwardDeps, RateLimitDeps {
  maxBodyBytes: number;
  counts: RequestCountLimits;
}

export interface ModelRoute {
  endpoint: GuardedEndpoint;
  upstreamPath: string;
  schema: z.ZodType;
  /** Fill a missing `model` from the deployment before validating (Enkrypt requests omit it). */
  modelOptional: boolean;
  flavor: 'openai' | 'enkrypt';
  /** Per-request count limits, checked on the body's text before it is parsed (so a huge body fails fast). */
  counts?: (limits: RequestCountLimits) => BodyCountCheck;
}

const routes: Record<string, ModelRoute> = {
  '/v1/chat/completions': { endpoint: 'chat.completions', upstreamPath: '/chat/completions', schema: chatCompletionRequestSchema, modelOptional: false, flavor: 'openai', counts: chatCounts },
  '/v1/completions': { endpoint: 'completions', upstreamPath: '/completions', schema: completionRequestSchema, modelOptional: false, flavor: 'openai' },
  '/v1/embeddings': { endpoint: 'embeddings', upstreamPath: '/embeddings', schema: embeddingRequestSchema, modelOptional: false, flavor: 'openai' },
  '/ai-proxy/chat/completions': { endpoint: 'chat.completions', upstreamPath: '/chat/completions', schema: chatCompletionRequestSchema, modelOptional: true, flavor: 'enkrypt', counts: chatCounts },
};

export function registerModelRoutes(app: Hono<AppEnv>, deps: ModelRouteDeps): void {
  for (const [path, route] of Object.entries(routes)) {
    app.post(path, (c) => handleModelCall(c, deps, route));
  }
}

/**
 * Enkrypt's `enkrypt_context` (seed 004: context for relevancy and hallucination checks) is ours to
 * read, never the model's: taken off the body before validation so a strict upstream never sees it.
 */
export function takeEnkryptContext(received: JsonObject): { body: JsonObject; context: string | null } {
  if (!('enkrypt_context' in received)) return { body: received, context: null };
  const { enkrypt_context: context, ...body } = received;
  if (context !== null && typeof context !== 'string') {
    throw new HttpError(400, "Invalid 'enkrypt_context': expected string.", { param: 'enkrypt_context' });
  }
  return { body, context: context ?? null };
}

/** Validate, admit (rate limits), forward with both guardrails, and answer: one path for every model call. */
export async function handleModelCall(c: AppContext, deps: ModelRouteDeps, route: ModelRoute): Promise<Response> {
  const deployment = c.get('deployment');
  const { body: received, context: enkryptContext } = takeEnkryptContext(await readJsonObjectBody(c.req.raw, deps.maxBodyBytes, route.counts?.(deps.counts)));
  let body: JsonObject = received;
  if (route.modelOptional && received['model'] === undefined) {
    body = { ...received, model: resolveRequestModel(deployment, undefined) };
  }
  assertValid(route.schema, body);
  const model = resolveRequestModel(deployment, body['model'] as string);
  c.set('model', model);
  c.set('stream', body['stream'] === true);
  const gate = await admitRequest(c, deps, estimateRequestTokens(body));
  const result = await forwardModelCall(deps, {
    tenant: c.get('tenant'),
    deployment,
    requestId: c.get('requestId'),
    tags: c.get('tags'),
    clientSignal: c.req.raw.signal,
    endpoint: route.endpoint,
    path: route.upstreamPath,
    body: model === body['model'] ? body : { ...body, model },
    flavor: route.flavor,
    enkryptContext,
  }).catch((error: unknown) => {
    gate.refund();
    throw error;
  });
  if (result.kind === 'stream') return gate.observeStream(result.response);
  gate.settle(usageTokens(result.body));
  return c.json(result.body, result.status as 200, result.headers);
}
