// Calls a deployment's upstream with the injected fetch: headers built from scratch (the client's
// proxy key, cookies and X-Guard-*/X-Enkrypt-* never leave), one AbortSignal combining the
// deployment's timeout and the client's disconnect, and upstream failures mapped to envelopes.

import { HttpError } from '../errors.ts';
import { jsonNestingDepth, MAX_JSON_DEPTH } from '../http/json-body.ts';
import type { LoadedDeployment } from '../policy/types.ts';
import { createUpstreamMetrics, observeUpstream, type ObservedBody, type UpstreamMetrics } from './upstream-telemetry.ts';

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface UpstreamRequest {
  fetch: FetchLike;
  deployment: LoadedDeployment;
  method: 'GET' | 'POST' | 'DELETE';
  /** Path under the deployment's base URL, e.g. `/chat/completions`. */
  path: string;
  body?: unknown;
  requestId: string;
  accept?: string;
  /** Aborted when the client goes away. */
  clientSignal: AbortSignal;
  /** The upstream latency histograms (src/proxy/upstream-telemetry.ts); not recorded when absent. */
  metrics?: UpstreamMetrics;
}

const unrecorded = createUpstreamMetrics();

export interface UpstreamCall {
  /** The answer's status and headers; its body is read through `body`, which ends the call's span and latency. */
  response: Response;
  body: ObservedBody;
  /** Stops the timeout timer; call once headers (streaming) or the whole body (otherwise) arrived. */
  clearTimeout(): void;
  signal: AbortSignal;
}

class UpstreamTimeout extends Error {
  override readonly name = 'UpstreamTimeout';
}

/**
 * Sends the request and returns as soon as response headers arrive. Error statuses are thrown as
 * HttpError (see `upstreamErrorToHttpError`); the caller owns the body of a successful response.
 */
export async function callUpstream(request: UpstreamRequest): Promise<UpstreamCall> {
  const { deployment } = request;
  const controller = new AbortController();
  const onClientAbort = () => controller.abort(request.clientSignal.reason);
  if (request.clientSignal.aborted) onClientAbort();
  else request.clientSignal.addEventListener('abort', onClientAbort, { once: true });
  const timer = setTimeout(
    () => controller.abort(new UpstreamTimeout(`no answer within ${deployment.upstream.timeoutMs} ms`)),
    deployment.upstream.timeoutMs,
  );
  const clearTimer = () => {
    clearTimeout(timer);
  };
  const detach = () => {
    clearTimer();
    request.clientSignal.removeEventListener('abort', onClientAbort);
  };
  controller.signal.addEventListener('abort', detach, { once: true });

  const headers: Record<string, string> = {
    accept: request.accept ?? 'application/json',
    'x-request-id': request.requestId,
    'user-agent': 'guardrail-proxy',
  };
  if (deployment.upstream.apiKey) headers['authorization'] = `Bearer ${deployment.upstream.apiKey}`;
  if (request.body !== undefined) headers['content-type'] = 'application/json';
  const url = `${deployment.upstream.baseUrl}${request.path}`;
  const observed = observeUpstream({
    metrics: request.metrics ?? unrecorded,
    deployment: deployment.name,
    method: request.method,
    url,
    path: request.path,
    stream: request.accept === 'text/event-stream',
  });
  observed.inject(headers);

  let response: Response;
  try {
    response = await request.fetch(url, {
      method: request.method,
      headers,
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
      signal: controller.signal,
      redirect: 'manual',
    });
  } catch (cause) {
    detach();
    const failure = mapFetchFailure(controller.signal, deployment, cause);
    observed.failed(failure);
    throw failure;
  }
  if (isRedirect(response)) {
    // Never followed (redirect: 'manual') and never relayed: a Location could point the client, or
    // a retry carrying its key, anywhere. An opaque redirect (status 0) is where a runtime hides it.
    await response.body?.cancel().catch(() => {});
    detach();
    observed.ended(response.status);
    throw new HttpError(502, `The upstream answered with a redirect (HTTP ${response.status}), which the proxy does not follow.`, { code: 'upstream_redirect', type: 'upstream_error' });
  }
  if (!response.ok) {
    try {
      throw await upstreamErrorToHttpError(response, deployment);
    } finally {
      detach();
      observed.ended(response.status);
    }
  }
  return {
    response,
    body: observed.answered(response),
    clearTimeout: clearTimer,
    signal: controller.signal,
  };
}

