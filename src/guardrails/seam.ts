// The seam where guardrails plug into the proxy path: one hook before the upstream call (may
// rewrite the request or block it by throwing an HttpError) and one after it for non-streamed
// answers. The cascade's implementation is proxy-guardrails.ts beside it.

import type { JsonObject } from '../http/json.ts';
import type { GuardedTenant } from '../guard/types.ts';
import type { LoadedDeployment } from '../policy/types.ts';

export type GuardedEndpoint = 'chat.completions' | 'completions' | 'embeddings' | 'responses';

export interface GuardCallContext {
  tenant: GuardedTenant;
  deployment: LoadedDeployment;
  endpoint: GuardedEndpoint;
  requestId: string;
  tags: string[];
  stream: boolean;
  /** `enkrypt` on Enkrypt's drop-in alias (seed 004), whose responses name fields its way. */
  flavor: 'openai' | 'enkrypt';
  /** Enkrypt's `enkrypt_context` (seed 004), taken off the request body: reference text for checks of the answer. */
  enkryptContext?: string | null;
}

export interface InputGuardResult {
  /** The body to send upstream (the input, possibly redacted). */
  body: JsonObject;
  /** Anything the input stage wants back in `afterUpstream` (findings, decisions). */
  state?: unknown;
  /** Response headers for the client, e.g. a decision summary. */
  headers?: Record<string, string>;
  /** Top-level fields merged into a non-streamed response body, e.g. policy detections. */
  extensions?: Record<string, unknown>;
  /** Extra response headers when the answer is relayed as a stream (no output hook runs then). */
  streamHeaders?: Record<string, string>;
  /** Rewrites a streamed (SSE) answer as it is relayed, e.g. to restore placeholders in deltas. */
  transformStream?: (stream: ReadableStream<Uint8Array>) => ReadableStream<Uint8Array>;
}

export interface OutputGuardResult {
  body: JsonObject;
  headers?: Record<string, string>;
}

export interface ProxyGuardrails {
  /** Runs before the upstream call; throw an HttpError to block the request. */
  beforeUpstream(ctx: GuardCallContext, body: JsonObject): Promise<InputGuardResult>;
  /** Runs on a non-streamed upstream answer; may rewrite it or throw an HttpError to block it. */
  afterUpstream(ctx: GuardCallContext, body: JsonObject, input: InputGuardResult): Promise<OutputGuardResult>;
  /**
   * Runs on a stored answer fetched again (GET /v1/responses/{id}, cancel), which no input check
   * preceded; absent: relayed as it is.
   */
  afterRetrieve?(ctx: GuardCallContext, body: JsonObject): Promise<OutputGuardResult>;
}

export const passThroughGuardrails: ProxyGuardrails = {
  beforeUpstream: async (_ctx, body) => ({ body }),
  afterUpstream: async (_ctx, body) => ({ body }),
};
