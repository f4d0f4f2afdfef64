// Streamed output moderation, measured: time to first token and total time of a streamed chat
// answer through the proxy with the default profile's output guardrails (the committed classifier
// and RE2 pre-filters) against the same stream through the proxy with pass-through guardrails, in
// one run, for 1 KB, 10 KB and 100 KB answers, paced at 10 ms per chunk and unpaced.
// Run: npm run bench:stream

import { pino } from 'pino';
import { startFakeUpstream } from '../fixtures/fake-upstream.ts';
import { passThroughGuardrails } from '../src/guardrails/seam.ts';
import { DEFAULT_CLASSIFIER_MODEL, loadClassifier } from '../src/node/classifier.ts';
import { startProxyServer } from '../src/node/server.ts';

const PROXY_KEY = 'bench-proxy-key';
const CHUNK = 16;
const WORDS = ['garden', 'river', 'morning', 'quiet', 'bright', 'window', 'paper', 'little', 'travel', 'summer', 'number', 'yellow', 'market', 'simple', 'letter', 'forest'];

/** Prose-like text of about `bytes` characters with a natural spread of words. */
function answerOf(bytes: number): string {
  const words: string[] = [];
  let length = 0;
  for (let i = 0; length < bytes; i++) {
    const word = WORDS[(i * 7919) % WORDS.length]! + (i % 13 === 0 ? '.' : '');
    words.push(word);
    length += word.length + 1;
  }
  return words.join(' ').slice(0, bytes);
}

function events(text: string): unknown[] {
  const chunk = (delta: Record<string, unknown>, finish: string | null) => ({
    id: 'chatcmpl-b', object: 'chat.completion.chunk', created: 1_700_000_000, model: 'gpt-4o-mini',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  });
  const out: unknown[] = [chunk({ role: 'assistant', content: '' }, null)];
  for (let i = 0; i < text.length; i += CHUNK) out.push(chunk({ content: text.slice(i, i + CHUNK) }, null));
  out.push(chunk({}, 'stop'));
  return out;
}

/** ms to the first content byte and to the end of the stream. */
async function timeOne(url: string): Promise<{ first: number; total: number }> {
  const started = performance.now();
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${PROXY_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'Tell me a story.' }] }),
  });
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let first = -1;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (first < 0 && /"content":"[^"]/.test(decoder.decode(value))) first = performance.now() - started;
  }
  return { first, total: performance.now() - started };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main(): Promise<void> {
  const upstream = await startFakeUpstream();
  const classifier = await loadClassifier(DEFAULT_CLASSIFIER_MODEL);
  const env = { ...process.env, PROXY_API_KEYS: PROXY_KEY, UPSTREAM_BASE_URL: upstream.baseUrl, UPSTREAM_API_KEY: '' };
  const common = { policyDir: './policies', env, host: '127.0.0.1', port: 0, logger: pino({ level: 'silent' }), classifier };
  const guarded = await startProxyServer(common);
  const unguarded = await startProxyServer({ ...common, guardrails: passThroughGuardrails });
  process.stdout.write('answer   pacing    runs | first token p50: unguarded  guarded  (+ms) | total p50: unguarded  guarded  (+%)\n');
  for (const [bytes, paceMs, runs] of [[1_000, 10, 5], [10_000, 10, 3], [1_000, 0, 20], [10_000, 0, 10], [100_000, 0, 5]] as const) {
    upstream.scriptStream({ events: events(answerOf(bytes)), paceMs });
    const results = { guarded: [] as Array<{ first: number; total: number }>, unguarded: [] as Array<{ first: number; total: number }> };
    await timeOne(guarded.url); // warm-up
    for (let i = 0; i < runs; i++) {
      results.unguarded.push(await timeOne(unguarded.url));
      results.guarded.push(await timeOne(guarded.url));
    }
    const f = (r: Array<{ first: number }>) => median(r.map((x) => x.first));
    const t = (r: Array<{ total: number }>) => median(r.map((x) => x.total));
    const line =
      `${String(bytes / 1000).padStart(4)} KB  ${paceMs ? `${paceMs} ms/chunk` : 'unpaced   '}  ${String(runs).padStart(3)} |` +
      `                 ${f(results.unguarded).toFixed(1).padStart(7)}  ${f(results.guarded).toFixed(1).padStart(7)}  (${(f(results.guarded) - f(results.unguarded)).toFixed(1)}) |` +
      `            ${t(results.unguarded).toFixed(0).padStart(7)}  ${t(results.guarded).toFixed(0).padStart(7)}  (${((t(results.guarded) / t(results.unguarded) - 1) * 100).toFixed(0)}%)\n`;
    process.stdout.write(line);
  }
  await Promise.all([guarded.close(), unguarded.close(), upstream.close()]);
  await classifier.close?.();
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:stream failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
