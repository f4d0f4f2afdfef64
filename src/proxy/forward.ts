// The proxy path for model calls: input guardrail hook, upstream call, then either the SSE stream
// relayed as it arrives or the JSON answer through the output guardrail hook. Plain input and
// output, no HTTP framework: the route renders the result.

import { HttpError } from '../errors.ts';
import type { GuardedTenant } from '../guard/types.ts';
import type { GuardCallContext, GuardedEndpoint, ProxyGuardrails } from '../guardrails/seam.ts';
import { isJsonObject, type JsonObject, type JsonValue } from '../http/json.ts';
import type { KeyScrubber } from '../logging/key-scrub.ts';
import type { LoadedDeployment } from '../policy/types.ts';
import { callUpstream, readUpstreamJson, type FetchLike } from './upstream.ts';
import type { UpstreamMetrics } from './upstream-telemetry.ts';

export interface ForwardDeps {
  fetch: FetchLike;
  guardrails: ProxyGuardrails;
  /** Upstream latency histograms; not recorded when absent. */
  upstreamMetrics?: UpstreamMetrics;
}

export interface ForwardInput {
  tenant: GuardedTenant;
  deployment: LoadedDeployment;
  requestId: string;
  tags: string[];
  /** Aborted when the client goes away; aborts the upstream call. */
  clientSignal: AbortSignal;
  endpoint: GuardedEndpoint;
  /** Path under the deployment's base URL. */
  path: string;
  /** The validated client body with the resolved model; everything else untouched. */
  body: JsonObject;
  flavor: GuardCallContext['flavor'];
  /** Enkrypt's `enkrypt_context`, already taken off the body (null when none was sent). */
  enkryptContext?: string | null;
}

/** A relayed stream, or a JSON answer for the route to send. */
export type ForwardResult =
  | { readonly kind: 'stream'; readonly response: Response }
  | { readonly kind: 'json'; readonly status: number; readonly body: JsonObject; readonly headers: Record<string, string> };

export async function forwardModelCall(deps: ForwardDeps, request: ForwardInput): Promise<ForwardResult> {
  const stream = request.body['stream'] === true;
  const ctx: GuardCallContext = {
    tenant: request.tenant,
    deployment: request.deployment,
    endpoint: request.endpoint,
    requestId: request.requestId,
    tags: request.tags,
    stream,
    flavor: request.flavor,
    enkryptContext: request.enkryptContext ?? null,
  };
  const input = await deps.guardrails.beforeUpstream(ctx, request.body);
  const call = await callUpstream({
    fetch: deps.fetch,
    deployment: request.deployment,
    method: 'POST',
    path: request.path,
    body: input.body,
    requestId: ctx.requestId,
    accept: stream ? 'text/event-stream' : 'application/json',
    clientSignal: request.clientSignal,
    metrics: deps.upstreamMetrics,
  });

  const upstreamType = call.response.headers.get('content-type') ?? '';
  const events = stream && upstreamType.startsWith('text/event-stream') ? call.body.stream() : null;
  if (events) {
    // The timeout bounds the wait for the stream to start; a long answer may then take its time.
    // A client disconnect aborts the upstream through the signal and by cancelling this body.
    call.clearTimeout();
    const relayed = scrubKeyRuns(relayStream(events, request.clientSignal), request.deployment.upstream.keyScrubber);
    const response = new Response(input.transformStream ? input.transformStream(relayed) : relayed, {
      status: call.response.status,
      headers: {
        ...input.headers,
        ...input.streamHeaders,
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        'x-request-id': ctx.requestId,
      },
    });
    return { kind: 'stream', response };
  }

  const answer = await readUpstreamJson(call, request.deployment);
  if (!isJsonObject(answer)) {
    throw new HttpError(502, 'The upstream returned a response that is not a JSON object.', { code: 'upstream_invalid_response' });
  }
  const output = await deps.guardrails.afterUpstream(ctx, answer, input);
  // The upstream's answer first (id, choices, usage), then our extensions it does not already carry.
  const body: JsonObject = { ...output.body };
  for (const [key, value] of Object.entries(input.extensions ?? {})) if (!(key in body)) body[key] = value as JsonValue;
  return { kind: 'json', status: call.response.status, body, headers: { ...input.headers, ...output.headers } };
}

/**
 * A stream's error events (and anything else in it) may echo the deployment's key: every run of
 * 8+ of its characters is scrubbed as the text passes, holding back only the few characters a run
 * could continue into from the next chunk. Without a key the stream is untouched.
 */
function scrubKeyRuns(stream: ReadableStream<Uint8Array>, scrubber: KeyScrubber): ReadableStream<Uint8Array> {
  if (scrubber.empty) return stream;
  const decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
  const encoder = new TextEncoder();
  let carry = '';
  return stream.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        const { ready, carry: rest } = scrubber.scrubPiece(carry + decoder.decode(chunk, { stream: true }), false);
        carry = rest;
        if (ready !== '') controller.enqueue(encoder.encode(ready));
      },
      flush(controller) {
        const { ready } = scrubber.scrubPiece(carry + decoder.decode(), true);
        if (ready !== '') controller.enqueue(encoder.encode(ready));
      },
    }),
  );
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
