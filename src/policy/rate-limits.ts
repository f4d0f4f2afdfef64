// The tenant file's `rate_limits` (and each deployment's) turned into the loaded form the limiter
// reads: limits with nulls for what is unset, and per-key overrides keyed by the key's SHA-256, so
// a request's key finds its limit without the key itself being kept.

import { toHex } from '../digest.ts';
import type { EnvMap } from './interpolate.ts';
import type { PolicyProblem } from './errors.ts';
import type { TenantFile } from './schema.ts';
import type { LoadedRateLimit, LoadedTenantRateLimits } from './types.ts';

interface RateLimitFields {
  readonly requests_per_minute?: number | undefined;
  readonly tokens_per_minute?: number | undefined;
}

export function toLoadedRateLimit(fields: RateLimitFields | undefined): LoadedRateLimit | null {
  if (!fields || (fields.requests_per_minute === undefined && fields.tokens_per_minute === undefined)) return null;
  return Object.freeze({ requestsPerMinute: fields.requests_per_minute ?? null, tokensPerMinute: fields.tokens_per_minute ?? null });
}

export interface ResolveRateLimitsInput {
  readonly definition: TenantFile;
  readonly env: EnvMap;
  /** The digests each `api_keys` entry stands for (a `${NAME}` may hold several keys). */
  readonly keyDigests: (entry: string, env: EnvMap) => Promise<Uint8Array[]>;
  readonly locate: (path: readonly PropertyKey[], message: string) => PolicyProblem;
  readonly problems: PolicyProblem[];
}

/**
 * A `keys` entry replaces `per_key` for the keys it names, field by field: an unset field keeps the
 * `per_key` value. It must name one of the tenant's own `api_keys` entries, spelled the same way.
 */
export async function resolveTenantRateLimits(input: ResolveRateLimitsInput): Promise<LoadedTenantRateLimits> {
  const limits = input.definition.rate_limits;
  const perKey = limits?.per_key;
  const keys = new Map<string, LoadedRateLimit>();
  for (const [index, entry] of (limits?.keys ?? []).entries()) {
    if (!input.definition.api_keys.includes(entry.key)) {
      input.problems.push(input.locate(['rate_limits', 'keys', index, 'key'], 'must be one of this tenant\'s api_keys entries, written the same way'));
      continue;
    }
    const merged = toLoadedRateLimit({
      requests_per_minute: entry.requests_per_minute ?? perKey?.requests_per_minute,
      tokens_per_minute: entry.tokens_per_minute ?? perKey?.tokens_per_minute,
    });
    for (const digest of await input.keyDigests(entry.key, input.env)) if (merged) keys.set(toHex(digest), merged);
  }
  return Object.freeze({ tenant: toLoadedRateLimit(limits), perKey: toLoadedRateLimit(perKey), keys });
}
