// The LLM judge behind the cascade's Judge contract: one OpenAI-compatible endpoint, its prompt
// style, and the cost controls around each call: an LRU cache (text hash + profile + policy
// version + model + what was asked), in-flight de-duplication of identical asks, a concurrency
// limit with a bounded queue, and counters (calls, cache hits, failures, judge/classifier
// disagreement) that are logged without content. Timeouts are the stage's (it aborts the signal).

import { LRUCache } from 'lru-cache';
import { MODERATION_CATEGORIES } from '../categories.ts';
import { sha256Hex } from '../digest.ts';
import type { Judge, JudgeCheck, JudgeRequest, JudgeResult } from '../guard/types.ts';
import { StageOverloadedError } from '../guard/timeout.ts';
import { describeCause, type Logger } from '../logging/logger.ts';
import { DURATION_BUCKETS, noopMetrics, type Metrics } from '../ops/metrics.ts';
import { createJudgeClient, JudgeHttpError, type FetchLike, type JudgeEndpoint } from './client.ts';
import { createLimiter } from './limiter.ts';
import { llamaGuardMessages, rubricMessages } from './prompt.ts';
import { JudgeAnswerError, parseJsonVerdict, parseLlamaGuardVerdict, verdictJsonSchema } from './verdict.ts';

export interface JudgeStats {
  /** Calls that reached the judge server (cache misses that were not de-duplicated). */
  calls: number;
  cacheHits: number;
  /** Asks that joined an identical ask already in flight. */
  deduplicated: number;
  /** Calls that failed, by reason. */
  timeouts: number;
  overloaded: number;
  httpErrors: number;
  malformed: number;
  /** Gray-band categories where the judge and the classifier's lean (above or below the band's middle) differ, and agree. */
  disagreements: number;
  agreements: number;
  /** Sum of the successful calls' latency, for a mean. */
  latencyMsTotal: number;
}

export interface LlmJudge extends Judge {
  stats(): JudgeStats;
  /** False once the server rejected `response_format` (it is then asked without it). */
  readonly structuredOutput: boolean;
}

export interface LlmJudgeOptions {
  readonly endpoint: JudgeEndpoint;
  readonly verdict: 'json' | 'llama_guard';
  readonly concurrency: number;
  readonly maxQueue: number;
  readonly cacheTtlMs: number;
  readonly cacheMaxEntries: number;
  readonly fetch: FetchLike;
  readonly logger?: Logger;
  /** guardrail_judge_calls_total{outcome}, guardrail_judge_call_seconds, guardrail_judge_comparisons_total{direction,category,result}. */
  readonly metrics?: Metrics;
  readonly now?: () => number;
}

function raceSignal<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => (signal.removeEventListener('abort', onAbort), resolve(value)),
      (error: unknown) => (signal.removeEventListener('abort', onAbort), reject(error)),
    );
  });
}

/** What a verdict depends on: the text, where and under which policy it was asked, and what was asked. */
export function judgeCacheKey(request: JudgeRequest, model: string, verdict: string): string {
  return sha256Hex(
    JSON.stringify([sha256Hex(request.text), request.cacheScope ?? '', request.profile, request.policyVersion, model, verdict, request.direction, request.reason, request.grayCategories, request.checks]),
  );
}

