// Rate limits through the whole app in memory: per key, per tenant and per deployment buckets for
// requests and tokens, OpenAI's 429 envelope and x-ratelimit-* headers, the token estimate
// corrected by the upstream's usage, /v1/moderations counted, refill over time.

import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/digest.ts';
import { createPromMetrics } from '../../src/node/prom-metrics.ts';
import type { Metrics } from '../../src/ops/metrics.ts';
import { createMemoryRateLimiter } from '../../src/ratelimit/memory.ts';
import { staticPolicySource } from '../../src/policy/store.ts';
import { createTestApp, echoChatCompletion, type UpstreamAnswer } from '../helpers/app.ts';
import { shippedProfileFiles } from '../helpers/policy-files.ts';

const KEY_A = 'limited-key-a-0123456789';
const KEY_B = 'limited-key-b-0123456789';
const KEY_VIP = 'limited-key-vip-0123456789';

function limitedTenant(rateLimits: string, deploymentLimits = ''): string {
  return `tenant: limited
api_keys:
  - sha256:${sha256Hex(KEY_A)}
  - sha256:${sha256Hex(KEY_B)}
  - sha256:${sha256Hex(KEY_VIP)}
default_deployment: main
deployments:
  - name: main
    upstream: { base_url: https://upstream.test/v1 }
    models: { default: gpt-4o-mini }
  - name: capped
    upstream: { base_url: https://upstream.test/v1 }
${deploymentLimits}
rate_limits:
${rateLimits}
`;
}

/** Echo answers reporting `usage.total_tokens` as given. */
const answerWithUsage =
  (totalTokens: number): UpstreamAnswer =>
  async (call) => {
    const body = (await (await echoChatCompletion(call)).json()) as Record<string, unknown>;
    return Response.json({ ...body, usage: { prompt_tokens: totalTokens - 1, completion_tokens: 1, total_tokens: totalTokens } });
  };

async function limitedApp(options: { rateLimits: string; deploymentLimits?: string; upstream?: UpstreamAnswer; now?: () => number; metrics?: Metrics }) {
  const files = [{ path: 'tenants/limited.yaml', content: limitedTenant(options.rateLimits, options.deploymentLimits) }, ...shippedProfileFiles()];
  const testApp = await createTestApp({
    source: staticPolicySource(files),
    upstream: options.upstream,
    rateLimiter: createMemoryRateLimiter({ now: options.now }),
    metrics: options.metrics,
  });
  const chat = (key: string, body: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
    testApp.post('/v1/chat/completions', { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }], ...body }, { authorization: `Bearer ${key}`, ...headers });
  return { ...testApp, chat };
}

