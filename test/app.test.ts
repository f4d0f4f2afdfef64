// createApp in memory: /healthz, the 404 for unknown routes, onError (HttpError envelopes, a
// generic 500 for anything else), request ids, and the one access log line per request.

import { describe, expect, it } from 'vitest';
import { HttpError, INTERNAL_ERROR_ENVELOPE } from '../src/errors.ts';
import type { ProxyGuardrails } from '../src/guardrails/seam.ts';
import { ACME_KEY, UPSTREAM_KEY } from './helpers/server.ts';
import { createTestApp, type TestApp } from './helpers/app.ts';

const CHAT = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'my secret question' }] };

const failingSeam = (error: unknown): ProxyGuardrails => ({
  beforeUpstream: async () => {
    throw error;
  },
  afterUpstream: async (_ctx, body) => ({ body }),
});

const accessLines = (testApp: TestApp) => testApp.logger.records.filter((record) => record.message === 'request');

describe('routes outside the API', () => {
  it('answers /healthz without a key, naming no tenant and no policy version', async () => {
    const testApp = await createTestApp();
    const response = await testApp.app.request('/healthz');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('answers an unknown route with OpenAI’s 404 envelope', async () => {
    const testApp = await createTestApp();
    const response = await testApp.app.request('/nope', { method: 'DELETE' });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: { message: 'Invalid URL (DELETE /nope)', type: 'not_found_error', param: null, code: null } });
  });

  it('authenticates under /v1 before a wrong method gets its 404', async () => {
    const testApp = await createTestApp();
    expect((await testApp.app.request('/v1/chat/completions')).status).toBe(401);
    const response = await testApp.get('/v1/chat/completions');
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { message: 'Invalid URL (GET /v1/chat/completions)' } });
  });
});

describe('onError', () => {
  it('answers an unknown failure with the generic 500 envelope, logging only its description', async () => {
    const internal = new Error('connection string postgres://admin:hunter2@db/prod');
    const testApp = await createTestApp({ guardrails: failingSeam(internal) });
    const response = await testApp.post('/v1/chat/completions', CHAT, { 'x-request-id': 'boom-1' });
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual(INTERNAL_ERROR_ENVELOPE);
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('at ');
    const logged = testApp.logger.records.filter((record) => record.level === 'error');
    expect(logged).toEqual([{ level: 'error', message: 'unhandled error', fields: { requestId: 'boom-1', error: `Error: ${internal.message}` } }]);
    expect(JSON.stringify(logged)).not.toContain(internal.stack!.split('\n')[1]!.trim());
  });

  it('answers a thrown non-Error with the generic 500 envelope, an error line and the access line', async () => {
    const testApp = await createTestApp({ guardrails: failingSeam('just a string') });
    const response = await testApp.post('/v1/chat/completions', CHAT, { 'x-request-id': 'odd-1' });
    expect(response.status).toBe(500);
    expect(response.headers.get('x-request-id')).toBe('odd-1');
    expect(await response.json()).toEqual(INTERNAL_ERROR_ENVELOPE);
    expect(testApp.logger.records.filter((record) => record.level === 'error')).toMatchObject([{ message: 'unhandled error', fields: { requestId: 'odd-1' } }]);
    expect(accessLines(testApp)).toMatchObject([{ fields: { status: 500 } }]);
  });

  it('sends an HttpError’s envelope, status and headers, and warns about a 5xx with its code and cause', async () => {
    const cause = new RangeError('pool exhausted');
    const error = new HttpError(503, 'Try again later.', { code: 'busy', headers: { 'retry-after': '5' }, extensions: { hint: 'x' }, cause });
    const testApp = await createTestApp({ guardrails: failingSeam(error) });
    const response = await testApp.post('/v1/chat/completions', CHAT);
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(await response.json()).toEqual({ error: { message: 'Try again later.', type: 'api_error', param: null, code: 'busy' }, hint: 'x' });
    const warned = testApp.logger.records.filter((record) => record.level === 'warn');
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatchObject({ message: 'Try again later.', fields: { status: 503, code: 'busy', error: 'RangeError: pool exhausted' } });
  });

  it('does not warn about a client error', async () => {
    const testApp = await createTestApp({ guardrails: failingSeam(new HttpError(400, 'Blocked.')) });
    expect((await testApp.post('/v1/chat/completions', CHAT)).status).toBe(400);
    expect(testApp.logger.records.filter((record) => record.level !== 'info')).toEqual([]);
  });
});

describe('request ids and the access log', () => {
  it('logs one line per request with identities and figures', async () => {
    const testApp = await createTestApp();
    const response = await testApp.post('/v1/chat/completions', CHAT, { 'X-Guard-Tags': 'team:a' });
    const lines = accessLines(testApp);
    expect(lines).toHaveLength(1);
    expect(lines[0]!.level).toBe('info');
    expect(lines[0]!.fields).toEqual({
      requestId: response.headers.get('x-request-id'),
      method: 'POST',
      path: '/v1/chat/completions',
      status: 200,
      latencyMs: expect.any(Number),
      tenant: 'acme',
      deployment: 'main',
      model: 'gpt-4o-mini',
      stream: false,
      tags: ['team:a'],
    });
  });

  it('never logs a key or message text, whatever the outcome', async () => {
    const testApp = await createTestApp();
    await testApp.post('/v1/chat/completions', CHAT);
    await testApp.post('/v1/chat/completions', CHAT, { authorization: 'Bearer sk-client-typo-key' });
    await testApp.post('/v1/moderations', { input: 'my secret question' });
    const logged = JSON.stringify(testApp.logger.records);
    for (const secret of [ACME_KEY, UPSTREAM_KEY, 'sk-client-typo-key', 'my secret question', 'You said']) expect(logged).not.toContain(secret);
    expect(accessLines(testApp).map((line) => line.fields['status'])).toEqual([200, 401, 200]);
  });

  it('echoes a request id on errors too, and replaces an unsafe one', async () => {
    const testApp = await createTestApp();
    const refused = await testApp.app.request('/v1/models', { headers: { 'x-request-id': 'keep-me' } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('x-request-id')).toBe('keep-me');
    const missing = await testApp.app.request('/nope', { headers: { 'x-request-id': 'bad id\twith spaces' } });
    expect(missing.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(accessLines(testApp).map((line) => [line.fields['status'], line.fields['requestId']])).toEqual([
      [401, 'keep-me'],
      [404, missing.headers.get('x-request-id')],
    ]);
  });
});
