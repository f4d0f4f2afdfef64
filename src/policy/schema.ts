// Zod schemas for tenant policy files (`policies/tenants/<tenant>.yaml`). Strict: an unknown key is an
// error, so a typo by whoever edits the policy is caught at load. Later issues extend
// `tenantFileSchema` (profiles, rules) with `.extend({...})`.

import { z } from 'zod';
import { ENV_REFERENCE } from './secrets.ts';

/** `sha256:<64 hex>`: the digest of a proxy key, safe to commit. */
export const SHA256_KEY = /^sha256:[0-9a-fA-F]{64}$/;

const name = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be 1-64 characters of letters, digits, ".", "_" or "-"');

export const proxyKeyEntrySchema = z
  .string()
  .refine((value) => ENV_REFERENCE.test(value) || SHA256_KEY.test(value), {
    message: 'must be "sha256:<64 hex digits>" or an environment reference "${NAME}" (or "${NAME:-}" when it may be unset); plain keys are not allowed in policy files',
  });

export const upstreamSchema = z.strictObject({
  base_url: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }),
  api_key: z
    .string()
    .regex(ENV_REFERENCE, 'must be an environment reference "${NAME}" (or "${NAME:-}" when it may be unset); plain keys are not allowed in policy files')
    .optional(),
  timeout_ms: z.int().min(1).max(600_000).default(60_000),
  /** Longest wait between two chunks of a streamed answer; default: timeout_ms. */
  stream_idle_timeout_ms: z.int().min(1).max(600_000).optional(),
});

/** Seed 001: what a model is for, so a client listing /v1/models can pick the matching endpoint. */
export const MODEL_CATEGORIES = ['text', 'code', 'reasoning', 'multimodal', 'embeddings', 'image', 'audio', 'video', 'moderation'] as const;

export const deploymentModelsSchema = z
  .strictObject({
    allow: z.array(z.string().min(1)).min(1).optional(),
    override: z.string().min(1).optional(),
    default: z.string().min(1).optional(),
    /** `{ "gpt-4o*": multimodal, "text-embedding-*": embeddings }`: glob → category, first match wins; shown on /v1/models. */
    categories: z.record(z.string().min(1), z.enum(MODEL_CATEGORIES)).optional(),
  })
  .refine((models) => !(models.allow && models.override), {
    message: 'use either "allow" or "override", not both',
  });

/**
 * Which threshold profiles guard a deployment: `profile` is its default; `input_policy` and
 * `output_policy` name the profiles for each direction (default: `profile`). `soft_block`
 * overrides the profiles' own setting: block, or pass with a warning. Names must be shipped
 * profiles or the tenant's own (checked at load).
 */
const judgeCheckAction = z.enum(['block', 'soft_block', 'monitor']);
const judgeCheck = z.strictObject({ action: judgeCheckAction.default('block') });

/**
 * Checks the LLM judge runs for this deployment (its profiles' judge must be enabled, verdict json):
 * the tenant's own policy in plain language (input and/or output), and on output bias, relevancy
 * (the answer against the last user question) and hallucination (against the supplied context).
 */
export const deploymentJudgeChecksSchema = z.strictObject({
  policy_violation: z
    .strictObject({
      /** Named in reports: `violating_policy: policy/<name>`. */
      name: z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/, 'must be lower-case letters, digits, ".", "_" or "-"').default('policy'),
      policy: z.string().trim().min(1).max(20_000),
      input: z.boolean().default(true),
      output: z.boolean().default(true),
      action: judgeCheckAction.default('block'),
    })
    .optional(),
  bias: judgeCheck.optional(),
  relevancy: judgeCheck.optional(),
  hallucination: judgeCheck.optional(),
});

export const deploymentGuardrailsSchema = z.strictObject({
  profile: name.default('default'),
  input_policy: name.optional(),
  output_policy: name.optional(),
  soft_block: z.enum(['block', 'warn']).optional(),
  /**
   * How `stream: true` answers are guarded: moderate (relayed as they are checked, holding back
   * only the profile's hold-back tail), buffer (the whole answer checked before anything is sent),
   * refuse (400). No mode relays unchecked text.
   */
  stream_mode: z.enum(['moderate', 'buffer', 'refuse']).default('moderate'),
  judge_checks: deploymentJudgeChecksSchema.optional(),
});

/** Token-bucket limits (src/ratelimit/): at least one of the two; each refills continuously over a minute. */
const rateLimitShape = {
  requests_per_minute: z.int().min(1).max(100_000_000).optional(),
  tokens_per_minute: z.int().min(1).max(100_000_000_000).optional(),
};
const hasALimit = (limits: { requests_per_minute?: number; tokens_per_minute?: number }) =>
  limits.requests_per_minute !== undefined || limits.tokens_per_minute !== undefined;
const HAS_A_LIMIT = { message: 'set requests_per_minute, tokens_per_minute or both' };
export const rateLimitSchema = z.strictObject(rateLimitShape).refine(hasALimit, HAS_A_LIMIT);

/**
 * A tenant's limits: its whole traffic (the top-level fields), each proxy key on its own
 * (`per_key`), and particular keys with their own per-key limits (`keys`, named as in `api_keys`).
 */
export const tenantRateLimitsSchema = z.strictObject({
  ...rateLimitShape,
  per_key: rateLimitSchema.optional(),
  keys: z.array(z.strictObject({ key: proxyKeyEntrySchema, ...rateLimitShape }).refine(hasALimit, HAS_A_LIMIT)).optional(),
});

export const deploymentSchema = z.strictObject({
  name,
  upstream: upstreamSchema,
  models: deploymentModelsSchema.default({ allow: ['*'] }),
  guardrails: deploymentGuardrailsSchema.default({ profile: 'default', stream_mode: 'moderate' }),
  /** This deployment's own limits, over every key of the tenant together. */
  rate_limits: rateLimitSchema.optional(),
});

/**
 * The tenant's audit log entries: `include_content` none (default: digests, scores and rule ids
 * only), redacted (plus the text after redaction) or full (plus the text as checked), so
 * `npm run policy -- explain --decision ID` can replay it.
 */
export const tenantAuditSchema = z.strictObject({
  include_content: z.enum(['none', 'redacted', 'full']).default('none'),
});

export const tenantFileSchema = z.strictObject({
  tenant: name,
  api_keys: z.array(proxyKeyEntrySchema).default([]),
  audit: tenantAuditSchema.default({ include_content: 'none' }),
  default_deployment: name,
  deployments: z.array(deploymentSchema).min(1),
  rate_limits: tenantRateLimitsSchema.optional(),
});

export type TenantFile = z.infer<typeof tenantFileSchema>;
export type DeploymentDefinition = z.infer<typeof deploymentSchema>;
