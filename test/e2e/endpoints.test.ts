// End to end for the other routes: legacy completions, models, embeddings, the Enkrypt alias,
// request ids, and the guardrail seam's headers and extensions reaching the client.

import { beforeEach, describe, expect, it } from 'vitest';
import { HttpError } from '../../src/errors.ts';
import type { ProxyGuardrails } from '../../src/guardrails/seam.ts';
import { ACME_KEY, useTestStack } from '../helpers/server.ts';

const seen: { endpoint: string; tags: string[]; stream: boolean; deployment: string }[] = [];
const recordingGuardrails: ProxyGuardrails = {
  async beforeUpstream(ctx, body) {
    seen.push({ endpoint: ctx.endpoint, tags: ctx.tags, stream: ctx.stream, deployment: ctx.deployment.name });
    if (JSON.stringify(body).includes('BLOCK-ME')) {
      throw new HttpError(400, 'Blocked by input guardrails.', { code: 'guardrail_blocked', extensions: { policy_detections: { input: ['test'] } } });
    }
    return { body, state: 'from-input', headers: { 'x-guard-input': 'checked' }, extensions: { guard_input: { passed: true } } };
  },
  async afterUpstream(_ctx, body, input) {
    return { body: { ...body, guard_output: { state: String(input.state) } }, headers: { 'x-guard-output': 'checked' } };
  },
};

const stack = useTestStack({ guardrails: recordingGuardrails });
beforeEach(() => {
  seen.length = 0;
});

describe('legacy completions', () => {
  it('forwards a plain completion', async () => {
    const answer = await stack.client(ACME_KEY).completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: 'complete me' });
    expect(answer.choices[0]?.text).toBe('You said: complete me');
    expect(seen[0]).toMatchObject({ endpoint: 'completions', stream: false });
  });

  it('relays a streamed completion', async () => {
    const stream = await stack.client(ACME_KEY).completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: 'go on', stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.text ?? '';
    expect(text).toBe('You said: go on');
    expect(seen[0]).toMatchObject({ endpoint: 'completions', stream: true });
  });
});

describe('models', () => {
  it('lists only the models the deployment allows', async () => {
    const ids: string[] = [];
    for await (const model of stack.client(ACME_KEY).models.list()) ids.push(model.id);
    expect(ids.sort()).toEqual(['gpt-3.5-turbo-instruct', 'gpt-4o', 'gpt-4o-mini', 'text-embedding-3-small']);
  });

  it('lists just the forced model of an override deployment', async () => {
    const ids: string[] = [];
    for await (const model of stack.client(ACME_KEY, { 'X-Guard-Deployment': 'forced' }).models.list()) ids.push(model.id);
    expect(ids).toEqual(['gpt-4o-mini']);
  });

  it('retrieves an allowed model and 404s one outside the allow-list without asking upstream', async () => {
    const client = stack.client(ACME_KEY, { 'X-Guard-Deployment': 'forced' });
    expect((await client.models.retrieve('gpt-4o-mini')).id).toBe('gpt-4o-mini');
    const error = await client.models.retrieve('gpt-4o').catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 404, code: 'model_not_found' });
    expect(stack.upstream.requests.map((request) => request.path)).toEqual(['/v1/models/gpt-4o-mini']);
  });
});

describe('embeddings', () => {
  it('returns vectors through the SDK (which asks for base64 and decodes it)', async () => {
    const answer = await stack.client(ACME_KEY).embeddings.create({ model: 'text-embedding-3-small', input: ['one', 'two'] });
    expect(answer.data).toHaveLength(2);
    expect(answer.data[0]?.embedding).toHaveLength(8);
    expect(stack.upstream.requests.at(-1)!.body).toMatchObject({ input: ['one', 'two'] });
  });

  it('returns float vectors when asked', async () => {
    const answer = await stack.client(ACME_KEY).embeddings.create({ model: 'text-embedding-3-small', input: 'abc', encoding_format: 'float' });
    expect(answer.data[0]?.embedding.every((value) => typeof value === 'number')).toBe(true);
  });
});

describe('Enkrypt alias POST /ai-proxy/chat/completions', () => {
  it('accepts X-Enkrypt-* headers, the apikey header and a body without model', async () => {
    const response = await fetch(`${stack.proxy.url}/ai-proxy/chat/completions`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        apikey: ACME_KEY,
        'X-Enkrypt-Deployment': 'main',
        'X-Enkrypt-Tags': 'openai-testing,unit-testing',
        'X-Enkrypt-Refresh-Cache': 'false',
      },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { choices: { message: { content: string } }[] };
    expect(body.choices[0]?.message.content).toBe('You said: hi');
    expect(stack.upstream.requests.at(-1)!.body).toMatchObject({ model: 'gpt-4o-mini' });
    expect(seen[0]).toMatchObject({ endpoint: 'chat.completions', deployment: 'main', tags: ['openai-testing', 'unit-testing'] });
  });
});

describe('request ids and the guardrail seam', () => {
  it('keeps a sane client x-request-id, echoes it, forwards it upstream and logs it', async () => {
    const { response } = await stack
      .client(ACME_KEY, { 'x-request-id': 'req-test-123', 'X-Guard-Tags': 'team-a, exp.7' })
      .chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'id please' }] })
      .withResponse();
    expect(response.headers.get('x-request-id')).toBe('req-test-123');
    expect(stack.upstream.requests.at(-1)!.headers['x-request-id']).toBe('req-test-123');
    const line = stack.logLines.map((text) => JSON.parse(text) as Record<string, unknown>).find((entry) => entry['requestId'] === 'req-test-123' && entry['msg'] === 'request');
    expect(line).toMatchObject({ tenant: 'acme', deployment: 'main', status: 200, tags: ['team-a', 'exp.7'] });
  });

  it('replaces an unsafe request id with a generated one', async () => {
    const response = await fetch(`${stack.baseURL}/models`, { headers: { authorization: `Bearer ${ACME_KEY}`, 'x-request-id': 'bad id <script>' } });
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('passes guardrail headers and extensions to the client', async () => {
    const { data, response } = await stack
      .client(ACME_KEY)
      .chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();
    expect(response.headers.get('x-guard-input')).toBe('checked');
    expect(response.headers.get('x-guard-output')).toBe('checked');
    expect(data).toMatchObject({ guard_input: { passed: true }, guard_output: { state: 'from-input' } });
  });

  it('lets the input hook block with an HttpError envelope and never calls upstream', async () => {
    const response = await fetch(`${stack.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ACME_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'BLOCK-ME' }] }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: { message: 'Blocked by input guardrails.', type: 'invalid_request_error', param: null, code: 'guardrail_blocked' },
      policy_detections: { input: ['test'] },
    });
    expect(stack.upstream.requests).toHaveLength(0);
  });
});
