// Starts the fake upstream and the real proxy on loopback (same wiring as `npm start`), with pino
// writing into memory so tests can inspect the logs, and hands out official `openai` clients.

import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { pino } from 'pino';
import type { AppLimits } from '../../src/app.ts';
import { startProxyServer, type RunningProxy } from '../../src/node/server.ts';
import type { ProxyGuardrails } from '../../src/guardrails/seam.ts';
import { startFakeUpstream, type FakeUpstream } from '../../fixtures/fake-upstream.ts';
import { createFakeClassifier, type FakeClassifier } from './fake-classifier.ts';

export const ACME_KEY = 'acme-proxy-key-0123456789';
export const ACME_SECOND_KEY = 'acme-proxy-key-second';
/** Its sha256 is committed in fixtures/policies/two-tenants/tenants/globex.yaml. */
export const GLOBEX_KEY = 'globex-proxy-key-abcdef';
export const UPSTREAM_KEY = 'sk-upstream-secret-key-do-not-leak-42';

export const TWO_TENANTS_DIR = fileURLToPath(new URL('../../fixtures/policies/two-tenants', import.meta.url));
export const SHIPPED_PROFILES_DIR = fileURLToPath(new URL('../../policies/profiles', import.meta.url));

export interface TestStack {
  upstream: FakeUpstream;
  proxy: RunningProxy;
  /** The fake classifier every guard scores with. */
  classifier: FakeClassifier;
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
  close(): Promise<void>;
}

export interface TestStackOptions {
  policyDir?: string;
  env?: Record<string, string>;
  limits?: Partial<AppLimits>;
  guardrails?: ProxyGuardrails;
}

export async function startTestStack(options: TestStackOptions = {}): Promise<TestStack> {
  const upstream = await startFakeUpstream({ apiKey: UPSTREAM_KEY });
  const logLines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logLines.push(line) });
  const classifier = createFakeClassifier();
  const proxy = await startProxyServer({
    classifier,
    policyDir: options.policyDir ?? TWO_TENANTS_DIR,
    shippedProfilesDir: SHIPPED_PROFILES_DIR,
    env: {
      ACME_PROXY_KEYS: `${ACME_KEY}, ${ACME_SECOND_KEY}`,
      FAKE_UPSTREAM_URL: upstream.baseUrl,
      FAKE_UPSTREAM_KEY: UPSTREAM_KEY,
      WRONG_UPSTREAM_KEY: 'sk-wrong-upstream-key-0000',
      UNREACHABLE_UPSTREAM_URL: `http://127.0.0.1:${await unusedPort()}/v1`,
      ...options.env,
    },
    host: '127.0.0.1',
    port: 0,
    logger,
    limits: options.limits,
    guardrails: options.guardrails,
  });
  const baseURL = `${proxy.url}/v1`;
  return {
    upstream,
    proxy,
    classifier,
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
    async close() {
      await proxy.close();
      await upstream.close();
    },
  };
}

/** A loopback port nothing listens on (bound, then released). */
async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}
