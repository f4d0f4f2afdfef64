// GET /v1/models and /v1/models/{model} in memory: the upstream's list filtered by the
// deployment's model policy, an override listed even when the upstream lacks it, and refused or
// malformed answers.

import { describe, expect, it } from 'vitest';
import { UPSTREAM_KEY } from '../helpers/server.ts';
import { UPSTREAM_BASE_URL, createTestApp, type UpstreamAnswer } from '../helpers/app.ts';

const model = (id: string) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'upstream' });
const UPSTREAM_MODELS = ['gpt-4o', 'gpt-4o-mini', 'o1', 'dall-e-3', 'text-embedding-3-small', 'gpt-3.5-turbo-instruct'];

const listing: UpstreamAnswer = ({ url }) => {
  if (url === `${UPSTREAM_BASE_URL}/models`) return Response.json({ object: 'list', data: UPSTREAM_MODELS.map(model) });
  const id = decodeURIComponent(url.slice(`${UPSTREAM_BASE_URL}/models/`.length));
  return Response.json(model(id));
};

type ModelList = { object: string; data: Array<{ id: string; owned_by: string }> };

describe('GET /v1/models', () => {
  it('lists only what the deployment allows, asking the upstream with the deployment key', async () => {
    const { get, upstream } = await createTestApp({ upstream: listing });
    const response = await get('/v1/models');
    expect(response.status).toBe(200);
    const body = (await response.json()) as ModelList;
    expect(body.object).toBe('list');
    expect(body.data.map((m) => m.id).sort()).toEqual(['gpt-3.5-turbo-instruct', 'gpt-4o', 'gpt-4o-mini', 'text-embedding-3-small']);
    expect(upstream.calls).toHaveLength(1);
    expect(upstream.calls[0]).toMatchObject({ method: 'GET', url: `${UPSTREAM_BASE_URL}/models`, body: undefined });
    expect(upstream.calls[0]!.headers['authorization']).toBe(`Bearer ${UPSTREAM_KEY}`);
  });

  it('lists exactly the forced model of an override deployment', async () => {
    const { get } = await createTestApp({ upstream: listing });
    const body = (await (await get('/v1/models', { 'X-Guard-Deployment': 'forced' })).json()) as ModelList;
    expect(body.data).toEqual([model('gpt-4o-mini')]);
  });

  it('still shows the forced model when the upstream does not list it', async () => {
    const { get } = await createTestApp({ upstream: () => Response.json({ object: 'list', data: [model('gpt-4o')] }) });
    const body = (await (await get('/v1/models', { 'X-Guard-Deployment': 'forced' })).json()) as ModelList;
    expect(body.data).toEqual([{ id: 'gpt-4o-mini', object: 'model', created: 0, owned_by: 'guardrail-proxy' }]);
  });

  it('annotates each model with the deployment\'s category for it, where one is configured (seed 001)', async () => {
    const { get } = await createTestApp({ upstream: listing });
    const body = (await (await get('/v1/models', { 'X-Guard-Deployment': 'catalog' })).json()) as { data: Array<{ id: string; category?: string }> };
    const categories = Object.fromEntries(body.data.map((m) => [m.id, m.category ?? null]));
    expect(categories).toEqual({ 'gpt-4o': 'multimodal', 'gpt-4o-mini': 'multimodal', o1: null, 'text-embedding-3-small': 'embeddings' });
    expect(await (await get('/v1/models/text-embedding-3-small', { 'X-Guard-Deployment': 'catalog' })).json()).toEqual({ ...model('text-embedding-3-small'), category: 'embeddings' });
    const plain = (await (await get('/v1/models')).json()) as { data: Array<Record<string, unknown>> };
    expect(plain.data.every((m) => !('category' in m))).toBe(true);
  });

  it('answers 502 upstream_invalid_response when the listing has no data array', async () => {
    const { get } = await createTestApp({ upstream: () => Response.json({ object: 'list', models: [] }) });
    const response = await get('/v1/models');
    expect(response.status).toBe(502);
    expect(await response.json()).toMatchObject({ error: { code: 'upstream_invalid_response', type: 'upstream_error' } });
  });

  it('relays an upstream error with its status', async () => {
    const answer = () => Response.json({ error: { message: 'Service unavailable', type: 'server_error', param: null, code: null } }, { status: 503 });
    const { get } = await createTestApp({ upstream: answer });
    const response = await get('/v1/models');
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ error: { message: 'Service unavailable', type: 'server_error', param: null, code: null } });
  });
});

describe('GET /v1/models/{model}', () => {
  it('retrieves an allowed model from the upstream', async () => {
    const { get, upstream } = await createTestApp({ upstream: listing });
    const response = await get('/v1/models/gpt-4o');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(model('gpt-4o'));
    expect(upstream.calls[0]!.url).toBe(`${UPSTREAM_BASE_URL}/models/gpt-4o`);
  });

  it('refuses a model the deployment does not allow with 404, without asking the upstream', async () => {
    const { get, upstream } = await createTestApp({ upstream: listing });
    const response = await get('/v1/models/dall-e-3');
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { code: 'model_not_found', param: 'model' } });
    expect(upstream.calls).toHaveLength(0);
  });

  it('takes the rest of the path as the model id and encodes it for the upstream', async () => {
    const { get, upstream } = await createTestApp({ upstream: listing });
    const response = await get('/v1/models/gpt-4o/ft:acme?x=1');
    expect(response.status).toBe(200);
    expect(upstream.calls[0]!.url).toBe(`${UPSTREAM_BASE_URL}/models/gpt-4o%2Fft%3Aacme`);
  });

  it('answers 502 when the upstream’s model has no id', async () => {
    const { get } = await createTestApp({ upstream: () => Response.json({ object: 'model' }) });
    const response = await get('/v1/models/gpt-4o');
    expect(response.status).toBe(502);
    expect(await response.json()).toMatchObject({ error: { code: 'upstream_invalid_response' } });
  });
});
