// The model-call routes in memory (chat, completions, embeddings, the Enkrypt alias): what the
// injected fetch receives, what the client gets back, streams relayed, and the guardrail seam's
// hooks, headers and extensions. forwardModelCall is exercised only through these routes.

import { describe, expect, it } from 'vitest';
import { HttpError } from '../../src/errors.ts';
import type { GuardCallContext, ProxyGuardrails } from '../../src/guardrails/seam.ts';
import { ACME_KEY, UPSTREAM_KEY } from '../helpers/server.ts';
import { UPSTREAM_BASE_URL, createTestApp } from '../helpers/app.ts';

const CHAT = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello there' }] };

const SSE = 'data: {"choices":[{"index":0,"delta":{"content":"Hi"}}]}\n\ndata: [DONE]\n\n';

describe('POST /v1/chat/completions', () => {
  it('forwards the body untouched with headers built from scratch, and returns the upstream answer', async () => {
    const testApp = await createTestApp();
    const body = { ...CHAT, temperature: 0.2, vendor_extension: { keep: ['me', 1] } };
    const response = await testApp.post('/v1/chat/completions', body, {
      cookie: 'session=secret',
      'X-Guard-Tags': 'team:a',
      'X-Enkrypt-Tags': 'b',
      'x-forwarded-for': '10.0.0.1',
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ object: 'chat.completion', choices: [{ message: { content: 'You said: hello there' } }] });

    const [sent] = testApp.upstream.calls;
    expect(sent).toMatchObject({ method: 'POST', url: `${UPSTREAM_BASE_URL}/chat/completions`, body });
    expect(Object.keys(sent!.headers).sort()).toEqual(['accept', 'authorization', 'content-type', 'user-agent', 'x-request-id']);
    expect(sent!.headers['authorization']).toBe(`Bearer ${UPSTREAM_KEY}`);
    expect(JSON.stringify(sent!.headers)).not.toContain(ACME_KEY);
    expect(sent!.headers['x-request-id']).toBe(response.headers.get('x-request-id'));
  });

  it('keeps a sane client request id and forwards it', async () => {
    const testApp = await createTestApp();
    const response = await testApp.post('/v1/chat/completions', CHAT, { 'x-request-id': 'trace-42' });
    expect(response.headers.get('x-request-id')).toBe('trace-42');
    expect(testApp.upstream.calls[0]!.headers['x-request-id']).toBe('trace-42');
  });

  it('replaces the model on an override deployment', async () => {
    const testApp = await createTestApp();
    await testApp.post('/v1/chat/completions', { ...CHAT, model: 'gpt-4o' }, { 'X-Guard-Deployment': 'forced' });
    expect(testApp.upstream.calls[0]!.body).toMatchObject({ model: 'gpt-4o-mini', messages: CHAT.messages });
  });

  it.each([
    ['a refused model', { ...CHAT, model: 'o1' }, 404, { code: 'model_not_found', param: 'model' }],
    ['a missing model', { messages: CHAT.messages }, 400, { param: 'model' }],
    ['an invalid field', { ...CHAT, temperature: 3 }, 400, { param: 'temperature', type: 'invalid_request_error' }],
  ])('answers %s before anything goes upstream', async (_case, body, status, error) => {
    const testApp = await createTestApp();
    const response = await testApp.post('/v1/chat/completions', body);
    expect(response.status).toBe(status);
    expect(await response.json()).toMatchObject({ error });
    expect(testApp.upstream.calls).toHaveLength(0);
  });

  it('answers a body over the limit with 413', async () => {
    const testApp = await createTestApp({ limits: { maxBodyBytes: 256 } });
    const response = await testApp.post('/v1/chat/completions', { ...CHAT, messages: [{ role: 'user', content: 'x'.repeat(300) }] });
    expect(response.status).toBe(413);
    expect(testApp.upstream.calls).toHaveLength(0);
  });

  it('relays an upstream error with its status and Retry-After', async () => {
    const rateLimited = () => Response.json({ error: { message: 'Slow down', type: 'rate_limit_error', param: null, code: 'rate_limit_exceeded' } }, { status: 429, headers: { 'retry-after': '3' } });
    const testApp = await createTestApp({ upstream: rateLimited });
    const response = await testApp.post('/v1/chat/completions', CHAT);
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('3');
    expect(await response.json()).toEqual({ error: { message: 'Slow down', type: 'rate_limit_error', param: null, code: 'rate_limit_exceeded' } });
  });

  it('answers a redirecting upstream with a 502 envelope, not the redirect', async () => {
    const testApp = await createTestApp({ upstream: () => new Response('moved', { status: 302, headers: { location: 'https://elsewhere.test/' } }) });
    const response = await testApp.post('/v1/chat/completions', CHAT);
    expect(response.status).toBe(502);
    expect(response.headers.get('location')).toBeNull();
    expect(await response.json()).toMatchObject({ error: { type: 'upstream_error', code: 'upstream_redirect', param: null } });
  });

  it('answers deeply nested upstream JSON with a 502 envelope, guarded or not', async () => {
    const deep = () => new Response(`{"choices":${'['.repeat(100_000)}${']'.repeat(100_000)}}`, { headers: { 'content-type': 'application/json' } });
    for (const testApp of [await createTestApp({ upstream: deep }), await createTestApp({ upstream: deep, withoutGuards: true })]) {
      const response = await testApp.post('/v1/chat/completions', CHAT);
      expect(response.status).toBe(502);
      expect(await response.json()).toMatchObject({ error: { code: 'upstream_invalid_response' } });
    }
  });

  it('answers 502 when the upstream’s JSON is not an object', async () => {
    const testApp = await createTestApp({ upstream: () => Response.json([1, 2]) });
    const response = await testApp.post('/v1/chat/completions', CHAT);
    expect(response.status).toBe(502);
    expect(await response.json()).toMatchObject({ error: { code: 'upstream_invalid_response' } });
  });
});

