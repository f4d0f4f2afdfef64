// The LLM judge's overhead, measured against the fake judge (fixtures/fake-judge.ts, a real HTTP
// server on loopback): a gray-band chat request through the real proxy with the judge asked
// (cache miss: a new text each time), answered from its cache (hit: the same text again), and the
// same request on a deployment without a judge (soft_block passed with a warning), in one run;
// then the same at the guard level (guard.check alone, no HTTP in front). The classifier is a
// scripted stand-in that puts every text in the harassment gray band (0.80; the default band is
// 0.70..0.90), so the figures are the judge's cost, not the model's (npm run bench:classifier).
// `--judge-ms N` adds N ms of simulated model time to every judge answer (default 0: pure overhead).
// Run: npm run bench:judge [-- --judge-ms 50]

import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { startFakeJudge } from '../fixtures/fake-judge.ts';
import { startFakeUpstream } from '../fixtures/fake-upstream.ts';
import type { Classifier } from '../src/classifier/types.ts';
import type { Guard } from '../src/guard/types.ts';
import { startProxyServer } from '../src/node/server.ts';

const POLICY_DIR = fileURLToPath(new URL('../fixtures/policies/judge', import.meta.url));
const SHIPPED_PROFILES_DIR = fileURLToPath(new URL('../policies/profiles', import.meta.url));
const PROXY_KEY = 'bench-judge-proxy-key';

const { values } = parseArgs({ options: { 'judge-ms': { type: 'string', default: '0' }, runs: { type: 'string', default: '200' } } });
const judgeMs = Number(values['judge-ms']);
const runs = Number(values.runs);

const grayClassifier: Classifier = {
  version: 'bench-gray-band-1',
  heads: [],
  classify: async (texts) => texts.map(() => ({ scores: { harassment: 0.8 } })),
};

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Times each variant once per round, round after round, so a busy machine slows all of them alike. */
async function interleaved(rounds: number, variants: ReadonlyArray<(i: number) => Promise<unknown>>): Promise<number[][]> {
  const times = variants.map(() => [] as number[]);
  for (let i = 0; i < rounds; i++) {
    for (const [v, run] of variants.entries()) {
      const started = performance.now();
      await run(i);
      times[v]!.push(performance.now() - started);
    }
  }
  return times;
}

function row(label: string, times: number[], baseline?: number[]): string {
  const p50 = percentile(times, 50);
  const delta = baseline ? p50 - percentile(baseline, 50) : 0;
  const extra = baseline ? `  (${delta >= 0 ? '+' : ''}${delta.toFixed(2)} ms p50)` : '';
  return `${label.padEnd(40)} ${String(times.length).padStart(5)}  p50 ${p50.toFixed(2).padStart(7)} ms  p99 ${percentile(times, 99).toFixed(2).padStart(7)} ms${extra}\n`;
}

async function main(): Promise<void> {
  const upstream = await startFakeUpstream();
  const judge = await startFakeJudge();
  judge.setDelay(judgeMs);
  const proxy = await startProxyServer({
    policyDir: POLICY_DIR,
    shippedProfilesDir: SHIPPED_PROFILES_DIR,
    env: { ACME_PROXY_KEYS: PROXY_KEY, FAKE_UPSTREAM_URL: upstream.baseUrl, FAKE_UPSTREAM_KEY: '', FAKE_JUDGE_URL: judge.baseUrl, FAKE_JUDGE_KEY: '' },
    host: '127.0.0.1',
    port: 0,
    logger: pino({ level: 'silent' }),
    classifier: grayClassifier,
  });
  const post = (deployment: string, text: string) =>
    fetch(`${proxy.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${PROXY_KEY}`, 'content-type': 'application/json', 'x-guard-deployment': deployment },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: text }] }),
    }).then(async (response) => {
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`unexpected status ${response.status}`);
    });

  process.stdout.write(`judge answer delay ${judgeMs} ms, ${runs} sequential requests per row\n\nthrough the proxy (POST /v1/chat/completions, fake upstream):\n`);
  for (let i = 0; i < 20; i++) await post('main', `warm up ${i}`);
  await post('main', 'the same gray-band remark');
  const [baseline, miss, hit] = await interleaved(runs, [
    (i) => post('no-judge', `a gray-band remark number ${i}`),
    (i) => post('main', `a gray-band remark, miss ${i}`),
    () => post('main', 'the same gray-band remark'),
  ]);
  process.stdout.write(row('no judge (soft_block, warn)', baseline!));
  process.stdout.write(row('judge, cache miss (input and answer)', miss!, baseline));
  process.stdout.write(row('judge, cache hit', hit!, baseline));

  process.stdout.write('\nguard.check alone (one gray-band text):\n');
  const tenant = proxy.policies.current().tenants.get('acme')!;
  const judged = tenant.guards.get('acme-judge')! as Guard;
  const plain = tenant.guards.get('default')! as Guard;
  await judged.check(['guard-level same'], 'input');
  const [guardBaseline, guardMiss, guardHit] = await interleaved(runs, [
    (i) => plain.check([`guard-level text ${i}`], 'input'),
    (i) => judged.check([`guard-level miss ${i}`], 'input'),
    () => judged.check(['guard-level same'], 'input'),
  ]);
  process.stdout.write(row('no judge', guardBaseline!));
  process.stdout.write(row('judge, cache miss', guardMiss!, guardBaseline));
  process.stdout.write(row('judge, cache hit', guardHit!, guardBaseline));

  const stats = proxy.judges.stats()[0]!.stats;
  process.stdout.write(`\njudge counters: ${JSON.stringify({ calls: stats.calls, cacheHits: stats.cacheHits, timeouts: stats.timeouts, httpErrors: stats.httpErrors, malformed: stats.malformed })}\n`);
  await proxy.close();
  await Promise.all([upstream.close(), judge.close()]);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:judge failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
