// The runtime-free half of every entry: the guard factory over the runtime's classifier and regex
// engine, the policy store over its policy source, and the app over its fetch and logger. Node
// (src/node/server.ts) and Workers (src/workers/index.ts) supply only those collaborators.

import { createApp, type AppLimits } from './app.ts';
import type { Classifier } from './classifier/types.ts';
import { createClassifierCache, type SharedScoreStore } from './guard/cache.ts';
import { buildDetectors } from './guard/detectors/index.ts';
import { createGuardFactory } from './guard/guard-factory.ts';
import { createLogTextMasker, type LogTextMasker } from './guard/log-mask.ts';
import type { RegexEngine } from './guard/regex/engine.ts';
import type { Guard, GuardedPolicyStore } from './guard/types.ts';
import { createPolicyReloader, type PolicyReloader } from './policy/reload.ts';
import { createProxyGuardrails } from './guardrails/proxy-guardrails.ts';
import type { ProxyGuardrails } from './guardrails/seam.ts';
import { createJudgeFactory, type JudgeFactory } from './judge/factory.ts';
import { createKeyScrubber } from './logging/key-scrub.ts';
import type { Logger } from './logging/logger.ts';
import { createSafeLogger } from './logging/safe-logger.ts';
import type { AuditRecord, AuditSink } from './ops/audit.ts';
import type { Metrics } from './ops/metrics.ts';
import type { Readiness } from './ops/readiness.ts';
import type { EnvMap } from './policy/interpolate.ts';
import { createPolicyStore } from './policy/store.ts';
import type { PolicySource } from './policy/types.ts';
import type { FetchLike } from './proxy/upstream.ts';
import type { RateLimiter } from './ratelimit/types.ts';

const NO_KEYS = createKeyScrubber([]);

export interface ProxyParts {
  /** Where the policy files come from (the file system on Node, the bundle on Workers). */
  readonly source: PolicySource;
  /** Values for `${NAME}` references in policy files. */
  readonly env: EnvMap;
  readonly classifier: Classifier;
  /** Every detector pattern compiles through it (RE2 on Node, the RE2 subset of RegExp on Workers). */
  readonly regexEngine: RegexEngine;
  readonly fetch: FetchLike;
  readonly logger: Logger;
  readonly limits?: Partial<AppLimits>;
  /** Replaces the guard cascade (tests of the seam itself). */
  readonly guardrails?: ProxyGuardrails;
  /** Counters and histograms for the app and every guard; no-op when absent. */
  readonly metrics?: Metrics;
  /** Readiness checks for /readyz; the runtime may have registered its own. */
  readonly readiness?: Readiness;
  /** sha256 of ADMIN_API_KEY; without it /metrics and /admin/* are not served on the app. */
  readonly adminKeyHash?: Uint8Array | null;
  /** Default: in memory (per process on Node, per isolate on Workers). */
  readonly rateLimiter?: RateLimiter;
  /** Least time between two refresh-header reloads of one tenant (default 5 s). */
  readonly refreshIntervalMs?: number;
  /** Where every guard decision's audit record goes (src/ops/audit.ts); nowhere when absent. */
  readonly audit?: AuditSink;
  /** Backs the classifier cache for every replica (Redis on Node with REDIS_URL); this process only when absent. */
  readonly sharedScores?: SharedScoreStore;
}

export interface AssembledProxy {
  readonly app: ReturnType<typeof createApp>;
  readonly policies: GuardedPolicyStore;
  /** For the runtime's reload triggers (file watch, SIGHUP). */
  readonly reloader: PolicyReloader<Guard>;
  /** The LLM judges the profiles built (one per endpoint), with their counters. */
  readonly judges: JudgeFactory;
}

/** Loads the policies, building every profile's guard (throws PolicyLoadError on a bad file), and builds the app. */
export async function assembleProxy(parts: ProxyParts): Promise<AssembledProxy> {
  const { regexEngine } = parts;
  // Every line the request path writes goes through the key scrubber of the policies in force,
  // and its client-chosen fields (model, tags, request id, path) are bounded and PII-masked.
  let policies: GuardedPolicyStore | undefined;
  const maskClientText = createLogTextMasker(regexEngine);
  const logger = createSafeLogger(parts.logger, { keyScrubber: () => policies?.current().keyScrubber ?? NO_KEYS, maskClientText });
  const audit = parts.audit ? maskAuditTags(parts.audit, maskClientText) : undefined;
  // Each profile's LLM judge, over the same injected fetch as the upstream calls (runtime-free).
  const judges = createJudgeFactory({ fetch: parts.fetch, env: parts.env, logger, ...(parts.metrics ? { metrics: parts.metrics } : {}) });
  const buildGuard = createGuardFactory({
    metrics: parts.metrics,
    classifier: parts.classifier,
    cache: createClassifierCache({ shared: parts.sharedScores }),
    judges,
    buildDetectors: (detectorOptions) => buildDetectors(detectorOptions, regexEngine),
  });
  policies = await createPolicyStore(parts.source, parts.env, { buildGuard });
  const reloader = createPolicyReloader({ store: policies, logger, refreshIntervalMs: parts.refreshIntervalMs });
  const app = createApp({
    policies,
    reloader,
    fetch: parts.fetch,
    logger,
    limits: parts.limits,
    guardrails: parts.guardrails ?? createProxyGuardrails({ audit }),
    audit,
    metrics: parts.metrics,
    readiness: parts.readiness,
    adminKeyHash: parts.adminKeyHash,
    rateLimiter: parts.rateLimiter,
    maskClientText,
  });
  return { app, policies, reloader, judges };
}

/** X-Guard-Tags reach audit records too: the same PII masking as in the log. */
function maskAuditTags(sink: AuditSink, mask: LogTextMasker): AuditSink {
  return { write: (record: AuditRecord) => sink.write(record.tags.length === 0 ? record : { ...record, tags: record.tags.map(mask) }) };
}
