// More than one replica: two real proxy processes (`npm start`'s entry, the shipped classifier)
// against one real redis-server and the fake upstream, called with the official openai client.
// Requests across both exhaust ONE bucket; a verdict scored by one is served from the shared cache
// by the other; when Redis stops, both keep serving on local limits and say so.

import { spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../../fixtures/fake-upstream.ts';
import { startRedisServer, type RedisServer } from '../helpers/redis.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const LIMITED_KEY = 'replica-limited-key-0001';
const CACHE_KEY = 'replica-cache-key-0002';
const UPSTREAM_KEY = 'sk-replica-upstream-0003';

const TENANT = `tenant: default
api_keys:
  - \${REPLICA_KEYS}
default_deployment: main
deployments:
  - name: main
    upstream: { base_url: "\${UPSTREAM_URL}", api_key: "\${UPSTREAM_KEY}" }
rate_limits:
  per_key: { requests_per_minute: 3 }
`;

interface Replica {
  url: string;
  child: ChildProcess;
  output: () => string;
}

let redis: RedisServer;
let upstream: FakeUpstream;
let policyDir: string;
const replicas: Replica[] = [];

function startReplica(env: Record<string, string>): Promise<Replica> {
  const child = spawn(TSX, ['src/node/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`replica did not start:\n${output}`)), 90_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      for (const line of output.split('\n')) {
        if (!line.includes('guardrail proxy listening')) continue;
        clearTimeout(timer);
        resolve({ url: (JSON.parse(line) as { url: string }).url, child, output: () => output });
        return;
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`replica exited (${code}):\n${output}`));
    });
  });
}

function client(replica: Replica, apiKey: string): OpenAI {
  return new OpenAI({ baseURL: `${replica.url}/v1`, apiKey, maxRetries: 0, timeout: 20_000 });
}

const chat = (content: string) => ({ model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content }] });

beforeAll(async () => {
  redis = await startRedisServer();
  upstream = await startFakeUpstream({ apiKey: UPSTREAM_KEY });
  policyDir = await mkdtemp(join(tmpdir(), 'replicas-'));
  await mkdir(join(policyDir, 'tenants'));
  await writeFile(join(policyDir, 'tenants', 'default.yaml'), TENANT);
  await cp(join(ROOT, 'policies', 'profiles'), join(policyDir, 'profiles'), { recursive: true });
  const env = {
    POLICY_DIR: policyDir,
    REDIS_URL: redis.url,
    REDIS_COMMAND_TIMEOUT_MS: '2000',
    REPLICA_KEYS: `${LIMITED_KEY},${CACHE_KEY}`,
    UPSTREAM_URL: upstream.baseUrl,
    UPSTREAM_KEY,
  };
  replicas.push(...(await Promise.all([startReplica(env), startReplica(env)])));
}, 180_000);

afterAll(async () => {
  for (const replica of replicas) {
    if (replica.child.exitCode === null) {
      await new Promise<void>((resolve) => {
        replica.child.once('exit', () => resolve());
        replica.child.kill('SIGTERM');
      });
    }
  }
  await upstream?.close();
  await redis?.stop();
  if (policyDir) await rm(policyDir, { recursive: true, force: true });
});

describe('two proxy processes sharing one Redis', () => {
  it('share one rate-limit bucket: requests across both exhaust it', async () => {
    const [a, b] = [client(replicas[0]!, LIMITED_KEY), client(replicas[1]!, LIMITED_KEY)];
    const remaining: string[] = [];
    for (const replica of [a, b, a]) {
      const { response } = await replica.chat.completions.create(chat('hello')).withResponse();
      expect(response.headers.get('x-guard-ratelimit')).toBe('shared');
      remaining.push(response.headers.get('x-ratelimit-remaining-requests') ?? '');
    }
    expect(remaining).toEqual(['2', '1', '0']);
    const refused = await b.chat.completions.create(chat('hello')).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.RateLimitError);
    const error = refused as InstanceType<typeof OpenAI.RateLimitError>;
    expect(error.status).toBe(429);
    expect(error.code).toBe('rate_limit_exceeded');
    expect(error.type).toBe('requests');
    expect(error.headers?.get('retry-after')).toMatch(/^\d+$/);
    expect(error.headers?.get('x-ratelimit-limit-requests')).toBe('3');
    // The other replica refuses too: it is one bucket.
    await expect(a.chat.completions.create(chat('hello'))).rejects.toBeInstanceOf(OpenAI.RateLimitError);
  });

  it('share the verdict cache: text scored by one is served from the cache by the other', async () => {
    const text = 'Please summarise the shared cache behaviour for replica number 8231.';
    type Guarded = { policy_detections: { input_guardrails: { classifier: { status: string[] } } } };
    const first = (await client(replicas[0]!, CACHE_KEY).chat.completions.create(chat(text))) as unknown as Guarded;
    expect(first.policy_detections.input_guardrails.classifier.status).toEqual(['scored']);
    // The score is written to Redis without holding up the answer: allow it to land.
    let second: Guarded | undefined;
    for (let attempt = 0; attempt < 20; attempt++) {
      second = (await client(replicas[1]!, CACHE_KEY).chat.completions.create(chat(text))) as unknown as Guarded;
      if (second.policy_detections.input_guardrails.classifier.status[0] === 'cached') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(second!.policy_detections.input_guardrails.classifier.status).toEqual(['cached']);
  });

  it('keep serving on local limits when Redis stops, and say so in the header and /readyz', async () => {
    await redis.stop();
    const { response } = await client(replicas[1]!, CACHE_KEY).chat.completions.create(chat('still here?')).withResponse();
    expect(response.status).toBe(200);
    expect(response.headers.get('x-guard-ratelimit')).toBe('local');
    // Local buckets start full: the key exhausted in Redis gets this replica's own limit meanwhile.
    const local = await client(replicas[0]!, LIMITED_KEY).chat.completions.create(chat('hello')).withResponse();
    expect(local.response.headers.get('x-guard-ratelimit')).toBe('local');
    expect(local.response.headers.get('x-ratelimit-remaining-requests')).toBe('2');

    const ready = await fetch(`${replicas[0]!.url}/readyz`);
    expect(ready.status).toBe(200);
    const report = (await ready.json()) as { status: string; checks: Record<string, { status: string; reason: string }> };
    expect(report.status).toBe('degraded');
    expect(report.checks['rate_limits']!.status).toBe('degraded');
    expect(report.checks['rate_limits']!.reason).toContain('Redis unavailable');
    expect(replicas[0]!.output()).toContain('Redis unavailable');
  });
});
