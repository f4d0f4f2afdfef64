// callUpstream and readUpstreamJson with an injected fetch: headers built from scratch, the
// deployment's timeout, client disconnects, network failures, and upstream errors mapped to
// envelopes (auth failures hidden, the upstream key scrubbed, Retry-After relayed).

import { afterEach, describe, expect, it, vi } from 'vitest';
import { HttpError } from '../../src/errors.ts';
import { createKeyScrubber } from '../../src/logging/key-scrub.ts';
import type { LoadedDeployment } from '../../src/policy/types.ts';
import { callUpstream, readUpstreamJson, type UpstreamRequest } from '../../src/proxy/upstream.ts';
import { createRecordingFetch, type UpstreamAnswer } from '../helpers/app.ts';

const DEPLOYMENT_KEY = 'sk-deployment-key-0123456789';

const deployment: LoadedDeployment = {
  name: 'main',
  tenant: 'acme',
  upstream: { baseUrl: 'https://upstream.test/v1', apiKey: DEPLOYMENT_KEY, timeoutMs: 1000, streamIdleTimeoutMs: 1000, keyScrubber: createKeyScrubber([DEPLOYMENT_KEY]) },
  models: { allow: ['*'], override: null, defaultModel: null, categories: [] },
  guardrails: { profile: 'default', inputProfile: 'default', outputProfile: 'default', softBlock: null, streamMode: 'moderate' },
};

function call(answer: UpstreamAnswer, overrides: Partial<UpstreamRequest> = {}) {
  const recording = createRecordingFetch(answer);
  const request: UpstreamRequest = {
    fetch: recording.fetch,
    deployment,
    method: 'POST',
    path: '/chat/completions',
    body: { model: 'gpt-4o', messages: [] },
    requestId: 'req-1',
    clientSignal: new AbortController().signal,
    ...overrides,
  };
  return { recording, pending: callUpstream(request) };
}

