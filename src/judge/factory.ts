// Builds each profile's judge when the policies load (the GuardFactory's `judges`): the endpoint
// from the profile's `judge` block, its key read from the environment variable the block names.
// Profiles (and reloads) with the same endpoint and limits share one judge, so they share its
// cache, its concurrency limit and its counters; cache keys carry profile and policy version.

import type { ResolvedProfile } from '../policy/profiles/types.ts';
import type { EnvMap } from '../policy/interpolate.ts';
import type { Logger } from '../logging/logger.ts';
import type { Metrics } from '../ops/metrics.ts';
import type { FetchLike } from './client.ts';
import { createLlmJudge, type JudgeStats, type LlmJudge } from './llm-judge.ts';

export interface JudgeFactoryDeps {
  readonly fetch: FetchLike;
  /** Where `api_key: ${NAME}` is read. */
  readonly env: EnvMap;
  readonly logger?: Logger;
  readonly metrics?: Metrics;
}

export interface JudgeFactory {
  /** The judge for a profile whose judge is enabled; undefined otherwise. */
  (profile: ResolvedProfile): LlmJudge | undefined;
  /** Every judge built so far, by endpoint (base URL and model), with its counters. */
  stats(): Array<{ baseUrl: string; model: string; stats: JudgeStats }>;
}

export function createJudgeFactory(deps: JudgeFactoryDeps): JudgeFactory {
  const built = new Map<string, { baseUrl: string; model: string; judge: LlmJudge }>();
  const factory = (profile: ResolvedProfile): LlmJudge | undefined => {
    const policy = profile.judge;
    if (!policy.enabled || policy.baseUrl === null || policy.model === null) return undefined;
    const key = policy.apiKeyEnv ? (deps.env[policy.apiKeyEnv] ?? '').trim() : '';
    const apiKey = key === '' ? null : key;
    const options = {
      endpoint: { baseUrl: policy.baseUrl, model: policy.model, apiKey, maxTokens: policy.maxTokens, temperature: policy.temperature },
      verdict: policy.verdict,
      concurrency: policy.concurrency,
      maxQueue: policy.maxQueue,
      cacheTtlMs: policy.cacheTtlMs,
      cacheMaxEntries: policy.cacheMaxEntries,
    };
    // The key itself is not part of the identity string kept in memory: its variable name is.
    const identity = JSON.stringify({ ...options, endpoint: { ...options.endpoint, apiKey: policy.apiKeyEnv } });
    const existing = built.get(identity);
    if (existing) return existing.judge;
    const judge = createLlmJudge({ ...options, fetch: deps.fetch, ...(deps.logger ? { logger: deps.logger } : {}), ...(deps.metrics ? { metrics: deps.metrics } : {}) });
    built.set(identity, { baseUrl: policy.baseUrl, model: policy.model, judge });
    return judge;
  };
  return Object.assign(factory, {
    stats: () => [...built.values()].map(({ baseUrl, model, judge }) => ({ baseUrl, model, stats: judge.stats() })),
  });
}
