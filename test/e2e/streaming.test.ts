// Output guardrails on `stream: true`, end to end: the official client's streaming API against
// scripted upstream streams. PII and secrets split over tiny chunks come out redacted, a threat
// mid-stream ends with content_filter before its words are relayed, a clean answer is relayed
// byte for byte, tool-call arguments and each of n choices are guarded, upstream faults end the
// stream with an error event, and the deployment's stream mode is honoured.

import { describe, expect, it } from 'vitest';
import { ACME_KEY, useTestStack } from '../helpers/server.ts';

const stack = useTestStack();
const CREATED = 1_700_000_000;

/** Chat chunks carrying `text` in pieces of `size` characters, then a stop chunk. */
function chatChunks(text: string, size: number, options: { index?: number; usage?: boolean } = {}): unknown[] {
  const index = options.index ?? 0;
  const chunk = (delta: Record<string, unknown>, finish: string | null) => ({
    id: 'chatcmpl-s', object: 'chat.completion.chunk', created: CREATED, model: 'gpt-4o-mini',
    choices: [{ index, delta, logprobs: null, finish_reason: finish }],
  });
  const events: unknown[] = [chunk({ role: 'assistant', content: '' }, null)];
  for (let i = 0; i < text.length; i += size) events.push(chunk({ content: text.slice(i, i + size) }, null));
  events.push(chunk({}, 'stop'));
  if (options.usage) events.push({ id: 'chatcmpl-s', object: 'chat.completion.chunk', created: CREATED, model: 'gpt-4o-mini', choices: [], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } });
  return events;
}

async function streamed(headers: Record<string, string> = {}, extra: Record<string, unknown> = {}) {
  const client = stack.client(ACME_KEY, headers);
  const { data, response } = await client.chat.completions
    .create({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'go' }], ...extra })
    .withResponse();
  const chunks: Array<Record<string, any>> = [];
  for await (const chunk of data) chunks.push(chunk as unknown as Record<string, any>);
  const text = (index = 0) => chunks.flatMap((c) => c['choices'] as any[]).filter((c) => c.index === index).map((c) => c.delta?.content ?? '').join('');
  return { chunks, response, text };
}

const ANSWER = 'Sure. Write to jane.doe@example.com or call +1 415 555 0100; the key is AKIAIOSFODNN7EXAMPLE. Thanks!';

