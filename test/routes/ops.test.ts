// The operator routes in memory: /healthz says nothing about tenants, /readyz reports every
// registered check (503 when one fails), /metrics needs the admin key and counts known requests.

import { describe, expect, it } from 'vitest';
import { sha256 } from '../../src/digest.ts';
import { createReadiness } from '../../src/ops/readiness.ts';
import { createProxyGuardrails } from '../../src/guardrails/proxy-guardrails.ts';
import { createPromMetrics } from '../../src/node/prom-metrics.ts';
import { createTestApp, echoChatCompletion, type UpstreamAnswer } from '../helpers/app.ts';
import { ACME_KEY, GLOBEX_KEY } from '../helpers/server.ts';

const ADMIN_KEY = 'admin-key-for-tests-0123';
const CHAT = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello there' }] };

/** The value of one sample line `name{labels} value`, or undefined. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const inside = line.slice(name.length + 1, line.lastIndexOf('}'));
    if (wanted.every((pair) => inside.split(',').includes(pair))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe('GET /readyz', () => {
  it('is ready with the policies loaded, and lists each check', async () => {
    const testApp = await createTestApp();
    const response = await testApp.app.request('/readyz');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', checks: { policies: { status: 'ok', reason: '2 tenant(s) loaded' } } });
  });

  it('answers 503 with the reason when a registered check fails, 200 when it is only degraded', async () => {
    const readiness = createReadiness();
    let state: 'degraded' | 'failing' = 'degraded';
    readiness.register('redis', () => ({ status: state, reason: `redis ${state}` }));
    const testApp = await createTestApp({ readiness });
    const degraded = await testApp.app.request('/readyz');
    expect(degraded.status).toBe(200);
    expect(await degraded.json()).toMatchObject({ status: 'degraded', checks: { redis: { status: 'degraded', reason: 'redis degraded' } } });
    state = 'failing';
    const failing = await testApp.app.request('/readyz');
    expect(failing.status).toBe(503);
    expect(await failing.json()).toMatchObject({ status: 'failing', checks: { redis: { reason: 'redis failing' }, policies: { status: 'ok' } } });
  });

  it('counts a check that throws as failing with its message', async () => {
    const readiness = createReadiness();
    readiness.register('model', () => {
      throw new Error('model file missing');
    });
    const testApp = await createTestApp({ readiness });
    const response = await testApp.app.request('/readyz');
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ checks: { model: { status: 'failing', reason: 'model file missing' } } });
  });
});

describe('GET /metrics', () => {
  it('is not served without an admin key configured', async () => {
    const testApp = await createTestApp({ metrics: createPromMetrics({ defaultMetrics: false }) });
    expect((await testApp.app.request('/metrics')).status).toBe(404);
  });

  it('refuses a tenant key and a wrong key', async () => {
    const testApp = await createTestApp({ metrics: createPromMetrics({ defaultMetrics: false }), adminKeyHash: sha256(ADMIN_KEY) });
    for (const key of [ACME_KEY, 'wrong']) {
      const response = await testApp.app.request('/metrics', { headers: { authorization: `Bearer ${key}` } });
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: { code: 'invalid_api_key' } });
    }
  });

  it('counts requests by route, status, tenant and deployment', async () => {
    const testApp = await createTestApp({ metrics: createPromMetrics({ defaultMetrics: false }), adminKeyHash: sha256(ADMIN_KEY) });
    for (let i = 0; i < 3; i++) expect((await testApp.post('/v1/chat/completions', CHAT)).status).toBe(200);
    expect((await testApp.post('/v1/chat/completions', CHAT, { authorization: `Bearer ${GLOBEX_KEY}` })).status).toBe(200);
    expect((await testApp.post('/v1/chat/completions', CHAT, { authorization: 'Bearer nope' })).status).toBe(401);
    expect((await testApp.get('/v1/nothing-here')).status).toBe(404);

    const response = await testApp.app.request('/metrics', { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    const acmeDeployment = testApp.policies.current().tenants.get('acme')!.defaultDeployment.name;
    const globexDeployment = testApp.policies.current().tenants.get('globex')!.defaultDeployment.name;
    const route = '/v1/chat/completions';
    expect(sample(text, 'guardrail_http_requests_total', { route, status: '200', tenant: 'acme', deployment: acmeDeployment })).toBe(3);
    expect(sample(text, 'guardrail_http_requests_total', { route, status: '200', tenant: 'globex', deployment: globexDeployment })).toBe(1);
    expect(sample(text, 'guardrail_http_requests_total', { route, status: '401', tenant: '' })).toBe(1);
    expect(sample(text, 'guardrail_http_requests_total', { route: 'unmatched', status: '404', tenant: 'acme' })).toBe(1);
    expect(sample(text, 'guardrail_http_request_duration_seconds_count', { route, status: '200', tenant: 'acme' })).toBe(3);
    expect(text).not.toContain('hello there');
  });

  it('times upstream calls by deployment, status class and stream: to the first byte and to the end of the body', async () => {
    const sse = 'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":null}]}\n\ndata: [DONE]\n\n';
    const upstream: UpstreamAnswer = (call) => {
      if (call.url.startsWith('https://unreachable.test/')) throw new TypeError('fetch failed');
      const body = call.body as { stream?: boolean; model?: string };
      if (body.stream) return new Response(sse, { headers: { 'content-type': 'text/event-stream' } });
      if (body.model === 'gpt-4o-broken') return Response.json({ error: { message: 'overloaded', type: 'server_error', param: null, code: null } }, { status: 503 });
      return echoChatCompletion(call);
    };
    const testApp = await createTestApp({ metrics: createPromMetrics({ defaultMetrics: false }), adminKeyHash: sha256(ADMIN_KEY), upstream });
    for (let i = 0; i < 2; i++) expect((await testApp.post('/v1/chat/completions', CHAT)).status).toBe(200);
    expect((await testApp.post('/v1/chat/completions', { ...CHAT, model: 'gpt-4o-broken' })).status).toBe(503);
    const streamed = await testApp.post('/v1/chat/completions', { ...CHAT, stream: true });
    expect(await streamed.text()).toContain('[DONE]');
    expect((await testApp.post('/v1/chat/completions', CHAT, { 'x-guard-deployment': 'unreachable' })).status).toBe(502);

    const text = await (await testApp.app.request('/metrics', { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).text();
    const duration = 'guardrail_upstream_duration_seconds_count';
    const firstByte = 'guardrail_upstream_first_byte_seconds_count';
    expect(sample(text, duration, { deployment: 'main', status_class: '2xx', stream: 'false' })).toBe(2);
    expect(sample(text, firstByte, { deployment: 'main', status_class: '2xx', stream: 'false' })).toBe(2);
    expect(sample(text, duration, { deployment: 'main', status_class: '5xx', stream: 'false' })).toBe(1);
    expect(sample(text, duration, { deployment: 'main', status_class: '2xx', stream: 'true' })).toBe(1);
    expect(sample(text, firstByte, { deployment: 'main', status_class: '2xx', stream: 'true' })).toBe(1);
    expect(sample(text, duration, { deployment: 'unreachable', status_class: 'unreachable', stream: 'false' })).toBe(1);
    // An error answer has no relayed body: no first byte.
    expect(sample(text, firstByte, { deployment: 'main', status_class: '5xx' })).toBeUndefined();
    expect(text).not.toContain('hello there');
  });

  it('counts decisions by category and action, stage latencies and classifier cache hits', async () => {
    const testApp = await createTestApp({ metrics: createPromMetrics({ defaultMetrics: false }), adminKeyHash: sha256(ADMIN_KEY), guardrails: createProxyGuardrails() });
    const threat = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'a plain line [violence=0.99]' }] };
    expect((await testApp.post('/v1/chat/completions', threat)).status).toBe(400);
    expect((await testApp.post('/v1/chat/completions', threat)).status).toBe(400);
    expect((await testApp.post('/v1/chat/completions', CHAT)).status).toBe(200);
    const text = await (await testApp.app.request('/metrics', { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).text();
    expect(sample(text, 'guardrail_guard_decisions_total', { direction: 'input', decision: 'block' })).toBe(2);
    expect(sample(text, 'guardrail_guard_decisions_total', { direction: 'input', decision: 'allow' })).toBe(1);
    expect(sample(text, 'guardrail_guard_decisions_total', { direction: 'output', decision: 'allow' })).toBe(1);
    expect(sample(text, 'guardrail_guard_detections_total', { direction: 'input', category: 'violence', action: 'block', enforced: 'true' })).toBe(2);
    expect(sample(text, 'guardrail_classifier_cache_lookups_total', { result: 'hit' })).toBe(1);
    expect(sample(text, 'guardrail_classifier_cache_lookups_total', { result: 'miss' })).toBe(3);
    expect(sample(text, 'guardrail_guard_stage_duration_seconds_count', { stage: 'prefilters', direction: 'input' })).toBe(3);
    expect(sample(text, 'guardrail_guard_stage_duration_seconds_count', { stage: 'classifier', direction: 'input' })).toBe(3);
    expect(text).not.toContain('a plain line');
  });
});
