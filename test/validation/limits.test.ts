// Count limits on messages, content parts and moderation inputs: OpenAI's 400 envelope with the
// offending `param`, checked before anything goes upstream or reaches the classifier, and
// configurable through the app's limits.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { ACME_KEY } from '../helpers/server.ts';

const message = (i: number) => ({ role: 'user', content: `message ${i}` });

/** POSTs a chat body as written (escaped or duplicated keys JSON.stringify would not write). */
const postText = (testApp: TestApp, body: string) =>
  testApp.app.request('/v1/chat/completions', { method: 'POST', headers: { authorization: `Bearer ${ACME_KEY}`, 'content-type': 'application/json' }, body });

describe('count limits', () => {
  afterEach(() => vi.restoreAllMocks());

  it('refuses more messages than OpenAI allows (2,048) with its envelope and param "messages"', async () => {
    const testApp = await createTestApp();
    const response = await testApp.post('/v1/chat/completions', { model: 'gpt-4o-mini', messages: Array.from({ length: 30_000 }, (_, i) => message(i)) });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: {
        message: "Invalid 'messages': array too long. Expected an array with maximum length 2048, but got an array with length 30000 instead.",
        type: 'invalid_request_error',
        param: 'messages',
        code: 'array_above_max_length',
      },
    });
    expect(testApp.upstream.calls).toHaveLength(0);
    expect(testApp.classifier.batches).toHaveLength(0);
  });

  it('accepts 2,048 messages', async () => {
    const testApp = await createTestApp();
    const response = await testApp.post('/v1/chat/completions', { model: 'gpt-4o-mini', messages: Array.from({ length: 2048 }, (_, i) => message(i)) });
    expect(response.status).toBe(200);
  });

  it('refuses more content parts across the messages than the limit, naming the message where the count ran over', async () => {
    const testApp = await createTestApp({ limits: { maxContentParts: 10 } });
    const parts = (n: number) => Array.from({ length: n }, (_, i) => ({ type: 'text', text: `part ${i}` }));
    const response = await testApp.post('/v1/chat/completions', {
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: parts(6) }, { role: 'assistant', content: 'ok' }, { role: 'user', content: parts(5) }],
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { type: 'invalid_request_error', param: 'messages[2].content', code: 'array_above_max_length' } });
    expect(testApp.upstream.calls).toHaveLength(0);
    const within = await testApp.post('/v1/chat/completions', { model: 'gpt-4o-mini', messages: [{ role: 'user', content: parts(10) }] });
    expect(within.status).toBe(200);
  });

  it('refuses a 50,000-part message under the default limit before validating a part', async () => {
    const testApp = await createTestApp();
    // Not even valid parts: the count is checked first, so no schema walks 50,000 entries.
    const response = await testApp.post('/v1/chat/completions', { model: 'gpt-4o-mini', messages: [{ role: 'user', content: Array.from({ length: 50_000 }, () => ({ type: 'nope' })) }] });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { param: 'messages[0].content', code: 'array_above_max_length' } });
  });

  it('refuses more moderation inputs than the limit (default 2,048, OpenAI’s), configurable', async () => {
    const testApp = await createTestApp();
    const over = await testApp.post('/v1/moderations', { input: Array.from({ length: 2049 }, (_, i) => `text ${i}`) });
    expect(over.status).toBe(400);
    expect(await over.json()).toMatchObject({ error: { type: 'invalid_request_error', param: 'input', code: 'array_above_max_length' } });
    expect(testApp.classifier.batches).toHaveLength(0);

    const small = await createTestApp({ limits: { maxModerationInputs: 3 } });
    const refused = await small.post('/v1/moderations', { input: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }, { type: 'text', text: 'c' }, { type: 'text', text: 'd' }] });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: { param: 'input', message: expect.stringContaining('maximum length 3') } });
    const accepted = await small.post('/v1/moderations', { input: ['a', 'b', 'c'] });
    expect(accepted.status).toBe(200);
  });

  it('counts on the body text, before JSON.parse builds the body', async () => {
    const testApp = await createTestApp();
    const parse = vi.spyOn(JSON, 'parse');
    const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: Array.from({ length: 50_000 }, (_, i) => ({ type: 'text', text: `part ${i}` })) }] });
    const response = await testApp.post('/v1/chat/completions', JSON.parse(body));
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { param: 'messages[0].content', code: 'array_above_max_length' } });
    // The one parse of the body text is the test's own, above; the app parsed no text that long.
    expect(parse.mock.calls.filter(([text]) => typeof text === 'string' && text.length >= body.length)).toHaveLength(1);
  });

  it('reads an escaped key as JSON does: "mess\\u0061ges" is counted as messages', async () => {
    const testApp = await createTestApp();
    const messages = JSON.stringify(Array.from({ length: 3000 }, (_, i) => message(i)));
    const response = await postText(testApp, `{"model":"gpt-4o-mini","mess\\u0061ges":${messages}}`);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { param: 'messages', code: 'array_above_max_length' } });
    expect(testApp.upstream.calls).toHaveLength(0);
  });

  it('refuses a duplicated key when any of its occurrences is over the limit', async () => {
    const testApp = await createTestApp();
    const messages = JSON.stringify(Array.from({ length: 3000 }, (_, i) => message(i)));
    // JSON.parse keeps the last; an upstream's parser may keep the first.
    const response = await postText(testApp, `{"model":"gpt-4o-mini","messages":${messages},"messages":[{"role":"user","content":"hi"}]}`);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { param: 'messages', code: 'array_above_max_length' } });
  });
});