describe('streamed output guardrails', () => {
  for (const size of [1, 3, 5]) {
    it(`redacts PII and secrets split over ${size}-character chunks`, async () => {
      stack.upstream.scriptStream({ events: chatChunks(ANSWER, size) });
      const { text, response, chunks } = await streamed();
      expect(response.headers.get('x-guard-output')).toBe('moderated');
      const out = text();
      expect(out).not.toContain('jane.doe@example.com');
      expect(out).not.toContain('AKIAIOSFODNN7EXAMPLE');
      expect(out).not.toContain('555 0100');
      expect(out).toContain('[EMAIL]');
      expect(out.startsWith('Sure. Write to ')).toBe(true);
      expect(out.endsWith('Thanks!')).toBe(true);
      const report = chunks.find((c) => c['policy_detections'])?.['policy_detections'];
      expect(report?.output_guardrails?.summary).toBeDefined();
    });
  }

  it('ends a threat mid-stream with content_filter; its words never reach the client', async () => {
    const answer = `${'Here is a calm and friendly story about a garden. '.repeat(8)}Then he said: I will kill you tonight. ${'More text follows. '.repeat(20)}`;
    stack.upstream.scriptStream({ events: chatChunks(answer, 4, { usage: true }) });
    const { chunks, text } = await streamed({}, { stream_options: { include_usage: true } });
    expect(text()).not.toContain('kill');
    const last = chunks.filter((c) => (c['choices'] as any[]).length > 0).at(-1)!;
    expect(last['choices'][0].finish_reason).toBe('content_filter');
    expect(last['policy_detections'].output_guardrails.summary).toBeDefined();
    expect(stack.upstream.requests).toHaveLength(1);
  });

  it('aborts the upstream request once the answer is blocked', async () => {
    const events = chatChunks(`${'Fine words. '.repeat(30)}I will kill you. ${'x '.repeat(50)}`, 6);
    stack.upstream.scriptStream({ events, stallAfter: events.length - 1 });
    const aborted = stack.upstream.nextAbort();
    const { chunks } = await streamed({ 'x-guard-deployment': 'slow' });
    expect(chunks.at(-1)!['choices'][0].finish_reason).toBe('content_filter');
    await expect(aborted).resolves.toMatchObject({ path: '/v1/chat/completions' });
  });

  it('relays a clean answer byte for byte', async () => {
    const events = chatChunks('A perfectly ordinary answer about gardening, in several small pieces.', 7, { usage: true });
    stack.upstream.scriptStream({ events });
    const response = await fetch(`${stack.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ACME_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'go' }] }),
    });
    const expected = `${events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join('')}data: [DONE]\n\n`;
    expect(await response.text()).toBe(expected);
  });

  it('guards tool-call argument deltas, and passes clean ones intact', async () => {
    const call = (args: string, first: boolean) => ({
      id: 'chatcmpl-s', object: 'chat.completion.chunk', created: CREATED, model: 'gpt-4o-mini',
      choices: [{ index: 0, delta: { tool_calls: [{ index: 0, ...(first ? { id: 'call_1', type: 'function' } : {}), function: { ...(first ? { name: 'send' } : {}), arguments: args } }] }, logprobs: null, finish_reason: null }],
    });
    const stop = { id: 'chatcmpl-s', object: 'chat.completion.chunk', created: CREATED, model: 'gpt-4o-mini', choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'tool_calls' }] };
    const argsOf = (chunks: Array<Record<string, any>>) => chunks.flatMap((c) => c['choices']).map((c: any) => c.delta?.tool_calls?.[0]?.function?.arguments ?? '').join('');
    const pieces = (text: string) => [call('', true), ...Array.from({ length: Math.ceil(text.length / 3) }, (_, i) => call(text.slice(i * 3, i * 3 + 3), false)), stop];

    stack.upstream.scriptStream({ events: pieces('{"to":"jane.doe@example.com"}') });
    expect(argsOf((await streamed()).chunks)).toBe('{"to":"[EMAIL]"}');
    stack.upstream.scriptStream({ events: pieces('{"city":"Paris"}') });
    expect(argsOf((await streamed()).chunks)).toBe('{"city":"Paris"}');
  });

  it('guards each of n choices on its own', async () => {
    const events = [...chatChunks('Choice zero mails jane.doe@example.com here.', 2, { index: 0 }), ...chatChunks('Choice one is clean text.', 2, { index: 1 })];
    stack.upstream.scriptStream({ events });
    const { text } = await streamed({}, { n: 2 });
    expect(text(0)).toBe('Choice zero mails [EMAIL] here.');
    expect(text(1)).toBe('Choice one is clean text.');
  });

  it('ends with an error event when the upstream resets mid-stream', async () => {
    stack.upstream.scriptStream({ events: chatChunks('x'.repeat(400), 10), resetAfter: 5 });
    await expect(streamed()).rejects.toThrow(/upstream stream failed/i);
  });

  it('ends with an error event when the upstream goes idle', async () => {
    stack.upstream.scriptStream({ events: chatChunks('y'.repeat(100), 10), stallAfter: 3 });
    await expect(streamed({ 'x-guard-deployment': 'slow' })).rejects.toThrow(/sent nothing for 300 ms/);
  });

  it('placeholders split across chunks are restored', async () => {
    stack.upstream.scriptStream({ events: chatChunks('Reply to [EMAIL_1] soon.', 2) });
    const { text } = await streamed({ 'x-guard-deployment': 'placeholder' }, { messages: [{ role: 'user', content: 'mail jane.doe@example.com' }] });
    expect(text()).toBe('Reply to jane.doe@example.com soon.');
  });

  it('buffer mode checks the whole answer before anything is sent; refuse mode answers 400', async () => {
    stack.upstream.scriptStream({ events: chatChunks(ANSWER, 3) });
    const buffered = await streamed({ 'x-guard-deployment': 'stream-buffer' });
    expect(buffered.response.headers.get('x-guard-output')).toBe('buffered');
    expect(buffered.text()).not.toContain('jane.doe@example.com');
    expect(buffered.text()).toContain('[EMAIL]');

    const refused = await stack.postJson<{ error: { param: string; code: string } }>(
      '/v1/chat/completions',
      { model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'go' }] },
      { 'x-guard-deployment': 'stream-refuse' },
    );
    expect(refused.response.status).toBe(400);
    expect(refused.body.error).toMatchObject({ param: 'stream', code: 'stream_not_supported' });
  });

  it('guards streamed legacy completions too', async () => {
    const chunk = (text: string, finish: string | null) => ({ id: 'cmpl-s', object: 'text_completion', created: CREATED, model: 'gpt-3.5-turbo-instruct', choices: [{ index: 0, text, logprobs: null, finish_reason: finish }] });
    const text = 'Contact jane.doe@example.com for details.';
    stack.upstream.scriptStream({ events: [...Array.from({ length: Math.ceil(text.length / 2) }, (_, i) => chunk(text.slice(i * 2, i * 2 + 2), null)), chunk('', 'stop')] });
    const stream = await stack.client(ACME_KEY).completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: 'go', stream: true });
    let out = '';
    for await (const part of stream) out += part.choices[0]?.text ?? '';
    expect(out).toBe('Contact [EMAIL] for details.');
  });

  it('a soft_block under warn relays the text and reports the warning before the usage chunk', async () => {
    const answer = 'Well, you stupid idiot, that is simply wrong.';
    stack.upstream.scriptStream({ events: chatChunks(answer, 3, { usage: true }) });
    const { text, chunks } = await streamed({}, { stream_options: { include_usage: true } });
    expect(text()).toBe(answer);
    const reportAt = chunks.findIndex((c) => c['policy_detections']);
    expect(chunks[reportAt]!['choices']).toEqual([]);
    expect(chunks[reportAt]!['policy_detections'].output_guardrails.decision).toBe('soft_block');
    expect(chunks.at(-1)!['usage']).toBeDefined();
    expect(reportAt).toBe(chunks.length - 2);
  });

  it('guards a streamed answer on the Enkrypt alias too', async () => {
    stack.upstream.scriptStream({ events: chatChunks(ANSWER, 4) });
    const response = await fetch(`${stack.url}/ai-proxy/chat/completions`, {
      method: 'POST',
      headers: { apikey: ACME_KEY, 'x-enkrypt-deployment': 'main', 'content-type': 'application/json' },
      body: JSON.stringify({ stream: true, messages: [{ role: 'user', content: 'go' }] }),
    });
    const body = await response.text();
    expect(response.headers.get('x-guard-output')).toBe('moderated');
    expect(body).not.toContain('jane.doe@example.com');
    expect(body).toContain('enkrypt_policy_detections');
  });
});