export function createLlmJudge(options: LlmJudgeOptions): LlmJudge {
  const client = createJudgeClient(options.endpoint, options.fetch);
  const limiter = createLimiter({ concurrency: options.concurrency, maxQueue: options.maxQueue });
  const cache = options.cacheTtlMs > 0 ? new LRUCache<string, JudgeResult>({ max: options.cacheMaxEntries, ttl: options.cacheTtlMs }) : null;
  const inFlight = new Map<string, Promise<JudgeResult>>();
  const now = options.now ?? (() => performance.now());
  const schema = options.verdict === 'json' ? verdictJsonSchema() : undefined;
  const stats: JudgeStats = { calls: 0, cacheHits: 0, deduplicated: 0, timeouts: 0, overloaded: 0, httpErrors: 0, malformed: 0, disagreements: 0, agreements: 0, latencyMsTotal: 0 };
  const log = options.logger;
  const metrics = options.metrics ?? noopMetrics;
  const outcomes = metrics.counter('guardrail_judge_calls_total', {
    help: 'LLM judge asks by outcome: ok, cache_hit, deduplicated, timeout, overloaded, http_error, malformed_verdict',
    labelNames: ['outcome'],
  });
  const seconds = metrics.histogram('guardrail_judge_call_seconds', { help: 'LLM judge server calls that answered, in seconds', buckets: DURATION_BUCKETS });
  const comparisons = metrics.counter('guardrail_judge_comparisons_total', {
    help: "Gray-band categories where the judge agreed or disagreed with the classifier's lean (above or below the band's middle)",
    labelNames: ['direction', 'category', 'result'],
  });

  function countDisagreement(request: JudgeRequest, result: JudgeResult, textSha: string): void {
    const named = (result.categories ?? []).filter((c) => (MODERATION_CATEGORIES as readonly string[]).includes(c));
    for (const category of request.grayCategories) {
      const band = request.grayBands[category];
      if (!band) continue;
      const classifierLeansUnsafe = request.scores[category] >= (band.from + band.to) / 2;
      const judgeUnsafe = result.decision === 'block' && (named.length === 0 || named.includes(category));
      comparisons.inc({ direction: request.direction, category, result: classifierLeansUnsafe === judgeUnsafe ? 'agree' : 'disagree' });
      if (classifierLeansUnsafe === judgeUnsafe) {
        stats.agreements++;
        continue;
      }
      stats.disagreements++;
      log?.info(
        { event: 'judge_disagreement', profile: request.profile, direction: request.direction, category, score: Math.round(request.scores[category] * 1000) / 1000, judge: result.decision, textSha256: textSha.slice(0, 16) },
        'judge and classifier disagree',
      );
    }
  }

  async function call(request: JudgeRequest): Promise<JudgeResult> {
    const started = now();
    const asked = (Object.keys(request.checks) as JudgeCheck[]).filter((check) => request.checks[check] !== undefined);
    const messages = options.verdict === 'json' ? rubricMessages(request) : llamaGuardMessages(request);
    const content = await client.complete({ messages, ...(schema ? { schema } : {}), signal: request.signal });
    const result = options.verdict === 'json' ? parseJsonVerdict(content, request.text, asked) : parseLlamaGuardVerdict(content);
    const elapsed = now() - started;
    stats.latencyMsTotal += elapsed;
    seconds.observe({}, elapsed / 1000);
    return result;
  }

  function recordFailure(request: JudgeRequest, error: unknown): void {
    let reason: string;
    if (request.signal.aborted) {
      stats.timeouts++;
      reason = 'timeout';
    } else if (error instanceof StageOverloadedError) {
      stats.overloaded++;
      reason = 'overloaded';
    } else if (error instanceof JudgeAnswerError) {
      stats.malformed++;
      reason = 'malformed_verdict';
    } else {
      stats.httpErrors++;
      reason = 'http_error';
    }
    outcomes.inc({ outcome: reason });
    const status = error instanceof JudgeHttpError ? { status: error.status } : {};
    log?.warn({ event: 'judge_failed', profile: request.profile, direction: request.direction, reason, ...status, ...(reason === 'http_error' && !(error instanceof JudgeHttpError) ? describeCause(error) : {}) }, 'judge call failed');
  }

  return {
    get structuredOutput() {
      return client.structuredOutput;
    },
    stats: () => ({ ...stats }),
    async review(request) {
      const key = judgeCacheKey(request, options.endpoint.model, options.verdict);
      const hit = cache?.get(key);
      if (hit) {
        stats.cacheHits++;
        outcomes.inc({ outcome: 'cache_hit' });
        return { ...hit, cached: true };
      }
      const pending = inFlight.get(key);
      if (pending) {
        stats.deduplicated++;
        outcomes.inc({ outcome: 'deduplicated' });
        return raceSignal(pending, request.signal);
      }
      const work = limiter.run(() => {
        stats.calls++;
        return call(request);
      }, request.signal);
      inFlight.set(key, work);
      try {
        const result = await work;
        cache?.set(key, result);
        outcomes.inc({ outcome: 'ok' });
        countDisagreement(request, result, sha256Hex(request.text));
        return result;
      } catch (error) {
        recordFailure(request, error);
        throw error;
      } finally {
        inFlight.delete(key);
      }
    },
  };
}
