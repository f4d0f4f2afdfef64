// Which buckets a request charges, and how many tokens it is estimated to use before the upstream
// says (OpenAI counts a request's tokens from its characters and max_tokens up front; the answer's
// `usage` corrects the charge afterwards).

import type { JsonObject, JsonValue } from '../http/json.ts';
import type { LoadedDeployment, LoadedRateLimit, LoadedTenant } from '../policy/types.ts';
import type { BucketCharge, RateLimitScope } from './types.ts';

/** The estimate's rule of thumb for English text (OpenAI: "1 token ≈ 4 characters"). */
const CHARS_PER_TOKEN = 4;

/** Body members whose strings the model reads (chat, completions, embeddings, moderations). */
const READ_MEMBERS = ['messages', 'prompt', 'suffix', 'input', 'instructions', 'tools', 'functions'] as const;

/**
 * Estimated tokens of a request: its read text at 4 characters a token (token-id arrays count one
 * per id) plus what it may generate: `max_completion_tokens`, `max_output_tokens` (Responses) or
 * `max_tokens`, times `n`.
 */
export function estimateRequestTokens(body: JsonObject): number {
  let chars = 0;
  let ids = 0;
  const visit = (value: JsonValue | undefined): void => {
    if (typeof value === 'string') chars += value.length;
    else if (typeof value === 'number') ids += 1;
    else if (Array.isArray(value)) for (const item of value) visit(item);
    else if (value !== null && typeof value === 'object') for (const item of Object.values(value)) visit(item);
  };
  for (const member of READ_MEMBERS) visit(body[member]);
  const maxOutput = positiveInteger(body['max_completion_tokens']) ?? positiveInteger(body['max_output_tokens']) ?? positiveInteger(body['max_tokens']) ?? 0;
  const choices = positiveInteger(body['n']) ?? 1;
  return Math.ceil(chars / CHARS_PER_TOKEN) + ids + maxOutput * choices;
}

function positiveInteger(value: JsonValue | undefined): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
}

/**
 * The tokens an upstream answer reports it used (`usage.total_tokens`), if it says; also the
 * Responses API's `response.completed` event, whose usage sits under `response`.
 */
export function usageTokens(body: JsonValue | undefined): number | null {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return null;
  const nested = body['response'];
  const usage = body['usage'] ?? (nested !== null && typeof nested === 'object' && !Array.isArray(nested) ? nested['usage'] : undefined);
  if (usage === null || typeof usage !== 'object' || Array.isArray(usage)) return null;
  const total = usage['total_tokens'];
  if (typeof total === 'number' && Number.isFinite(total) && total >= 0) return total;
  const input = usage['prompt_tokens'] ?? usage['input_tokens'];
  const output = usage['completion_tokens'] ?? usage['output_tokens'] ?? 0;
  return typeof input === 'number' && typeof output === 'number' ? input + output : null;
}

export interface RateLimitPlanInput {
  readonly tenant: LoadedTenant<unknown>;
  readonly deployment: LoadedDeployment;
  /** Hex SHA-256 of the presented proxy key; null with authentication off. */
  readonly keyDigest: string | null;
  readonly tokens: number;
}

/** Every bucket the request charges: tenant, key and deployment, requests and tokens, where configured. */
export function planCharges(input: RateLimitPlanInput): BucketCharge[] {
  const limits = input.tenant.rateLimits;
  const charges: BucketCharge[] = [];
  const add = (scope: RateLimitScope, id: string, limit: LoadedRateLimit | null | undefined) => {
    if (!limit) return;
    if (limit.requestsPerMinute !== null) charges.push({ id: `${id}:requests`, scope, dimension: 'requests', limit: limit.requestsPerMinute, cost: 1 });
    if (limit.tokensPerMinute !== null) charges.push({ id: `${id}:tokens`, scope, dimension: 'tokens', limit: limit.tokensPerMinute, cost: input.tokens });
  };
  add('tenant', 'tenant', limits?.tenant);
  if (input.keyDigest !== null) add('key', `key:${input.keyDigest.slice(0, 32)}`, limits?.keys.get(input.keyDigest) ?? limits?.perKey);
  add('deployment', `deployment:${input.deployment.name}`, input.deployment.rateLimits);
  return charges;
}
