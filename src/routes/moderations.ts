// POST /v1/moderations, OpenAI-compatible and extended: the body validated once, the profile chosen
// for the caller, and every input checked in one batch by the adapter (src/guardrails/moderation.ts).

import type { Hono } from 'hono';
import { moderateInputs, moderationProfile } from '../guardrails/moderation.ts';
import { guardFor } from '../guardrails/proxy-guardrails.ts';
import { readJsonObjectBody } from '../http/json-body.ts';
import { parseValid } from '../validation/issues.ts';
import { DEFAULT_MODERATION_MODEL, moderationRequestSchema } from '../validation/moderations.ts';
import type { AppEnv } from './context.ts';

export function registerModerationRoutes(app: Hono<AppEnv>, deps: { maxBodyBytes: number }): void {
  app.post('/v1/moderations', async (c) => {
    const request = parseValid(moderationRequestSchema, await readJsonObjectBody(c.req.raw, deps.maxBodyBytes));
    const model = request.model ?? DEFAULT_MODERATION_MODEL;
    c.set('model', model);
    const tenant = c.get('tenant');
    const profile = moderationProfile({ tenant, deployment: c.get('deployment'), namedDeployment: c.get('namedDeployment'), requested: request.model_extras?.profile });
    const { results, headers } = await moderateInputs(guardFor(tenant, profile), request.input);
    return c.json({ id: `modr-${crypto.randomUUID().replace(/-/g, '')}`, model, results }, 200, headers);
  });
}
