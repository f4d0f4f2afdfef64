// Starts the fake upstream and the real proxy on loopback (same wiring as `npm start`), with pino
// writing into memory so tests can inspect the logs, and hands out official `openai` clients.
// `useTestStack` registers a suite's start, per-test reset and close.

import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { AppLimits } from '../../src/app.ts';
import type { Classifier } from '../../src/classifier/types.ts';
import { startProxyServer, type ConnectionLimits, type ProxyServerOptions, type RunningProxy } from '../../src/node/server.ts';
import type { ProxyGuardrails } from '../../src/guardrails/seam.ts';
import { startFakeUpstream, type FakeUpstream } from '../../fixtures/fake-upstream.ts';
import { createFakeClassifier, type FakeClassifier } from './fake-classifier.ts';
import { unusedLoopbackPort } from './ports.ts';

export const ACME_KEY = 'acme-proxy-key-0123456789';
export const ACME_SECOND_KEY = 'acme-proxy-key-second';
/** Its sha256 is committed in fixtures/policies/two-tenants/tenants/globex.yaml. */
export const GLOBEX_KEY = 'globex-proxy-key-abcdef';
export const UPSTREAM_KEY = 'sk-upstream-secret-key-do-not-leak-42';

export const TWO_TENANTS_DIR = fileURLToPath(new URL('../../fixtures/policies/two-tenants', import.meta.url));
export const SHIPPED_PROFILES_DIR = fileURLToPath(new URL('../../policies/profiles', import.meta.url));

export interface TestStack<C extends Classifier = FakeClassifier> {
  upstream: FakeUpstream;
  proxy: RunningProxy;
  /** The classifier every guard scores with: the fake unless the options named a model. */
  classifier: C;
  /** `http://127.0.0.1:<port>/v1` */
  baseURL: string;
  /** Raw JSON log lines the proxy wrote. */
  logLines: string[];
  /** The proxy's origin, e.g. `http://127.0.0.1:1234`. */
  url: string;
  client(apiKey: string, headers?: Record<string, string>): OpenAI;
  /**
   * Raw JSON POST as acme (headers may override), for what the SDK hides: its APIError keeps only
   * the `error` member of a 400 body, not `policy_detections` beside it.
   */
  postJson<T>(path: string, body: unknown, headers?: Record<string, string>): Promise<{ response: Response; body: T }>;
  /** A clean slate between tests: the upstream's recorded requests and knobs, the fake classifier's failure mode. */
  reset(): void;
  close(): Promise<void>;
}

export interface TestStackOptions {
  policyDir?: string;
  env?: Record<string, string>;
  limits?: Partial<AppLimits>;
  connections?: Partial<ConnectionLimits>;
  guardrails?: ProxyGuardrails;
  /** Operations options passed to startProxyServer as they are (admin key, watch, audit, metrics port...). */
  ops?: Pick<ProxyServerOptions, 'adminApiKey' | 'watchPolicies' | 'watchDebounceMs' | 'refreshIntervalMs' | 'audit' | 'metricsPort' | 'metrics' | 'idleMemoryReleaseMs'>;
}

/** A stack over a real model instead of the fake: loaded once the policies checked out, closed with the stack. */
export interface ModelStackOptions<C extends Classifier> extends TestStackOptions {
  classifier: () => Promise<C>;
}

type AnyStackOptions = TestStackOptions & { classifier?: () => Promise<Classifier> };

export function startTestStack(options?: TestStackOptions): Promise<TestStack>;
export function startTestStack<C extends Classifier>(options: ModelStackOptions<C>): Promise<TestStack<C>>;
export function startTestStack(options: AnyStackOptions = {}): Promise<TestStack<Classifier>> {
  return launch(options);
}

/**
 * The suite's stack: started before its first test, reset before each, closed after the last.
 * The handle reaches the running stack, so it may only be used inside tests and hooks.
 */
export function useTestStack(options?: TestStackOptions): TestStack;
export function useTestStack<C extends Classifier>(options: ModelStackOptions<C>): TestStack<C>;
export function useTestStack(options: AnyStackOptions = {}): TestStack<Classifier> {
  let running: TestStack<Classifier> | undefined;
  beforeAll(async () => {
    running = await launch(options);
  });
  afterAll(async () => {
    await running?.close();
  });
  beforeEach(() => running?.reset());
  const started = (): TestStack<Classifier> => {
    if (!running) throw new Error('The test stack is reachable only inside tests and hooks, once it started.');
    return running;
  };
  return new Proxy({} as TestStack<Classifier>, { get: (_target, property) => Reflect.get(started(), property) });
}

async function launch(options: AnyStackOptions): Promise<TestStack<Classifier>> {
  const upstream = await startFakeUpstream({ apiKey: UPSTREAM_KEY });
  const logLines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logLines.push(line) });
  const classifier = options.classifier ?? createFakeClassifier();
  const proxy = await startProxyServer({
    classifier,
    policyDir: options.policyDir ?? TWO_TENANTS_DIR,
    shippedProfilesDir: SHIPPED_PROFILES_DIR,
    env: {
      ACME_PROXY_KEYS: `${ACME_KEY}, ${ACME_SECOND_KEY}`,
      FAKE_UPSTREAM_URL: upstream.baseUrl,
      FAKE_UPSTREAM_KEY: UPSTREAM_KEY,
      // What the shipped tenant (policies/tenants/default.yaml) reads.
      UPSTREAM_BASE_URL: upstream.baseUrl,
      UPSTREAM_API_KEY: UPSTREAM_KEY,
      WRONG_UPSTREAM_KEY: 'sk-wrong-upstream-key-0000',
      UNREACHABLE_UPSTREAM_URL: `http://127.0.0.1:${await unusedLoopbackPort()}/v1`,
      ...options.env,
    },
    host: '127.0.0.1',
    port: 0,
    logger,
    limits: options.limits,
    connections: options.connections,
    guardrails: options.guardrails,
    ...options.ops,
  }).catch(async (error: unknown) => {
    // A model or policy that fails to load must not leave the upstream listening.
    await upstream.close();
    throw error;
  });
  const baseURL = `${proxy.url}/v1`;
  return {
    upstream,
    proxy,
    classifier: proxy.classifier,
    baseURL,
    logLines,
    url: proxy.url,
    client: (apiKey, headers = {}) => new OpenAI({ baseURL, apiKey, defaultHeaders: headers, maxRetries: 0, timeout: 10_000 }),
    async postJson<T>(path: string, body: unknown, headers: Record<string, string> = {}) {
      const response = await fetch(`${proxy.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ACME_KEY}`, 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
      return { response, body: (await response.json()) as T };
    },
    reset() {
      upstream.reset();
      if (typeof classifier !== 'function') classifier.setFailure('none');
    },
    async close() {
      await proxy.close();
      await upstream.close();
    },
  };
}

