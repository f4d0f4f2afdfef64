// Authentication off (no tenant has a proxy key: the shipped tenant without PROXY_API_KEYS), through
// the real server: a cross-site `text/plain` or form POST is refused with 415 and a request whose
// Host is not loopback (DNS rebinding) with 421, before anything is forwarded with the upstream
// key; the official client on 127.0.0.1 is served. With authentication on, neither rule applies.

import { request as httpRequest } from 'node:http';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ACME_KEY, useTestStack, type TestStack } from '../helpers/server.ts';

const SHIPPED_POLICIES = fileURLToPath(new URL('../../policies', import.meta.url));
const CHAT = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] });

/** A raw HTTP/1.1 request, so the Host header can be anything (fetch always sends the URL's). */
function send(stack: TestStack, options: { method: string; path: string; host: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; body: string }> {
  const url = new URL(stack.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method: options.method, path: options.path, headers: { host: options.host, ...options.headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('authentication off', () => {
  const stack = useTestStack({ policyDir: SHIPPED_POLICIES });

  it('serves the official client on loopback', async () => {
    expect(stack.proxy.policies.current().authEnabled).toBe(false);
    const completion = await stack.client('any-key').chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] });
    expect(completion.choices[0]!.message.content).toBe('You said: hello');
    for (const host of ['localhost', `localhost:${new URL(stack.url).port}`, '[::1]:80', '127.0.0.1']) {
      const answer = await send(stack, { method: 'POST', path: '/v1/chat/completions', host, headers: { 'content-type': 'application/json' }, body: CHAT });
      expect(answer.status, host).toBe(200);
    }
  });

  it('refuses a cross-site text/plain or form POST with 415, forwarding nothing', async () => {
    const host = new URL(stack.url).host;
    for (const type of ['text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const answer = await send(stack, { method: 'POST', path: '/v1/chat/completions', host, headers: { 'content-type': type }, body: CHAT });
      expect(answer.status, type).toBe(415);
      expect(JSON.parse(answer.body)).toEqual({ error: { message: expect.stringContaining('application/json'), type: 'invalid_request_error', param: null, code: 'unsupported_media_type' } });
    }
    expect(stack.upstream.requests).toHaveLength(0);
  });

  it('refuses a non-loopback Host (DNS rebinding) with 421, forwarding nothing', async () => {
    for (const host of ['rebind.attacker.example', 'rebind.attacker.example:8080', '127.0.0.1.nip.io', '10.0.0.7']) {
      const answer = await send(stack, { method: 'POST', path: '/v1/chat/completions', host, headers: { 'content-type': 'application/json' }, body: CHAT });
      expect(answer.status, host).toBe(421);
      expect(JSON.parse(answer.body)).toMatchObject({ error: { type: 'invalid_request_error', code: 'misdirected_request' } });
      expect((await send(stack, { method: 'GET', path: '/v1/models', host })).status).toBe(421);
    }
    expect(stack.upstream.requests).toHaveLength(0);
  });
});

describe('authentication on', () => {
  const stack = useTestStack();

  it('leaves content types and Host to the proxy key, as before', async () => {
    expect(stack.proxy.policies.current().authEnabled).toBe(true);
    const plain = await send(stack, { method: 'POST', path: '/v1/chat/completions', host: 'proxy.internal.example', headers: { authorization: `Bearer ${ACME_KEY}`, 'content-type': 'text/plain' }, body: CHAT });
    expect(plain.status).toBe(200);
    expect(JSON.parse(plain.body).choices[0].message.content).toBe('You said: hello');
    const keyless = await send(stack, { method: 'POST', path: '/v1/chat/completions', host: 'rebind.attacker.example', headers: { 'content-type': 'text/plain' }, body: CHAT });
    expect(keyless.status).toBe(401);
  });
});