function isRedirect(response: Response): boolean {
  // An `opaqueredirect` (browsers and undici's fetch with redirect: 'manual') has status 0, so the
  // status alone decides, without the `type` getter (measurably slow on undici's Response).
  const { status } = response;
  return status === 0 || (status >= 300 && status < 400);
}

/**
 * Reads a successful upstream body as JSON, still under the deployment's timeout. A body that is
 * not JSON, or nested deeper than any answer needs (which would overflow the stack when it is
 * cloned or serialised), is the upstream's fault: 502.
 */
export async function readUpstreamJson(call: UpstreamCall, deployment: LoadedDeployment): Promise<unknown> {
  let text: string;
  try {
    text = await call.body.text();
  } catch (cause) {
    if (call.signal.aborted) throw mapFetchFailure(call.signal, deployment, cause);
    throw new HttpError(502, 'The upstream answer could not be read.', { code: 'upstream_invalid_response', cause });
  } finally {
    call.clearTimeout();
  }
  if (jsonNestingDepth(text) > MAX_JSON_DEPTH) {
    throw new HttpError(502, `The upstream returned JSON nested deeper than ${MAX_JSON_DEPTH} levels.`, { code: 'upstream_invalid_response' });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new HttpError(502, 'The upstream returned a response that is not valid JSON.', { code: 'upstream_invalid_response', cause });
  }
}

export function mapFetchFailure(signal: AbortSignal, deployment: LoadedDeployment, cause: unknown): HttpError {
  if (signal.reason instanceof UpstreamTimeout) {
    return new HttpError(504, `The upstream did not answer within ${deployment.upstream.timeoutMs} ms.`, { code: 'upstream_timeout', cause });
  }
  if (signal.aborted) {
    // The client went away; nobody reads this answer, but onError still logs it.
    return new HttpError(499, 'Client closed the request.', { code: 'client_closed_request', cause });
  }
  return new HttpError(502, 'The upstream could not be reached.', { code: 'upstream_unreachable', cause });
}

const RELAYED_ERROR_HEADERS = ['retry-after', 'retry-after-ms', 'x-ratelimit-limit-requests', 'x-ratelimit-remaining-requests', 'x-ratelimit-reset-requests', 'x-ratelimit-limit-tokens', 'x-ratelimit-remaining-tokens', 'x-ratelimit-reset-tokens'];

/**
 * Relays an upstream 4xx/5xx with its status and (OpenAI-shaped) envelope, plus Retry-After and
 * rate-limit headers. Exception: upstream 401/403 mean the *deployment's* key is wrong, which is
 * not the client's fault and whose message may echo part of that key, so they become a 502.
 */
export async function upstreamErrorToHttpError(response: Response, deployment: LoadedDeployment): Promise<HttpError> {
  const headers: Record<string, string> = {};
  for (const name of RELAYED_ERROR_HEADERS) {
    const value = response.headers.get(name);
    if (value) headers[name] = value;
  }
  if (response.status === 401 || response.status === 403) {
    await response.body?.cancel().catch(() => {});
    return new HttpError(502, 'The upstream rejected the credentials of this deployment.', { code: 'upstream_auth_failed', type: 'upstream_error', headers });
  }
  const text = await response.text().catch(() => '');
  const envelope = parseErrorEnvelope(text);
  // Any run of 8+ characters of the deployment's key, in any field the client will read.
  const { keyScrubber } = deployment.upstream;
  const scrub = <T extends string | null>(value: T): T => (value === null ? value : (keyScrubber.scrub(value) as T));
  if (envelope) {
    return new HttpError(response.status, scrub(envelope.message), {
      type: scrub(envelope.type),
      param: scrub(envelope.param),
      code: scrub(envelope.code),
      headers,
    });
  }
  return new HttpError(response.status, `The upstream answered with HTTP ${response.status}.`, { type: 'upstream_error', code: 'upstream_error', headers });
}

function parseErrorEnvelope(text: string): { message: string; type: string; param: string | null; code: string | null } | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  const error = (parsed as { error?: unknown } | null)?.error;
  if (typeof error !== 'object' || error === null) return null;
  const { message, type, param, code } = error as Record<string, unknown>;
  if (typeof message !== 'string') return null;
  return {
    message: message.slice(0, 2000),
    type: typeof type === 'string' ? type : 'upstream_error',
    param: typeof param === 'string' ? param : null,
    code: typeof code === 'string' ? code : typeof code === 'number' ? String(code) : null,
  };
}
