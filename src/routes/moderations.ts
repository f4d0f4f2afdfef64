// POST /v1/moderations, OpenAI-compatible and extended: every input goes through the tenant's
// guard for the chosen profile in ONE batch, and each result carries OpenAI's fields for all 13
// categories plus our decision, redactions and detections (see toModerationResult).

import type { Hono } from 'hono';
import { HttpError } from '../errors.ts';
import { guardFor } from '../guardrails/proxy-guardrails.ts';
import { degradedHeaderValue, GUARD_DEGRADED_HEADER, GUARD_POLICY_VERSION_HEADER, toModerationResult } from '../guardrails/report.ts';
import { readGuardHeaders } from '../http/guard-headers.ts';
import { readJsonObjectBody } from '../http/json-body.ts';
import type { LoadedTenant } from '../policy/types.ts';
import { assertValid } from '../validation/issues.ts';
import { DEFAULT_MODERATION_MODEL, moderationRequestSchema, type ModerationRequest } from '../validation/moderations.ts';
import type { AppContext, AppEnv } from './context.ts';

/** One input as the guard sees it, plus what was not classified. */
interface ModerationInput {
  readonly text: string;
  readonly hasText: boolean;
  readonly imageParts: number;
}

/**
 * A string or each string of an array is one input. An array of parts is ONE multi-modal input
 * (as in OpenAI's API): its text parts are joined with "\n" (offsets refer to that joined text)
 * and its images are counted, not classified.
 */
function toInputs(input: ModerationRequest['input']): ModerationInput[] {
  if (typeof input === 'string') return [{ text: input, hasText: true, imageParts: 0 }];
  if (input.every((item): item is string => typeof item === 'string')) return input.map((text) => ({ text, hasText: true, imageParts: 0 }));
  const parts = input.filter((item) => typeof item !== 'string');
  const texts = parts.flatMap((part) => (part.type === 'text' ? [part.text] : []));
  return [{ text: texts.join('\n'), hasText: texts.length > 0, imageParts: parts.length - texts.length }];
}

/** `model_extras.profile`, else the named deployment's input profile, else the tenant's `default`. */
function chooseProfile(c: AppContext, tenant: LoadedTenant, requested: string | undefined): string {
  if (requested !== undefined) {
    // Unknown and other tenants' profiles get the same answer: existence is never revealed.
    if (!tenant.profiles.has(requested)) {
      throw new HttpError(400, `The profile '${requested}' does not exist or you do not have access to it.`, { param: 'model_extras.profile', code: 'profile_not_found' });
    }
    return requested;
  }
  const namedDeployment = readGuardHeaders(c.req.raw.headers).deployment !== null;
  return namedDeployment ? c.get('deployment').guardrails.inputProfile : 'default';
}

export function registerModerationRoutes(app: Hono<AppEnv>, deps: { maxBodyBytes: number }): void {
  app.post('/v1/moderations', async (c) => {
    const body = await readJsonObjectBody(c.req.raw, deps.maxBodyBytes);
    assertValid(moderationRequestSchema, body);
    const request = moderationRequestSchema.parse(body);
    const model = request.model ?? DEFAULT_MODERATION_MODEL;
    c.set('model', model);
    const tenant = c.get('tenant');
    const guard = guardFor(tenant, chooseProfile(c, tenant, request.model_extras?.profile));

    const inputs = toInputs(request.input);
    const verdicts = await guard.check(inputs.map((input) => input.text), 'input');
    const results = verdicts.map((verdict, i) => toModerationResult(verdict, { hasText: inputs[i]!.hasText, imageParts: inputs[i]!.imageParts }));

    const headers: Record<string, string> = { [GUARD_POLICY_VERSION_HEADER]: guard.policyVersion };
    const degraded = degradedHeaderValue({ input: verdicts });
    if (degraded) headers[GUARD_DEGRADED_HEADER] = degraded;
    return c.json({ id: `modr-${crypto.randomUUID().replace(/-/g, '')}`, model, results }, 200, headers);
  });
}
