// End to end: proxy-key authentication, tenant isolation, and secrets that must never cross the
// proxy (the client's key upstream; the upstream key to a client or into the logs).

import { describe, expect, it } from 'vitest';
import { ACME_KEY, ACME_SECOND_KEY, GLOBEX_KEY, UPSTREAM_KEY, useTestStack, type TestStack } from '../helpers/server.ts';

const stack = useTestStack();

const chat = (client: ReturnType<TestStack['client']>) =>
  client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });

describe('authentication', () => {
  it('answers a missing key with 401 invalid_api_key', async () => {
    const response = await fetch(`${stack.baseURL}/models`);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { type: 'authentication_error', code: 'invalid_api_key', param: null } });
  });

  it('answers a wrong key with 401 through the SDK', async () => {
    const error = await chat(stack.client('not-a-real-key')).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 401, code: 'invalid_api_key' });
    expect(stack.upstream.requests).toHaveLength(0);
  });

  it('authenticates a tenant whose key is stored only as a sha256 digest', async () => {
    const answer = await chat(stack.client(GLOBEX_KEY));
    expect(answer.choices[0]?.message.content).toBe('You said: hi');
  });
});

describe('tenant isolation', () => {
  it("gives another tenant's deployment exactly the same 404 as an unknown one", async () => {
    const foreign = await chat(stack.client(ACME_KEY, { 'X-Guard-Deployment': 'globex-private' })).catch((caught: unknown) => caught);
    const unknown = await chat(stack.client(ACME_KEY, { 'X-Guard-Deployment': 'no-such-thing' })).catch((caught: unknown) => caught);
    expect(foreign).toMatchObject({ status: 404, code: 'deployment_not_found' });
    expect(unknown).toMatchObject({ status: 404, code: 'deployment_not_found' });
    const shape = (error: unknown) => String((error as Error).message).replace(/'[^']*'/, "'X'");
    expect(shape(foreign)).toBe(shape(unknown));
    expect(stack.upstream.requests).toHaveLength(0);
  });

  it('keeps each tenant on its own deployments', async () => {
    const error = await chat(stack.client(GLOBEX_KEY, { 'X-Guard-Deployment': 'main' })).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 404, code: 'deployment_not_found' });
    await chat(stack.client(GLOBEX_KEY, { 'X-Guard-Deployment': 'globex-private' }));
    expect(stack.upstream.requests).toHaveLength(1);
  });
});

describe('secrets', () => {
  it('never forwards the proxy key, cookies or X-Guard/X-Enkrypt headers upstream', async () => {
    await chat(stack.client(ACME_KEY, { cookie: 'session=abc', 'X-Guard-Tags': 'a', 'X-Enkrypt-Tags': 'b', 'OpenAI-Organization': 'org-client' }));
    const received = stack.upstream.requests.at(-1)!;
    expect(JSON.stringify(received)).not.toContain(ACME_KEY);
    expect(received.headers['authorization']).toBe(`Bearer ${UPSTREAM_KEY}`);
    const names = Object.keys(received.headers);
    expect(names.filter((name) => /^(cookie|x-guard-|x-enkrypt-|openai-organization)/.test(name))).toEqual([]);
  });

  it('turns an upstream 401 (bad deployment key) into a 502 that does not echo the key', async () => {
    const response = await fetch(`${stack.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ACME_KEY}`, 'content-type': 'application/json', 'x-guard-deployment': 'wrong-key' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(502);
    const text = await response.text();
    expect(JSON.parse(text)).toMatchObject({ error: { code: 'upstream_auth_failed' } });
    expect(text).not.toMatch(/sk-wro|0000/);
  });

  it('keeps every key out of responses and logs', async () => {
    const response = await fetch(`${stack.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ACME_SECOND_KEY}`, 'content-type': 'application/json', 'x-guard-refresh-cache': 'true' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'secret message text' }] }),
    });
    const raw = JSON.stringify([...response.headers]) + (await response.text());
    await chat(stack.client('wrong-key-attempt-xyz')).catch(() => undefined);
    stack.upstream.forceError({ status: 500, body: { error: { message: 'boom', type: 'server_error', param: null, code: null } } });
    await chat(stack.client(ACME_KEY)).catch(() => undefined);

    const logs = stack.logLines.join('\n');
    expect(logs).toContain('"msg":"request"');
    for (const secret of [UPSTREAM_KEY, ACME_KEY, ACME_SECOND_KEY, 'wrong-key-attempt-xyz']) {
      expect(raw).not.toContain(secret);
      expect(logs).not.toContain(secret);
    }
    expect(logs).not.toContain('secret message text');
  });
});
