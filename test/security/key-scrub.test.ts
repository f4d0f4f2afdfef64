// An upstream that echoes its key (whole, or any 8+ character run of it) in an error: the client,
// through the official SDK and raw, and the proxy's log never see a run of it, non-streamed or
// streamed, before the stream starts or inside it.

import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { MIN_RUN } from '../../src/logging/key-scrub.ts';
import { ACME_KEY, UPSTREAM_KEY, useTestStack } from '../helpers/server.ts';

const stack = useTestStack();

/** The runs of the upstream key found in `text`. */
function keyRuns(text: string): string[] {
  const runs: string[] = [];
  for (let i = 0; i + MIN_RUN <= UPSTREAM_KEY.length; i += 1) {
    const run = UPSTREAM_KEY.slice(i, i + MIN_RUN);
    if (text.includes(run)) runs.push(run);
  }
  return runs;
}

const ECHO = `Incorrect API key provided: ${UPSTREAM_KEY}. Did you mean ${UPSTREAM_KEY.slice(0, 8)} or x${UPSTREAM_KEY.slice(9, 21)}y?`;
const ECHO_ERROR = { error: { message: ECHO, type: `invalid_request_error ${UPSTREAM_KEY.slice(-9)}`, param: UPSTREAM_KEY.slice(4, 13), code: 'invalid_api_key' } };

async function sdkError(call: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  const error = await call.then(() => null, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(OpenAI.APIError);
  return error as InstanceType<typeof OpenAI.APIError>;
}

async function rawChat(body: Record<string, unknown>): Promise<{ status: number; text: string }> {
  const response = await fetch(`${stack.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ACME_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }], ...body }),
  });
  return { status: response.status, text: await response.text() };
}

describe('upstream key runs in relayed errors', () => {
  it('scrubs a non-streamed error envelope (SDK and raw) and the log', async () => {
    for (const status of [400, 404, 429, 500]) {
      stack.upstream.forceError({ status, body: ECHO_ERROR });
      const error = await sdkError(stack.client(ACME_KEY).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] }, { maxRetries: 0 }));
      expect(error.status).toBe(status);
      expect(error.message).toContain('Incorrect API key provided: [REDACTED]');
      expect(keyRuns(`${error.message} ${JSON.stringify(error.error)}`)).toEqual([]);
      const raw = await rawChat({});
      expect(raw.status).toBe(status);
      expect(keyRuns(raw.text)).toEqual([]);
    }
    expect(stack.upstream.requests.length).toBeGreaterThan(0);
    expect(keyRuns(stack.logLines.join('\n'))).toEqual([]);
  });

  it('scrubs an error answered to a stream request before it starts', async () => {
    stack.upstream.forceError({ status: 400, body: ECHO_ERROR });
    const error = await sdkError(stack.client(ACME_KEY).chat.completions.create({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hello' }] }, { maxRetries: 0 }));
    expect(error.status).toBe(400);
    expect(keyRuns(`${error.message} ${JSON.stringify(error.error)}`)).toEqual([]);
  });

  it('scrubs an error event inside a stream', async () => {
    const events = [
      { id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta: { role: 'assistant', content: 'Hi' }, finish_reason: null }] },
      ECHO_ERROR,
    ];
    stack.upstream.scriptStream({ events });
    const stream = await stack.client(ACME_KEY).chat.completions.create({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hello' }] }, { maxRetries: 0 });
    const error = await sdkError((async () => {
      for await (const _chunk of stream) void _chunk;
    })());
    expect(error.message).toContain('[REDACTED]');
    expect(keyRuns(`${error.message} ${JSON.stringify(error.error)}`)).toEqual([]);
    stack.upstream.scriptStream({ events });
    const raw = await rawChat({ stream: true });
    expect(raw.text).toContain('Incorrect API key provided: [REDACTED]');
    expect(keyRuns(raw.text)).toEqual([]);
    expect(keyRuns(stack.logLines.join('\n'))).toEqual([]);
  });
});
