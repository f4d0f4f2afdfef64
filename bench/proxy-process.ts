// One server of `npm run bench:proxy`, in its own process so the load client never shares its event
// loop: the fake upstream, or the proxy (guards on over bench/policies, or pass-through). Started
// with fork(); it sends {url} when listening and answers IPC requests: `eld-start` / `eld-stop`
// (event-loop delay through perf_hooks.monitorEventLoopDelay, resolution 1 ms), `rss` (resident
// memory, MiB, after a full GC when --expose-gc is on).

import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { pino } from 'pino';
import { startFakeUpstream } from '../fixtures/fake-upstream.ts';
import { passThroughGuardrails } from '../src/guardrails/seam.ts';
import { DEFAULT_CLASSIFIER_MODEL, defaultMaxClassifierThreads, loadClassifier } from '../src/node/classifier.ts';
import { startProxyServer } from '../src/node/server.ts';

export type BenchRole = { role: 'upstream' } | { role: 'proxy'; guards: boolean; upstreamUrl: string; proxyKey: string };

export type BenchRequest = { type: 'eld-start' } | { type: 'eld-stop' } | { type: 'rss' };
export type BenchReply =
  | { type: 'listening'; url: string }
  | { type: 'started' }
  | { type: 'eld'; p50: number; p99: number; max: number; count: number }
  | { type: 'rss'; mib: number };

const role = JSON.parse(process.env['BENCH_ROLE'] ?? '{}') as BenchRole;
const send = (reply: BenchReply) => process.send!(reply);

let url: string;
if (role.role === 'upstream') {
  url = (await startFakeUpstream()).baseUrl;
} else {
  const proxy = await startProxyServer({
    policyDir: 'bench/policies',
    shippedProfilesDir: 'policies/profiles',
    // CLASSIFIER_THREADS and CLASSIFIER_MAX_THREADS as in npm start (defaults 1 and the cores).
    classifier: () => {
      const threads = Number(process.env['CLASSIFIER_THREADS'] ?? 1);
      return loadClassifier(DEFAULT_CLASSIFIER_MODEL, { threads, maxThreads: Number(process.env['CLASSIFIER_MAX_THREADS'] ?? defaultMaxClassifierThreads(threads)) });
    },
    env: { BENCH_PROXY_KEYS: role.proxyKey, UPSTREAM_BASE_URL: role.upstreamUrl },
    host: '127.0.0.1',
    port: 0,
    logger: pino({ level: 'silent' }),
    ...(role.guards ? {} : { guardrails: passThroughGuardrails }),
  });
  url = proxy.url;
}

let histogram: IntervalHistogram | null = null;
const ms = (ns: number) => Math.round((ns / 1e6) * 10) / 10;
process.on('message', (request: BenchRequest) => {
  if (request.type === 'eld-start') {
    histogram = monitorEventLoopDelay({ resolution: 1 });
    histogram.enable();
    send({ type: 'started' });
  } else if (request.type === 'eld-stop' && histogram) {
    histogram.disable();
    send({ type: 'eld', p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max), count: histogram.count });
    histogram = null;
  } else if (request.type === 'rss') {
    (globalThis as { gc?: () => void }).gc?.();
    send({ type: 'rss', mib: Math.round(process.memoryUsage().rss / 2 ** 20) });
  }
});
process.on('disconnect', () => process.exit(0));
send({ type: 'listening', url });
