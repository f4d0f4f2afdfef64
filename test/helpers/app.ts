// The whole app in memory for app.request() tests: the two-tenant fixture policies read into
// memory, guards over the fake classifier and RE2 (wired as src/node/server.ts wires them), an
// injected fetch that records every upstream call, and a logger that records every line.

import { createApp, type AppDeps, type AppLimits } from '../../src/app.ts';
import { createClassifierCache } from '../../src/guard/cache.ts';
import { buildDetectors } from '../../src/guard/detectors/index.ts';
import { createGuardFactory } from '../../src/guard/guard-factory.ts';
import type { TextDetector } from '../../src/guard/types.ts';
import type { ProxyGuardrails } from '../../src/guardrails/seam.ts';
import type { LogFields, Logger } from '../../src/logging/logger.ts';
import { createRe2Engine } from '../../src/node/re2-engine.ts';
import type { DetectorSuiteOptions } from '../../src/policy/profiles/detector-options.ts';
import { createPolicyStore, staticPolicySource } from '../../src/policy/store.ts';
import type { PolicySource } from '../../src/policy/types.ts';
import type { FetchLike } from '../../src/proxy/upstream.ts';
import { createFakeClassifier, type FakeClassifier } from './fake-classifier.ts';
import { twoTenantsPolicyFiles } from './policy-files.ts';
import { ACME_KEY, ACME_SECOND_KEY, UPSTREAM_KEY } from './server.ts';

/** Where every fixture deployment's upstream lives; nothing listens there, the fetch is injected. */
export const UPSTREAM_BASE_URL = 'https://upstream.test/v1';

/** The environment the fixture policies' `${VAR}` references read. */
export const TEST_ENV: Readonly<Record<string, string>> = {
  ACME_PROXY_KEYS: `${ACME_KEY}, ${ACME_SECOND_KEY}`,
  FAKE_UPSTREAM_URL: UPSTREAM_BASE_URL,
  FAKE_UPSTREAM_KEY: UPSTREAM_KEY,
  WRONG_UPSTREAM_KEY: 'sk-wrong-upstream-key-0000',
  UNREACHABLE_UPSTREAM_URL: 'https://unreachable.test/v1',
};

/** One call the app made through the injected fetch. */
export interface UpstreamCall {
  url: string;
  method: string;
  /** Lower-cased names, as sent. */
  headers: Record<string, string>;
  /** The JSON body parsed back, or undefined when none was sent. */
  body: unknown;
  init: RequestInit;
}

export type UpstreamAnswer = (call: UpstreamCall) => Response | Promise<Response>;

export interface RecordingFetch {
  readonly fetch: FetchLike;
  readonly calls: UpstreamCall[];
}

/** A chat completion echoing the last message, like fixtures/fake-upstream.ts. */
export const echoChatCompletion: UpstreamAnswer = (call) => {
  const messages = (call.body as { messages?: Array<{ content?: unknown }> } | undefined)?.messages ?? [];
  const content = `You said: ${String(messages.at(-1)?.content ?? '')}`;
  return Response.json({
    id: 'chatcmpl-test',
    object: 'chat.completion',
    created: 1_700_000_000,
    model: (call.body as { model?: string } | undefined)?.model ?? 'unknown',
    choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, logprobs: null, finish_reason: 'stop' }],
  });
};

export function createRecordingFetch(answer: UpstreamAnswer = echoChatCompletion): RecordingFetch {
  const calls: UpstreamCall[] = [];
  return {
    calls,
    async fetch(url, init) {
      const body = typeof init.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined;
      const call: UpstreamCall = { url, method: init.method ?? 'GET', headers: Object.fromEntries(new Headers(init.headers)), body, init };
      calls.push(call);
      return answer(call);
    },
  };
}

export interface LogRecord {
  level: 'debug' | 'info' | 'warn' | 'error';
  fields: LogFields;
  message: string | undefined;
}

export interface RecordingLogger extends Logger {
  readonly records: LogRecord[];
}

export function createRecordingLogger(): RecordingLogger {
  const records: LogRecord[] = [];
  const at = (level: LogRecord['level']) => (fields: LogFields, message?: string) => void records.push({ level, fields, message });
  return { records, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export interface TestAppOptions {
  /** How the injected fetch answers; the default echoes a chat completion. */
  upstream?: UpstreamAnswer;
  guardrails?: ProxyGuardrails;
  limits?: Partial<AppLimits>;
  /** Default: the two-tenant fixture and the shipped profiles. */
  source?: PolicySource;
  /** Load the policies without a guard factory, so no tenant has guards. */
  withoutGuards?: boolean;
  /** Passed to createApp (default: its no-op metrics, its own readiness, no admin key). */
  metrics?: AppDeps['metrics'];
  readiness?: AppDeps['readiness'];
  adminKeyHash?: AppDeps['adminKeyHash'];
  rateLimiter?: AppDeps['rateLimiter'];
  audit?: AppDeps['audit'];
}

export interface TestApp {
  app: ReturnType<typeof createApp>;
  policies: AppDeps['policies'];
  upstream: RecordingFetch;
  logger: RecordingLogger;
  classifier: FakeClassifier;
  /** POST a JSON body as acme (headers may override). */
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<Response>;
  /** GET as acme (headers may override). */
  get(path: string, headers?: Record<string, string>): Promise<Response>;
}

const engine = createRe2Engine();
const compiledDetectors = new Map<string, TextDetector[]>();

/**
 * Detector sets are shared by every app a test file builds: like the guard factory's own reuse
 * across profiles and reloads, since compiling the pre-filters is the slow part of a load.
 */
function sharedDetectors(options: DetectorSuiteOptions): TextDetector[] {
  const key = JSON.stringify(options);
  let detectors = compiledDetectors.get(key);
  if (!detectors) compiledDetectors.set(key, (detectors = buildDetectors(options, engine)));
  return detectors;
}

/** A fresh app over a fresh fake classifier, classifier cache, recording fetch and logger. */
export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const classifier = createFakeClassifier();
  const buildGuard = createGuardFactory({ classifier, cache: createClassifierCache(), buildDetectors: sharedDetectors, metrics: options.metrics });
  const source = options.source ?? staticPolicySource(twoTenantsPolicyFiles());
  const policies = await createPolicyStore(source, TEST_ENV, options.withoutGuards ? {} : { buildGuard });
  const upstream = createRecordingFetch(options.upstream);
  const logger = createRecordingLogger();
  const app = createApp({
    policies,
    fetch: upstream.fetch,
    logger,
    limits: options.limits,
    guardrails: options.guardrails,
    metrics: options.metrics,
    readiness: options.readiness,
    adminKeyHash: options.adminKeyHash,
    rateLimiter: options.rateLimiter,
    audit: options.audit,
  });
  const acme = (headers: Record<string, string>) => ({ authorization: `Bearer ${ACME_KEY}`, ...headers });
  return {
    app,
    policies,
    upstream,
    logger,
    classifier,
    post: async (path, body, headers = {}) =>
      app.request(path, { method: 'POST', headers: acme({ 'content-type': 'application/json', ...headers }), body: JSON.stringify(body) }),
    get: async (path, headers = {}) => app.request(path, { headers: acme(headers) }),
  };
}