async function failure(promise: Promise<unknown>): Promise<HttpError> {
  const error = await promise.then(() => null, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(HttpError);
  return error as HttpError;
}

/** A fetch that never answers, rejecting with the signal's reason once aborted (as fetch does). */
const hang: UpstreamAnswer = ({ init }) =>
  new Promise((_resolve, reject) => {
    const signal = init.signal!;
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });

const errorAnswer = (status: number, body: unknown, headers: Record<string, string> = {}) => () =>
  new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

afterEach(() => {
  vi.useRealTimers();
});

describe('callUpstream: the request', () => {
  it('builds its headers from scratch, with the deployment key and the request id', async () => {
    const { recording, pending } = call(() => Response.json({ ok: true }));
    const { response } = await pending;
    expect(await response.json()).toEqual({ ok: true });
    const [sent] = recording.calls;
    expect(sent!.url).toBe('https://upstream.test/v1/chat/completions');
    expect(sent!.method).toBe('POST');
    expect(sent!.headers).toEqual({
      accept: 'application/json',
      authorization: `Bearer ${DEPLOYMENT_KEY}`,
      'content-type': 'application/json',
      'user-agent': 'guardrail-proxy',
      'x-request-id': 'req-1',
    });
    expect(sent!.body).toEqual({ model: 'gpt-4o', messages: [] });
    expect(sent!.init.redirect).toBe('manual');
  });

  it('sends no Authorization without a deployment key, and no body or content type on a GET', async () => {
    const keyless = { ...deployment, upstream: { ...deployment.upstream, apiKey: null } };
    const { recording, pending } = call(() => Response.json({}), { deployment: keyless, method: 'GET', path: '/models', body: undefined, accept: 'text/event-stream' });
    await pending;
    expect(recording.calls[0]!.headers).toEqual({ accept: 'text/event-stream', 'user-agent': 'guardrail-proxy', 'x-request-id': 'req-1' });
    expect(recording.calls[0]!.init.body).toBeUndefined();
  });
});

describe('callUpstream: failures before an answer', () => {
  it('answers 504 upstream_timeout when the deployment’s timeout passes', async () => {
    vi.useFakeTimers();
    const { pending } = call(hang);
    const settled = failure(pending);
    await vi.advanceTimersByTimeAsync(deployment.upstream.timeoutMs);
    expect(await settled).toMatchObject({ status: 504, code: 'upstream_timeout', type: 'timeout_error', message: 'The upstream did not answer within 1000 ms.' });
  });

  it('answers 502 upstream_unreachable when the network fails', async () => {
    const networkError = new TypeError('fetch failed');
    const error = await failure(call(() => Promise.reject(networkError)).pending);
    expect(error).toMatchObject({ status: 502, code: 'upstream_unreachable', type: 'upstream_error' });
    expect(error.cause).toBe(networkError);
  });

  it('aborts the upstream request with 499 when the client goes away', async () => {
    const client = new AbortController();
    const { recording, pending } = call(hang, { clientSignal: client.signal });
    const settled = failure(pending);
    client.abort(new Error('client left'));
    expect(await settled).toMatchObject({ status: 499, code: 'client_closed_request' });
    expect(recording.calls[0]!.init.signal!.aborted).toBe(true);
  });

  it('starts aborted when the client already left', async () => {
    const client = new AbortController();
    client.abort();
    const error = await failure(call(hang, { clientSignal: client.signal }).pending);
    expect(error.status).toBe(499);
  });
});

describe('callUpstream: upstream error answers', () => {
  it.each([401, 403])('turns an upstream %i into 502 upstream_auth_failed without its message', async (status) => {
    const body = { error: { message: `Incorrect API key provided: ${DEPLOYMENT_KEY}`, type: 'invalid_request_error', param: null, code: 'invalid_api_key' } };
    const error = await failure(call(errorAnswer(status, body)).pending);
    expect(error).toMatchObject({ status: 502, code: 'upstream_auth_failed', type: 'upstream_error', message: 'The upstream rejected the credentials of this deployment.' });
    expect(JSON.stringify(error.toEnvelope())).not.toContain(DEPLOYMENT_KEY);
  });

  it('relays an error envelope with its status, Retry-After and rate-limit headers, and nothing else', async () => {
    const body = { error: { message: 'Rate limit reached for gpt-4o.', type: 'requests', param: null, code: 'rate_limit_exceeded' } };
    const headers = { 'retry-after': '7', 'x-ratelimit-remaining-requests': '0', 'set-cookie': 'session=upstream', 'x-internal-host': 'node-12' };
    const error = await failure(call(errorAnswer(429, body, headers)).pending);
    expect(error.status).toBe(429);
    expect(error.toEnvelope()).toEqual({ error: { message: 'Rate limit reached for gpt-4o.', type: 'requests', param: null, code: 'rate_limit_exceeded' } });
    expect(error.headers).toEqual({ 'retry-after': '7', 'x-ratelimit-remaining-requests': '0' });
  });

  it('scrubs the deployment key from a relayed message', async () => {
    const body = { error: { message: `Key ${DEPLOYMENT_KEY} has no access to model o1; key ${DEPLOYMENT_KEY}.`, type: 'invalid_request_error', param: 'model', code: 404 } };
    const error = await failure(call(errorAnswer(404, body)).pending);
    expect(error).toMatchObject({ status: 404, param: 'model', code: '404', message: 'Key [REDACTED] has no access to model o1; key [REDACTED].' });
  });

  it('scrubs any 8-character run of the key, in every relayed field', async () => {
    const part = DEPLOYMENT_KEY.slice(5, 13);
    const body = { error: { message: `Incorrect API key provided: sk-dep***${DEPLOYMENT_KEY.slice(-10)}`, type: `t-${part}`, param: DEPLOYMENT_KEY.slice(0, 8), code: `c${part}` } };
    const error = await failure(call(errorAnswer(400, body)).pending);
    expect(error.toEnvelope()).toEqual({ error: { message: 'Incorrect API key provided: sk-dep***[REDACTED]', type: 't-[REDACTED]', param: '[REDACTED]', code: 'c[REDACTED]' } });
  });

  it('caps a relayed message at 2000 characters', async () => {
    const error = await failure(call(errorAnswer(400, { error: { message: 'x'.repeat(5000) } })).pending);
    expect(error.message).toHaveLength(2000);
    expect(error).toMatchObject({ type: 'upstream_error', param: null, code: null });
  });

  it.each([
    ['an HTML page', '<html>Bad gateway</html>'],
    ['JSON without an error object', { detail: 'boom' }],
    ['an error without a message', { error: { code: 'x' } }],
  ])('answers %s with a generic envelope under the upstream status', async (_case, body) => {
    const error = await failure(call(errorAnswer(503, body)).pending);
    expect(error).toMatchObject({ status: 503, type: 'upstream_error', code: 'upstream_error', message: 'The upstream answered with HTTP 503.' });
  });

  it.each([301, 302, 303, 307, 308])('does not follow or relay a redirect: a %i becomes a 502 upstream_redirect, its Location not relayed', async (status) => {
    const answer = () => new Response(null, { status, headers: { location: 'https://elsewhere.test/steal' } });
    const { recording, pending } = call(answer);
    const error = await failure(pending);
    expect(recording.calls).toHaveLength(1);
    expect(error).toMatchObject({ status: 502, type: 'upstream_error', code: 'upstream_redirect' });
    expect(error.message).toContain(`HTTP ${status}`);
    expect(error.message).not.toContain('elsewhere');
    expect(error.headers).toEqual({});
  });
});

describe('readUpstreamJson', () => {
  it('reads the body and then clears the timeout', async () => {
    vi.useFakeTimers();
    const upstream = await call(() => Response.json({ id: 'chatcmpl-1' })).pending;
    expect(await readUpstreamJson(upstream, deployment)).toEqual({ id: 'chatcmpl-1' });
    await vi.advanceTimersByTimeAsync(deployment.upstream.timeoutMs * 2);
    expect(upstream.signal.aborted).toBe(false);
  });

  it('answers 502 upstream_invalid_response for a body that is not JSON', async () => {
    const upstream = await call(() => new Response('not json', { status: 200 })).pending;
    expect(await failure(readUpstreamJson(upstream, deployment))).toMatchObject({ status: 502, code: 'upstream_invalid_response' });
  });

  it('answers 502 upstream_invalid_response for JSON nested deeper than the limit, without overflowing the stack', async () => {
    const deep = '['.repeat(200_000) + ']'.repeat(200_000);
    const upstream = await call(() => new Response(deep, { status: 200, headers: { 'content-type': 'application/json' } })).pending;
    const error = await failure(readUpstreamJson(upstream, deployment));
    expect(error).toMatchObject({ status: 502, code: 'upstream_invalid_response' });
    expect(error.message).toContain('nested deeper');
  });

  it('answers 504 when the body stops arriving before the timeout', async () => {
    vi.useFakeTimers();
    const stalled: UpstreamAnswer = ({ init }) => {
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('{"id":'));
          init.signal!.addEventListener('abort', () => controller.error(init.signal!.reason), { once: true });
        },
      });
      return new Response(body, { status: 200 });
    };
    const upstream = await call(stalled).pending;
    const settled = failure(readUpstreamJson(upstream, deployment));
    await vi.advanceTimersByTimeAsync(deployment.upstream.timeoutMs);
    expect(await settled).toMatchObject({ status: 504, code: 'upstream_timeout' });
  });
});
