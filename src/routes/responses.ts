// The Responses API (https://platform.openai.com/docs/api-reference/responses): POST /v1/responses
// guarded both ways like chat (plain JSON or typed SSE events), and the resource routes on a stored
// response, forwarded with the caller's deployment (its upstream and key): GET (output guarded
// again), DELETE, POST .../cancel (its answer guarded like GET) and GET .../input_items.

import type { Hono } from 'hono';
import { HttpError } from '../errors.ts';
import type { GuardCallContext } from '../guardrails/seam.ts';
import { isJsonObject } from '../http/json.ts';
import { callUpstream, readUpstreamJson } from '../proxy/upstream.ts';
import { responsesCounts, RESPONSE_ID, responseCreateRequestSchema } from '../validation/responses.ts';
import type { AppContext, AppEnv } from './context.ts';
import { handleModelCall, type ModelRoute, type ModelRouteDeps } from './openai.ts';

// `model` may be left to the deployment (its default or override), as on the Enkrypt alias.
const createRoute: ModelRoute = {
  endpoint: 'responses',
  upstreamPath: '/responses',
  schema: responseCreateRequestSchema,
  modelOptional: true,
  flavor: 'openai',
  counts: responsesCounts,
};

/** Query parameters the resource routes pass on (API reference); anything else stays here. */
const FORWARDED_QUERY = new Set(['include', 'include[]', 'starting_after', 'include_obfuscation', 'after', 'before', 'limit', 'order']);

export function registerResponsesRoutes(app: Hono<AppEnv>, deps: ModelRouteDeps): void {
  app.post('/v1/responses', (c) => handleModelCall(c, deps, createRoute));
  app.get('/v1/responses/:id/input_items', (c) => forwardResource(c, deps, { method: 'GET', suffix: '/input_items', guard: false }));
  app.post('/v1/responses/:id/cancel', (c) => forwardResource(c, deps, { method: 'POST', suffix: '/cancel', guard: true }));
  app.get('/v1/responses/:id', (c) => forwardResource(c, deps, { method: 'GET', suffix: '', guard: true }));
  app.delete('/v1/responses/:id', (c) => forwardResource(c, deps, { method: 'DELETE', suffix: '', guard: false }));
}

interface ResourceCall {
  method: 'GET' | 'POST' | 'DELETE';
  suffix: '' | '/cancel' | '/input_items';
  /** Whether the answer is a response object the output guardrails check again. */
  guard: boolean;
}

async function forwardResource(c: AppContext, deps: ModelRouteDeps, call: ResourceCall): Promise<Response> {
  const id = c.req.param('id') ?? '';
  if (!RESPONSE_ID.test(id)) {
    throw new HttpError(404, `No response found with id '${id.slice(0, 64)}'.`, { param: 'response_id', code: 'not_found' });
  }
  const url = new URL(c.req.url);
  if (call.guard && url.searchParams.get('stream') === 'true') {
    throw new HttpError(400, 'Streaming a stored response again is not supported through the guardrails; retrieve it without stream=true.', {
      param: 'stream',
      code: 'stream_not_supported',
    });
  }
  const query = new URLSearchParams([...url.searchParams].filter(([key]) => FORWARDED_QUERY.has(key)));
  const deployment = c.get('deployment');
  const upstream = await callUpstream({
    fetch: deps.fetch,
    deployment,
    method: call.method,
    path: `/responses/${encodeURIComponent(id)}${call.suffix}${query.size > 0 ? `?${query}` : ''}`,
    requestId: c.get('requestId'),
    clientSignal: c.req.raw.signal,
    metrics: deps.upstreamMetrics,
  });
  const answer = await readUpstreamJson(upstream, deployment);
  if (!isJsonObject(answer)) {
    throw new HttpError(502, 'The upstream returned a response that is not a JSON object.', { code: 'upstream_invalid_response' });
  }
  if (!call.guard || !deps.guardrails.afterRetrieve) return c.json(answer, upstream.response.status as 200);
  const output = await deps.guardrails.afterRetrieve(callContext(c), answer);
  return c.json(output.body, upstream.response.status as 200, output.headers);
}

function callContext(c: AppContext): GuardCallContext {
  return {
    tenant: c.get('tenant'),
    deployment: c.get('deployment'),
    endpoint: 'responses',
    requestId: c.get('requestId'),
    tags: c.get('tags'),
    stream: false,
    flavor: 'openai',
  };
}