describe('streams', () => {
  it('relays an SSE answer verbatim with SSE headers, asking the upstream for a stream', async () => {
    const testApp = await createTestApp({ upstream: () => new Response(SSE, { headers: { 'content-type': 'text/event-stream' } }) });
    const response = await testApp.post('/v1/chat/completions', { ...CHAT, stream: true }, { 'x-request-id': 'sse-1' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(response.headers.get('x-request-id')).toBe('sse-1');
    expect(await response.text()).toBe(SSE);
    expect(testApp.upstream.calls[0]!.headers['accept']).toBe('text/event-stream');
    expect(testApp.logger.records.find((record) => record.message === 'request')!.fields).toMatchObject({ stream: true, model: 'gpt-4o-mini' });
  });

  it('returns JSON when a stream was asked for but the upstream answered JSON', async () => {
    const testApp = await createTestApp();
    const response = await testApp.post('/v1/chat/completions', { ...CHAT, stream: true });
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toMatchObject({ object: 'chat.completion' });
  });
});

describe('the other model routes', () => {
  it.each([
    ['/v1/completions', { model: 'gpt-3.5-turbo-instruct', prompt: 'complete me' }, '/completions'],
    ['/v1/embeddings', { model: 'text-embedding-3-small', input: ['a', 'b'] }, '/embeddings'],
  ])('forwards %s to the upstream’s own path', async (path, body, upstreamPath) => {
    const testApp = await createTestApp({ upstream: () => Response.json({ object: 'list', data: [] }) });
    const response = await testApp.post(path, body);
    expect(response.status).toBe(200);
    expect(testApp.upstream.calls[0]).toMatchObject({ url: `${UPSTREAM_BASE_URL}${upstreamPath}`, body });
  });

  it('fills a missing model from the deployment on the Enkrypt alias', async () => {
    const testApp = await createTestApp();
    const response = await testApp.post('/ai-proxy/chat/completions', { messages: CHAT.messages });
    expect(response.status).toBe(200);
    expect(testApp.upstream.calls[0]).toMatchObject({ url: `${UPSTREAM_BASE_URL}/chat/completions`, body: { model: 'gpt-4o-mini' } });
  });

  it.each(['/ai-proxy/chat/completions', '/v1/chat/completions'])('takes enkrypt_context off the body on %s before the upstream', async (path) => {
    const testApp = await createTestApp();
    const response = await testApp.post(path, { model: 'gpt-4o-mini', messages: CHAT.messages, enkrypt_context: 'The manual says the sky is green.' });
    expect(response.status).toBe(200);
    expect(testApp.upstream.calls[0]!.body).not.toHaveProperty('enkrypt_context');
    expect(testApp.upstream.calls[0]!.body).toMatchObject({ model: 'gpt-4o-mini', messages: CHAT.messages });
  });

  it('refuses an enkrypt_context that is not a string, naming it', async () => {
    const testApp = await createTestApp();
    const response = await testApp.post('/ai-proxy/chat/completions', { messages: CHAT.messages, enkrypt_context: { text: 'x' } });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { param: 'enkrypt_context', type: 'invalid_request_error' } });
    expect(testApp.upstream.calls).toHaveLength(0);
  });
});

