// POST /v1/moderations, OpenAI-compatible and extended, and POST /v1/moderations/stream, the same
// check as Server-Sent Events: the body validated once, the profile chosen for the caller, and
// the inputs checked by the adapters (src/guardrails/moderation.ts, moderation-stream.ts).

import type { Hono } from 'hono';
import type { Guard, Verdict } from '../guard/types.ts';
import { moderateInputs, moderationProfile, newModerationId } from '../guardrails/moderation.ts';
import { moderationEventStream } from '../guardrails/moderation-stream.ts';
import { guardFor } from '../guardrails/proxy-guardrails.ts';
import { GUARD_POLICY_VERSION_HEADER } from '../guardrails/report.ts';
import { readJsonObjectBody } from '../http/json-body.ts';
import { describeCause, type Logger } from '../logging/logger.ts';
import { newDecisionId, type AuditSink } from '../ops/audit.ts';
import { writeAudit } from '../guardrails/audit.ts';
import { GUARD_DECISION_ID_HEADER } from '../guardrails/proxy-guardrails.ts';
import { parseValid } from '../validation/issues.ts';
import { moderationCounts, type RequestCountLimits } from '../validation/limits.ts';
import { DEFAULT_MODERATION_MODEL, moderationRequestSchema, type ModerationRequest } from '../validation/moderations.ts';
import { estimateRequestTokens } from '../ratelimit/plan.ts';
import type { AppContext, AppEnv } from './context.ts';
import { admitRequest, type RateLimitDeps } from './rate-limit.ts';

interface ModerationRouteDeps extends RateLimitDeps {
  maxBodyBytes: number;
  counts: RequestCountLimits;
  audit: AuditSink;
}

/**
 * What both routes do before checking: read and validate the body, charge the rate limits (one
 * request and the input's estimated tokens; nothing goes upstream, so nothing is corrected), pick
 * the profile's guard.
 */
async function readModerationRequest(c: AppContext, deps: ModerationRouteDeps): Promise<{ input: ModerationRequest['input']; model: string; guard: Guard }> {
  const body = await readJsonObjectBody(c.req.raw, deps.maxBodyBytes, moderationCounts(deps.counts));
  const request = parseValid(moderationRequestSchema, body);
  const model = request.model ?? DEFAULT_MODERATION_MODEL;
  c.set('model', model);
  await admitRequest(c, deps, estimateRequestTokens({ input: body['input'] ?? null }));
  const tenant = c.get('tenant');
  const profile = moderationProfile({ tenant, deployment: c.get('deployment'), namedDeployment: c.get('namedDeployment'), requested: request.model_extras?.profile });
  return { input: request.input, model, guard: guardFor(tenant, profile) };
}

/** A moderation only reports: nothing is blocked or forwarded, so its enforcement is `pass`. */
function auditModeration(c: AppContext, sink: AuditSink, entry: { decisionId: string; guard: Guard; texts: readonly string[]; verdicts: readonly Verdict[]; streamed: boolean }): void {
  writeAudit({
    sink,
    decisionId: entry.decisionId,
    requestId: c.get('requestId'),
    tenant: c.get('tenant'),
    deployment: c.get('deployment').name,
    tags: c.get('tags'),
    endpoint: entry.streamed ? 'moderations.stream' : 'moderations',
    direction: 'input',
    texts: entry.texts,
    verdicts: entry.verdicts,
    enforcement: 'pass',
    streamed: entry.streamed,
    profile: entry.guard.profile.name,
    policyVersion: entry.guard.policyVersion,
  });
}

export function registerModerationRoutes(app: Hono<AppEnv>, deps: ModerationRouteDeps): void {
  app.post('/v1/moderations', async (c) => {
    const { input, model, guard } = await readModerationRequest(c, deps);
    const { results, headers, texts, verdicts } = await moderateInputs(guard, input);
    const decisionId = newDecisionId();
    auditModeration(c, deps.audit, { decisionId, guard, texts, verdicts, streamed: false });
    return c.json({ id: newModerationId(), model, results, decision_id: decisionId }, 200, { ...headers, [GUARD_DECISION_ID_HEADER]: decisionId });
  });

  app.post('/v1/moderations/stream', async (c) => {
    // Everything that can refuse the request happens here, before the stream: JSON error envelopes.
    const { input, model, guard } = await readModerationRequest(c, deps);
    c.set('stream', true);
    const requestId = c.get('requestId');
    const decisionId = newDecisionId();
    const body = moderationEventStream({
      guard,
      input,
      model,
      id: newModerationId(),
      decisionId,
      onFinal: (texts, verdicts) => auditModeration(c, deps.audit, { decisionId, guard, texts, verdicts, streamed: true }),
      onError: (cause) => deps.logger.error({ requestId, ...describeCause(cause) }, 'moderation stream failed'),
    });
    // X-Guard-Degraded cannot precede the checks: a degraded check shows in the final results' `degraded`.
    return c.body(body, 200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      [GUARD_POLICY_VERSION_HEADER]: guard.policyVersion,
      [GUARD_DECISION_ID_HEADER]: decisionId,
    });
  });
}
