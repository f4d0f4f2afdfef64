// End to end: every failure a client can meet comes back as OpenAI's envelope with the right
// status, and a client that hangs up mid-stream makes the proxy abort the upstream request.

import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { ACME_KEY, useTestStack } from '../helpers/server.ts';

const stack = useTestStack({ limits: { maxBodyBytes: 2048 } });

function post(path: string, body: string, headers: Record<string, string> = {}) {
  return fetch(`${stack.baseURL}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ACME_KEY}`, 'content-type': 'application/json', ...headers },
    body,
  });
}

async function expectEnvelope(response: Response, status: number, error: Record<string, unknown>) {
  expect(response.status).toBe(status);
  const body = (await response.json()) as { error: Record<string, unknown> };
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
  expect(body.error).toMatchObject(error);
  return body;
}

describe('request errors', () => {
  it('reports a validation failure through the SDK with param set', async () => {
    const error = await stack
      .client(ACME_KEY)
      .chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], temperature: 3 })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error).toMatchObject({ status: 400, param: 'temperature', type: 'invalid_request_error' });
    expect(stack.upstream.requests).toHaveLength(0);
  });

  it('names the nested path of a bad message part', async () => {
    const body = JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b' }, { role: 'user', content: [{ type: 'text', text: 7 }] }] });
    await expectEnvelope(await post('/chat/completions', body), 400, { param: 'messages[2].content[0].text', code: null });
  });

  it('validates legacy completions and embeddings too', async () => {
    await expectEnvelope(await post('/completions', JSON.stringify({ model: 'gpt-3.5-turbo-instruct' })), 400, { param: 'prompt' });
    await expectEnvelope(await post('/embeddings', JSON.stringify({ model: 'text-embedding-3-small', input: [] })), 400, { param: 'input' });
  });

  it('answers malformed JSON and non-object JSON with 400', async () => {
    await expectEnvelope(await post('/chat/completions', '{"model": "gpt-4o", '), 400, { type: 'invalid_request_error', param: null });
    await expectEnvelope(await post('/chat/completions', '[1,2]'), 400, { type: 'invalid_request_error' });
  });

  it('answers a body over the limit with 413', async () => {
    const big = JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x'.repeat(5000) }] });
    await expectEnvelope(await post('/chat/completions', big), 413, { code: 'request_too_large' });
  });

  it('answers an unknown route with the 404 envelope', async () => {
    await expectEnvelope(await post('/nothing/here', '{}'), 404, { type: 'not_found_error' });
  });
});

describe('upstream errors', () => {
  it('relays an upstream 429 with its envelope and Retry-After', async () => {
    stack.upstream.forceError({
      status: 429,
      body: { error: { message: 'Rate limit reached for requests', type: 'requests', param: null, code: 'rate_limit_exceeded' } },
      headers: { 'retry-after': '7' },
    });
    const error = await stack.client(ACME_KEY).chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(error).toMatchObject({ status: 429, code: 'rate_limit_exceeded', type: 'requests' });
    expect((error as InstanceType<typeof OpenAI.APIError>).headers?.get('retry-after')).toBe('7');
  });

  it('wraps a non-JSON upstream 503 in our envelope, keeping the status', async () => {
    stack.upstream.forceError({ status: 503, body: '<html>down for maintenance</html>' });
    const body = await expectEnvelope(await post('/chat/completions', JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] })), 503, { code: 'upstream_error' });
    expect(JSON.stringify(body)).not.toContain('html');
  });

  it('answers 502 when the upstream cannot be reached', async () => {
    const response = await post('/chat/completions', JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }), { 'x-guard-deployment': 'unreachable' });
    await expectEnvelope(response, 502, { code: 'upstream_unreachable', type: 'upstream_error' });
  });

  it('answers 504 when the upstream exceeds the deployment timeout', async () => {
    stack.upstream.delayResponses(3_000);
    const aborted = stack.upstream.nextAbort();
    const response = await post('/chat/completions', JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }), { 'x-guard-deployment': 'slow' });
    await expectEnvelope(response, 504, { code: 'upstream_timeout', type: 'timeout_error' });
    // The timed-out upstream request is not left running.
    expect((await aborted).path).toBe('/v1/chat/completions');
  });
});

describe('client disconnect', () => {
  it('aborts the upstream request when the client leaves mid-stream', async () => {
    stack.upstream.streamForever(true);
    const aborted = stack.upstream.nextAbort();
    const controller = new AbortController();
    const stream = await stack
      .client(ACME_KEY)
      .chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'tell me everything' }], stream: true }, { signal: controller.signal });
    let chunks = 0;
    for await (const _chunk of stream) {
      chunks += 1;
      if (chunks === 3) {
        controller.abort();
        break;
      }
    }
    expect(chunks).toBe(3);
    const request = await aborted;
    expect(request.body).toMatchObject({ stream: true });
  });
});
