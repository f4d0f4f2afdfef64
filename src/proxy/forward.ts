// The proxy path for model calls: input guardrail hook, upstream call, then either the SSE stream
// relayed as it arrives or the JSON answer through the output guardrail hook.

import { HttpError } from '../errors.ts';
import { isJsonObject, type JsonObject, type JsonValue } from '../http/json.ts';
import type { AppContext } from '../routes/context.ts';
import type { GuardCallContext, GuardedEndpoint, ProxyGuardrails } from '../guardrails/seam.ts';
import { callUpstream, readUpstreamJson, type FetchLike } from './upstream.ts';

export interface ForwardDeps {
  fetch: FetchLike;
  guardrails: ProxyGuardrails;
}

export interface ForwardRequest {
  endpoint: GuardedEndpoint;
  /** Path under the deployment's base URL. */
  path: string;
  /** The validated client body with the resolved model; everything else untouched. */
  body: JsonObject;
  flavor: GuardCallContext['flavor'];
}

export async function forwardModelCall(c: AppContext, deps: ForwardDeps, request: ForwardRequest): Promise<Response> {
  const deployment = c.get('deployment');
  const stream = request.body['stream'] === true;
  c.set('stream', stream);
  const ctx: GuardCallContext = {
    tenant: c.get('tenant'),
    deployment,
    endpoint: request.endpoint,
    requestId: c.get('requestId'),
    tags: c.get('tags'),
    stream,
    flavor: request.flavor,
  };
  const input = await deps.guardrails.beforeUpstream(ctx, request.body);
  const call = await callUpstream({
    fetch: deps.fetch,
    deployment,
    method: 'POST',
    path: request.path,
    body: input.body,
    requestId: ctx.requestId,
    accept: stream ? 'text/event-stream' : 'application/json',
    clientSignal: c.req.raw.signal,
  });

  const upstreamType = call.response.headers.get('content-type') ?? '';
  if (stream && upstreamType.startsWith('text/event-stream') && call.response.body) {
    // The timeout bounds the wait for the stream to start; a long answer may then take its time.
    // A client disconnect aborts the upstream through the signal and by cancelling this body.
    call.clearTimeout();
    const relayed = relayStream(call.response.body, c.req.raw.signal);
    return new Response(input.transformStream ? input.transformStream(relayed) : relayed, {
      status: call.response.status,
      headers: {
        ...input.headers,
        ...input.streamHeaders,
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        'x-request-id': ctx.requestId,
      },
    });
  }

  const answer = await readUpstreamJson(call, deployment);
  if (!isJsonObject(answer)) {
    throw new HttpError(502, 'The upstream returned a response that is not a JSON object.', { code: 'upstream_invalid_response' });
  }
  const output = await deps.guardrails.afterUpstream(ctx, answer, input);
  // The upstream's answer first (id, choices, usage), then our extensions it does not already carry.
  const body: JsonObject = { ...output.body };
  for (const [key, value] of Object.entries(input.extensions ?? {})) if (!(key in body)) body[key] = value as JsonValue;
  return c.json(body, call.response.status as 200, { ...input.headers, ...output.headers });
}

/**
 * Relays the upstream SSE body chunk by chunk. Cancelling it (the client went away) cancels the
 * upstream body; an upstream failure after the client left ends it quietly, since nobody reads it.
 */
function relayStream(upstream: ReadableStream<Uint8Array>, clientSignal: AbortSignal): ReadableStream<Uint8Array> {
  const reader = upstream.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      } catch (error) {
        if (clientSignal.aborted) controller.close();
        else controller.error(error);
      }
    },
    cancel: (reason) => reader.cancel(reason),
  });
}