describe('the guardrail seam', () => {
  function recordingSeam(block = false): { seam: ProxyGuardrails; seen: GuardCallContext[] } {
    const seen: GuardCallContext[] = [];
    const seam: ProxyGuardrails = {
      async beforeUpstream(ctx, body) {
        seen.push(ctx);
        if (block) throw new HttpError(400, 'Blocked by input guardrails.', { code: 'guardrail_blocked' });
        return { body: { ...body, seen_by_input: true }, state: 'from-input', headers: { 'x-guard-input': 'checked' }, extensions: { guard_input: 1, id: 'not-ours' } };
      },
      async afterUpstream(_ctx, body, input) {
        return { body: { ...body, guard_output: String(input.state) }, headers: { 'x-guard-output': 'checked' } };
      },
    };
    return { seam, seen };
  }

  it('hands the hooks the call’s context and merges their body, headers and extensions', async () => {
    const { seam, seen } = recordingSeam();
    const testApp = await createTestApp({ guardrails: seam });
    const response = await testApp.post('/ai-proxy/chat/completions', { messages: CHAT.messages }, { 'X-Guard-Tags': 'team:a', 'x-request-id': 'seam-1' });
    expect(seen[0]).toMatchObject({ endpoint: 'chat.completions', flavor: 'enkrypt', stream: false, tags: ['team:a'], requestId: 'seam-1' });
    expect(seen[0]!.tenant.name).toBe('acme');
    expect(seen[0]!.deployment.name).toBe('main');
    expect(seen[0]!.enkryptContext).toBeNull();
    expect(testApp.upstream.calls[0]!.body).toMatchObject({ seen_by_input: true });
    expect(response.headers.get('x-guard-input')).toBe('checked');
    expect(response.headers.get('x-guard-output')).toBe('checked');
    // The upstream's own fields win over an extension of the same name.
    expect(await response.json()).toMatchObject({ id: 'chatcmpl-test', guard_input: 1, guard_output: 'from-input' });
  });

  it('hands the hooks the enkrypt_context it took off the body', async () => {
    const { seam, seen } = recordingSeam();
    const testApp = await createTestApp({ guardrails: seam });
    await testApp.post('/ai-proxy/chat/completions', { messages: CHAT.messages, enkrypt_context: 'reference text' });
    expect(seen[0]!.enkryptContext).toBe('reference text');
  });

  it.each([
    ['a string', 'boom'],
    ['undefined', undefined],
    ['a plain object', { message: 'secret internals' }],
  ])('answers a collaborator throwing %s with the generic 500 envelope', async (_what, thrown) => {
    const seam: ProxyGuardrails = {
      beforeUpstream: () => Promise.reject(thrown),
      afterUpstream: async (_ctx, body) => ({ body }),
    };
    const testApp = await createTestApp({ guardrails: seam });
    const response = await testApp.post('/v1/chat/completions', CHAT);
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ error: { message: 'Internal server error', type: 'api_error', param: null, code: null } });
    expect(testApp.logger.records.some((record) => record.level === 'error' && record.message === 'unhandled error')).toBe(true);
  });

  it('sends nothing upstream when the input hook blocks', async () => {
    const { seam } = recordingSeam(true);
    const testApp = await createTestApp({ guardrails: seam });
    const response = await testApp.post('/v1/embeddings', { model: 'text-embedding-3-small', input: 'x' });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: 'guardrail_blocked' } });
    expect(testApp.upstream.calls).toHaveLength(0);
  });
});
