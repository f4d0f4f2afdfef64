// End to end: the official openai client → the real proxy on loopback → the fake upstream.

import { describe, expect, it } from 'vitest';
import { ACME_KEY, ACME_SECOND_KEY, UPSTREAM_KEY, useTestStack } from '../helpers/server.ts';

const stack = useTestStack();

describe('chat completions', () => {
  it('forwards a chat request with the deployment key and returns the upstream answer', async () => {
    const client = stack.client(ACME_KEY);
    const answer = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'hello there' },
      ],
      temperature: 0.2,
    });
    expect(answer.choices[0]?.message.content).toBe('You said: hello there');
    expect(answer.object).toBe('chat.completion');

    const received = stack.upstream.requests.at(-1)!;
    expect(received.path).toBe('/v1/chat/completions');
    expect(received.headers['authorization']).toBe(`Bearer ${UPSTREAM_KEY}`);
    expect(received.body).toMatchObject({ model: 'gpt-4o-mini', temperature: 0.2 });
  });

  it('forwards unknown fields untouched', async () => {
    const client = stack.client(ACME_KEY);
    await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
      // @ts-expect-error a field the SDK does not know
      vendor_extension: { keep: ['me', 1] },
    });
    expect(stack.upstream.requests.at(-1)!.body).toMatchObject({ vendor_extension: { keep: ['me', 1] } });
  });

  it('accepts any of several comma-separated keys from one env variable', async () => {
    const answer = await stack.client(ACME_SECOND_KEY).chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] });
    expect(answer.choices[0]?.message.content).toBe('You said: x');
  });

  it('relays a stream as SSE, including the usage chunk', async () => {
    const client = stack.client(ACME_KEY);
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'stream this please' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: unknown = null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('You said: stream this please');
    expect(usage).toMatchObject({ total_tokens: expect.any(Number) });
    expect(stack.upstream.requests.at(-1)!.headers['accept']).toBe('text/event-stream');
  });

  it('uses the override model of a forcing deployment', async () => {
    const client = stack.client(ACME_KEY, { 'X-Guard-Deployment': 'forced' });
    await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
    expect(stack.upstream.requests.at(-1)!.body).toMatchObject({ model: 'gpt-4o-mini' });
  });

  it('refuses a model outside the allow-list with OpenAI’s model_not_found', async () => {
    const error = await stack
      .client(ACME_KEY)
      .chat.completions.create({ model: 'o1-preview', messages: [{ role: 'user', content: 'hi' }] })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 404, code: 'model_not_found', param: 'model' });
    expect(stack.upstream.requests).toHaveLength(0);
  });
});
