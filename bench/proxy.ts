// End-to-end benchmark of the whole proxy on loopback: the shipped policies, the committed ONNX
// classifier and RE2 pre-filters in front of the fake upstream. Prints requests/second and p50/p99
// latency for the upstream alone, guarded chat, and /v1/moderations, sequential and concurrent, so
// the cost the guardrails add per request can be read off. Run: npm run bench:proxy [-- --model PATH.onnx]

import { pino } from 'pino';
import { startFakeUpstream } from '../fixtures/fake-upstream.ts';
import { GUARD_DEGRADED_HEADER } from '../src/guardrails/report.ts';
import { DEFAULT_CLASSIFIER_MODEL, loadClassifier } from '../src/node/classifier.ts';
import { startProxyServer } from '../src/node/server.ts';

const PROXY_KEY = 'bench-proxy-key';
const SHORT = 'Could you summarise the main points of our meeting notes and email them to jane.doe@example.com?';
const SYLLABLES = ['ka', 'lo', 'mi', 'ne', 'ru', 'ta', 'vi', 'so', 'de', 'pa', 'ri', 'mo', 'le', 'nu', 'ga', 'ti'];
/** ~1,800 words with a natural spread of distinct words (repetitive text would trip the sponge detector). */
const LONG = Array.from({ length: 1800 }, (_, i) => {
  const n = (i * 7919) % 1500;
  return SYLLABLES[n % 16]! + SYLLABLES[(n >> 4) % 16]! + (n > 255 ? SYLLABLES[(n >> 8) % 16]! : '');
}).join(' ');

interface Case {
  label: string;
  url: string;
  headers: Record<string, string>;
  /** Request `i`'s body; every request's text differs so the classifier cache never answers. */
  body: (i: number) => unknown;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

let sequence = 0;

/** Answers other than 2xx, by status and the guard's degraded header (a classifier timeout under load fails closed). */
const refusals = new Map<string, number>();

async function send(c: Case): Promise<boolean> {
  const body = JSON.stringify(c.body(sequence++));
  const response = await fetch(c.url, { method: 'POST', headers: { 'content-type': 'application/json', ...c.headers }, body });
  await response.arrayBuffer();
  if (response.ok) return true;
  const degraded = response.headers.get(GUARD_DEGRADED_HEADER);
  const key = `${c.label}: HTTP ${response.status}${degraded ? ` (${GUARD_DEGRADED_HEADER}: ${degraded})` : ''}`;
  refusals.set(key, (refusals.get(key) ?? 0) + 1);
  return false;
}

async function measure(c: Case, requests: number, concurrency: number): Promise<string> {
  for (let i = 0; i < 20; i++) await send(c); // warm-up
  refusals.clear();
  const latencies: number[] = [];
  let failed = 0;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < requests) {
        next++;
        const t0 = performance.now();
        if (!(await send(c))) failed++;
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  for (const [what, count] of refusals) process.stderr.write(`  ${count} × ${what}\n`);
  return `| ${c.label} | ${concurrency} | ${Math.round(requests / seconds)} | ${percentile(latencies, 50).toFixed(2)} | ${percentile(latencies, 99).toFixed(2)} | ${failed} |`;
}

const modelFlag = process.argv.indexOf('--model');
const modelPath = modelFlag >= 0 ? process.argv[modelFlag + 1]! : DEFAULT_CLASSIFIER_MODEL;

const upstream = await startFakeUpstream();
const loadStarted = performance.now();
const proxy = await startProxyServer({
  policyDir: 'policies',
  classifier: () => loadClassifier(modelPath),
  env: { PROXY_API_KEYS: PROXY_KEY, UPSTREAM_BASE_URL: upstream.baseUrl },
  host: '127.0.0.1',
  port: 0,
  logger: pino({ level: 'silent' }),
});
const startupMs = performance.now() - loadStarted;
const auth = { authorization: `Bearer ${PROXY_KEY}` };
const chat = (content: string) => (i: number) => ({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `${content} (ref ${i})` }] });

const cases: Case[] = [
  { label: 'upstream alone, chat (short)', url: `${upstream.baseUrl}/chat/completions`, headers: {}, body: chat(SHORT) },
  { label: 'proxy, guarded chat (short)', url: `${proxy.url}/v1/chat/completions`, headers: auth, body: chat(SHORT) },
  { label: 'proxy, guarded chat (~1,800 words)', url: `${proxy.url}/v1/chat/completions`, headers: auth, body: chat(LONG) },
  { label: 'proxy, /v1/moderations (short)', url: `${proxy.url}/v1/moderations`, headers: auth, body: (i) => ({ input: `${SHORT} (ref ${i})` }) },
  { label: 'proxy, /v1/moderations (16 short, one call)', url: `${proxy.url}/v1/moderations`, headers: auth, body: (i) => ({ input: Array.from({ length: 16 }, (_, j) => `${SHORT} (ref ${i}.${j})`) }) },
];

console.log(`proxy start-up (policies, guards, model load): ${startupMs.toFixed(0)} ms; classifier ${proxy.classifier.version}`);
console.log('every request carries a different text, so the classifier result cache never answers\n');
console.log('| case | concurrency | requests/s | p50 ms | p99 ms | not 2xx |');
console.log('|---|---|---|---|---|---|');
for (const c of cases) {
  for (const concurrency of [1, 8]) console.log(await measure(c, c.label.includes('1,800') ? 200 : 1000, concurrency));
}
const rss = process.memoryUsage().rss / 2 ** 20;
console.log(`\nRSS after the runs: ${rss.toFixed(0)} MiB (proxy, upstream and client in one process)`);
await proxy.close();
await upstream.close();
