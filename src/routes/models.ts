// GET /v1/models and GET /v1/models/{model}: the upstream's list filtered by the deployment's
// model policy (an `override` deployment lists exactly its forced model), so a client only
// discovers models it may actually call; each entry carries the deployment's `category` for it
// where `models.categories` names one (seed 001).

import type { Hono } from 'hono';
import { z } from 'zod';
import { HttpError } from '../errors.ts';
import { callUpstream, readUpstreamJson, type FetchLike } from '../proxy/upstream.ts';
import type { UpstreamMetrics } from '../proxy/upstream-telemetry.ts';
import { isModelAllowed, modelCategory, modelNotFound } from '../proxy/models.ts';
import type { LoadedModelPolicy } from '../policy/types.ts';
import type { AppContext, AppEnv } from './context.ts';

const upstreamModelSchema = z.looseObject({ id: z.string() });
const upstreamModelListSchema = z.looseObject({ data: z.array(upstreamModelSchema) });

export function registerModelListRoutes(app: Hono<AppEnv>, deps: UpstreamDeps): void {
  app.get('/v1/models', (c) => listModels(c, deps));
  app.get('/v1/models/:model{.+}', (c) => retrieveModel(c, deps, c.req.param('model')));
}

interface UpstreamDeps {
  fetch: FetchLike;
  upstreamMetrics?: UpstreamMetrics;
}

async function listModels(c: AppContext, deps: UpstreamDeps): Promise<Response> {
  const deployment = c.get('deployment');
  const answer = await getFromUpstream(c, deps, '/models');
  const parsed = upstreamModelListSchema.safeParse(answer);
  if (!parsed.success) throw invalidUpstreamAnswer();
  const { override } = deployment.models;
  let data = parsed.data.data.filter((model) => isModelAllowed(deployment.models, model.id));
  if (override && data.length === 0) {
    // The forced model may be an alias the upstream does not list; still show what gets served.
    data = [{ id: override, object: 'model', created: 0, owned_by: 'guardrail-proxy' }];
  }
  return c.json({ object: 'list', data: data.map((model) => withCategory(deployment.models, model)) });
}

/** The model entry with the deployment's `category` for it (seed 001), where one is configured. */
function withCategory<M extends { id: string }>(policy: LoadedModelPolicy, model: M): M | (M & { category: string }) {
  const category = modelCategory(policy, model.id);
  return category === null ? model : { ...model, category };
}

async function retrieveModel(c: AppContext, deps: UpstreamDeps, model: string): Promise<Response> {
  const deployment = c.get('deployment');
  if (!isModelAllowed(deployment.models, model)) throw modelNotFound(model);
  c.set('model', model);
  const answer = await getFromUpstream(c, deps, `/models/${encodeURIComponent(model)}`);
  const parsed = upstreamModelSchema.safeParse(answer);
  if (!parsed.success) throw invalidUpstreamAnswer();
  return c.json(withCategory(deployment.models, parsed.data));
}

async function getFromUpstream(c: AppContext, deps: UpstreamDeps, path: string): Promise<unknown> {
  const deployment = c.get('deployment');
  const call = await callUpstream({
    fetch: deps.fetch,
    metrics: deps.upstreamMetrics,
    deployment,
    method: 'GET',
    path,
    requestId: c.get('requestId'),
    clientSignal: c.req.raw.signal,
  });
  return readUpstreamJson(call, deployment);
}

function invalidUpstreamAnswer(): HttpError {
  return new HttpError(502, 'The upstream returned an unexpected model listing.', { code: 'upstream_invalid_response' });
}