describe('rate limits per key, tenant and deployment', () => {
  it('refuses a key past its requests per minute with OpenAI 429 envelope and headers; other keys go on', async () => {
    const { chat, upstream } = await limitedApp({ rateLimits: '  per_key: { requests_per_minute: 2 }', now: () => 1_000_000 });
    const first = await chat(KEY_A);
    expect(first.status).toBe(200);
    expect(first.headers.get('x-ratelimit-limit-requests')).toBe('2');
    expect(first.headers.get('x-ratelimit-remaining-requests')).toBe('1');
    expect(first.headers.get('x-ratelimit-reset-requests')).toBe('30s');
    expect(first.headers.get('x-guard-ratelimit')).toBe('local');
    expect((await chat(KEY_A)).status).toBe(200);

    const refused = await chat(KEY_A);
    expect(refused.status).toBe(429);
    const body = (await refused.json()) as { error: Record<string, unknown> };
    expect(body.error).toMatchObject({ type: 'requests', code: 'rate_limit_exceeded', param: null });
    expect(body.error['message']).toMatch(/^Rate limit reached for this API key on requests per min \(RPM\): Limit 2, Used 2, Requested 1\. Please try again in 30s\.$/);
    expect(refused.headers.get('retry-after')).toBe('30');
    expect(refused.headers.get('retry-after-ms')).toBe('30000');
    expect(refused.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(refused.headers.get('x-ratelimit-reset-requests')).toBe('1m0s');
    expect(upstream.calls).toHaveLength(2);

    expect((await chat(KEY_B)).status).toBe(200);
  });

  it('counts every key of the tenant against the tenant limit', async () => {
    const { chat } = await limitedApp({ rateLimits: '  requests_per_minute: 3\n  per_key: { requests_per_minute: 100 }' });
    expect((await chat(KEY_A)).status).toBe(200);
    expect((await chat(KEY_B)).status).toBe(200);
    const third = await chat(KEY_VIP);
    expect(third.status).toBe(200);
    // Per-key remaining is 99, the tenant's 0: the header names the tightest bucket.
    expect(third.headers.get('x-ratelimit-limit-requests')).toBe('3');
    expect(third.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    const refused = await chat(KEY_A);
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain('for this tenant on requests per min');
  });

  it('gives a key named under keys its own per-key limit', async () => {
    const { chat } = await limitedApp({ rateLimits: `  per_key: { requests_per_minute: 1 }\n  keys:\n    - key: sha256:${sha256Hex(KEY_VIP)}\n      requests_per_minute: 3` });
    expect((await chat(KEY_A)).status).toBe(200);
    expect((await chat(KEY_A)).status).toBe(429);
    for (let i = 0; i < 3; i++) expect((await chat(KEY_VIP)).status).toBe(200);
    expect((await chat(KEY_VIP)).status).toBe(429);
  });

  it('limits a deployment over all keys, leaving the others alone', async () => {
    const { chat } = await limitedApp({
      rateLimits: '  per_key: { requests_per_minute: 100 }',
      deploymentLimits: '    rate_limits: { requests_per_minute: 1 }',
    });
    const capped = { 'x-guard-deployment': 'capped' };
    expect((await chat(KEY_A, {}, capped)).status).toBe(200);
    const refused = await chat(KEY_B, {}, capped);
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain('for this deployment');
    expect((await chat(KEY_B)).status).toBe(200);
  });

  it('refills continuously: half a minute gives back half the requests', async () => {
    let now = 1_000_000;
    const { chat } = await limitedApp({ rateLimits: '  per_key: { requests_per_minute: 4 }', now: () => now });
    for (let i = 0; i < 4; i++) expect((await chat(KEY_A)).status).toBe(200);
    const refused = await chat(KEY_A);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('15');
    now += 30_000;
    expect((await chat(KEY_A)).status).toBe(200);
    expect((await chat(KEY_A)).status).toBe(200);
    expect((await chat(KEY_A)).status).toBe(429);
  });
});

describe('tokens per minute', () => {
  it('charges the estimate (text / 4 + max_tokens) and corrects it with the upstream usage', async () => {
    const { chat } = await limitedApp({ rateLimits: '  per_key: { tokens_per_minute: 1000 }', upstream: answerWithUsage(30), now: () => 1_000_000 });
    // 404 characters (content and role) ≈ 101 tokens, plus max_tokens 200: 301 charged up front, 30 used.
    const response = await chat(KEY_A, { messages: [{ role: 'user', content: 'x'.repeat(400) }], max_tokens: 200 });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-ratelimit-limit-tokens')).toBe('1000');
    expect(response.headers.get('x-ratelimit-remaining-tokens')).toBe('970');
    expect(response.headers.get('x-ratelimit-reset-tokens')).toBe('1.8s');
    expect(response.headers.get('x-ratelimit-limit-requests')).toBeNull();
    // The correction reached the bucket: the next request starts from 970 and uses 30 too.
    const next = await chat(KEY_A, { messages: [{ role: 'user', content: 'x'.repeat(40) }] });
    expect(next.headers.get('x-ratelimit-remaining-tokens')).toBe('940');
  });

  it('refuses when the estimate does not fit, as type tokens, and names a request larger than the limit', async () => {
    const { chat, upstream } = await limitedApp({ rateLimits: '  per_key: { tokens_per_minute: 100 }', upstream: answerWithUsage(90), now: () => 1_000_000 });
    expect((await chat(KEY_A, { max_tokens: 50 })).status).toBe(200);
    const refused = await chat(KEY_A, { max_tokens: 50 });
    expect(refused.status).toBe(429);
    const body = (await refused.json()) as { error: Record<string, unknown> };
    expect(body.error).toMatchObject({ type: 'tokens', code: 'rate_limit_exceeded' });
    expect(body.error['message']).toContain('on tokens per min (TPM): Limit 100, Used 90, Requested 53');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);

    const tooLarge = await chat(KEY_B, { max_tokens: 500 });
    expect(tooLarge.status).toBe(429);
    const large = (await tooLarge.json()) as { error: Record<string, unknown> };
    expect(large.error['message']).toMatch(/^Request too large for this API key on tokens per min \(TPM\): Limit 100, Requested 503\./);
    expect(tooLarge.headers.get('retry-after')).toBeNull();
    expect(upstream.calls).toHaveLength(1);
  });

  it('gives the tokens back when the request fails before the upstream answers, keeping the request counted', async () => {
    const { chat } = await limitedApp({
      rateLimits: '  per_key: { tokens_per_minute: 1000, requests_per_minute: 10 }',
      upstream: () => new Response('not json', { status: 500 }),
      now: () => 1_000_000,
    });
    const failed = await chat(KEY_A, { max_tokens: 100 });
    expect(failed.status).toBeGreaterThanOrEqual(500);
    expect(failed.headers.get('x-ratelimit-remaining-tokens')).toBe('1000');
    expect(failed.headers.get('x-ratelimit-remaining-requests')).toBe('9');
  });

  it('corrects a streamed answer from its usage chunk', async () => {
    const stream = () =>
      new Response(
        [
          'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":"stop"}]}',
          'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":5,"total_tokens":10}}',
          'data: [DONE]',
          '',
        ].join('\n\n'),
        { headers: { 'content-type': 'text/event-stream' } },
      );
    const { chat } = await limitedApp({ rateLimits: '  per_key: { tokens_per_minute: 1000 }', upstream: stream, now: () => 1_000_000 });
    const response = await chat(KEY_A, { stream: true, stream_options: { include_usage: true }, max_tokens: 300 });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-ratelimit-remaining-tokens')).toBe('697');
    expect(await response.text()).toContain('[DONE]');
    // 10 used, not 303: the next request finds 990 less its own 3.
    const next = await chat(KEY_A, { stream: true });
    expect(next.headers.get('x-ratelimit-remaining-tokens')).toBe('987');
    await next.text();
  });
});

describe('what counts', () => {
  it('charges /v1/moderations one request and its input tokens', async () => {
    const { post, chat } = await limitedApp({ rateLimits: '  per_key: { requests_per_minute: 2, tokens_per_minute: 1000 }', now: () => 1_000_000 });
    const moderated = await post('/v1/moderations', { input: 'y'.repeat(80) }, { authorization: `Bearer ${KEY_A}` });
    expect(moderated.status).toBe(200);
    expect(moderated.headers.get('x-ratelimit-remaining-requests')).toBe('1');
    expect(moderated.headers.get('x-ratelimit-remaining-tokens')).toBe('980');
    expect((await chat(KEY_A)).status).toBe(200);
    const refused = await post('/v1/moderations', { input: 'hello' }, { authorization: `Bearer ${KEY_A}` });
    expect(refused.status).toBe(429);
  });

  it('limits every model route, the Enkrypt alias and /v1/responses; /v1/models and unlimited tenants carry no header', async () => {
    const { post, get } = await limitedApp({ rateLimits: '  per_key: { requests_per_minute: 100 }' });
    const auth = { authorization: `Bearer ${KEY_A}` };
    const calls: Array<[string, unknown]> = [
      ['/v1/chat/completions', { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }],
      ['/v1/completions', { model: 'gpt-4o-mini', prompt: 'hi' }],
      ['/v1/embeddings', { model: 'text-embedding-3-small', input: 'hi' }],
      ['/ai-proxy/chat/completions', { messages: [{ role: 'user', content: 'hi' }] }],
      ['/v1/responses', { model: 'gpt-4o-mini', input: 'hi' }],
      ['/v1/moderations/stream', { input: 'hi' }],
    ];
    let remaining = 100;
    for (const [path, body] of calls) {
      const response = await post(path, body, auth);
      expect(response.status, path).toBe(200);
      remaining -= 1;
      expect(response.headers.get('x-ratelimit-remaining-requests'), path).toBe(String(remaining));
      await response.text();
    }
    const models = await get('/v1/models', auth);
    expect(models.headers.get('x-ratelimit-limit-requests')).toBeNull();

    const unlimited = await createTestApp();
    const plain = await unlimited.post('/v1/chat/completions', { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    expect(plain.status).toBe(200);
    expect(plain.headers.get('x-ratelimit-limit-requests')).toBeNull();
    expect(plain.headers.get('x-guard-ratelimit')).toBeNull();
  });

  it('counts a request refused by validation only once it is valid', async () => {
    const { chat } = await limitedApp({ rateLimits: '  per_key: { requests_per_minute: 1 }' });
    expect((await chat(KEY_A, { temperature: 'hot' })).status).toBe(400);
    expect((await chat(KEY_A)).status).toBe(200);
  });
});

describe('operations', () => {
  it('counts decisions in metrics; in memory, /readyz has no rate-limit check', async () => {
    const metrics = createPromMetrics({ defaultMetrics: false });
    const { chat, app } = await limitedApp({ rateLimits: '  per_key: { requests_per_minute: 1 }', metrics });
    expect((await chat(KEY_A)).status).toBe(200);
    expect((await chat(KEY_A)).status).toBe(429);
    expect((await chat(KEY_A)).status).toBe(429);
    const text = (await metrics.render!()).body;
    expect(text).toContain('guardrail_ratelimit_decisions_total{result="allowed",scope="none",dimension="none",backend="local",tenant="limited"} 1');
    expect(text).toContain('guardrail_ratelimit_decisions_total{result="limited",scope="key",dimension="requests",backend="local",tenant="limited"} 2');

    const ready = await app.request('/readyz');
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { checks: Record<string, unknown> }).checks['rate_limits']).toBeUndefined();
  });
});
