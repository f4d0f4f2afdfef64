// What a rate-limit decision looks like to the client, in OpenAI's terms
// (https://platform.openai.com/docs/guides/rate-limits): the x-ratelimit-* headers on every limited
// response, and the 429 envelope (type "requests" or "tokens", code rate_limit_exceeded) with
// Retry-After when a bucket is empty.

import { HttpError } from '../errors.ts';
import type { BucketState, RateLimitDecision, RateLimitDimension } from './types.ts';

/** Says whether this process or Redis decided: `shared` or `local`. */
export const RATE_LIMIT_BACKEND_HEADER = 'x-guard-ratelimit';

/**
 * A duration as OpenAI writes x-ratelimit-reset-* (Go's time.Duration): `20ms`, `1.5s`, `6m0s`.
 */
export function formatResetDuration(ms: number): string {
  const whole = Math.max(0, Math.ceil(ms));
  if (whole < 1000) return `${whole}ms`;
  const hours = Math.floor(whole / 3_600_000);
  const minutes = Math.floor((whole % 3_600_000) / 60_000);
  const seconds = `${Number(((whole % 60_000) / 1000).toFixed(3))}s`;
  if (hours > 0) return `${hours}h${minutes}m${seconds}`;
  if (minutes > 0) return `${minutes}m${seconds}`;
  return seconds;
}

/** The bucket a dimension's headers describe: the one that refused, else the one with least left. */
function reportedState(decision: RateLimitDecision, dimension: RateLimitDimension): BucketState | undefined {
  const states = decision.states.filter((state) => state.dimension === dimension);
  const refusing = states.filter((state) => state.retryAfterMs > 0).sort((a, b) => b.retryAfterMs - a.retryAfterMs)[0];
  return refusing ?? states.sort((a, b) => a.level / a.limit - b.level / b.limit)[0];
}

/** OpenAI's six x-ratelimit-* headers (for the dimensions that have a limit) and ours. */
export function rateLimitHeaders(decision: RateLimitDecision): Record<string, string> {
  const headers: Record<string, string> = { [RATE_LIMIT_BACKEND_HEADER]: decision.backend };
  for (const dimension of ['requests', 'tokens'] as const) {
    const state = reportedState(decision, dimension);
    if (!state) continue;
    headers[`x-ratelimit-limit-${dimension}`] = String(state.limit);
    headers[`x-ratelimit-remaining-${dimension}`] = String(Math.max(0, Math.floor(state.level)));
    headers[`x-ratelimit-reset-${dimension}`] = formatResetDuration(state.resetMs);
  }
  return headers;
}

const SCOPE_WORDS: Record<BucketState['scope'], string> = { tenant: 'this tenant', key: 'this API key', deployment: 'this deployment' };
const UNIT: Record<RateLimitDimension, string> = { requests: 'requests per min (RPM)', tokens: 'tokens per min (TPM)' };

/** The 429 for a refused decision, as OpenAI words it, carrying the headers. */
export function rateLimitError(decision: RateLimitDecision): HttpError {
  const refusing = decision.states.filter((state) => state.retryAfterMs > 0).sort((a, b) => b.retryAfterMs - a.retryAfterMs)[0]!;
  const headers = rateLimitHeaders(decision);
  const where = `${SCOPE_WORDS[refusing.scope]} on ${UNIT[refusing.dimension]}`;
  const options = { type: refusing.dimension, code: 'rate_limit_exceeded', headers } as const;
  if (!Number.isFinite(refusing.retryAfterMs)) {
    return new HttpError(
      429,
      `Request too large for ${where}: Limit ${refusing.limit}, Requested ${refusing.cost}. The input or output tokens must be reduced in order to run successfully.`,
      options,
    );
  }
  headers['retry-after'] = String(Math.max(1, Math.ceil(refusing.retryAfterMs / 1000)));
  headers['retry-after-ms'] = String(Math.max(1, Math.ceil(refusing.retryAfterMs)));
  const used = Math.max(0, Math.ceil(refusing.limit - refusing.level));
  return new HttpError(
    429,
    `Rate limit reached for ${where}: Limit ${refusing.limit}, Used ${used}, Requested ${refusing.cost}. Please try again in ${formatResetDuration(refusing.retryAfterMs)}.`,
    options,
  );
}
