// End-to-end load benchmark of the proxy, every server in its own process (bench/proxy-process.ts,
// or the real `npm start` entry for the worker scaling), driven by a closed-loop keep-alive client
// (bench/load-client.ts) in this one. Prints, in one run:
//   1. short chat: direct to the fake upstream, guards off, the minimal profile, the full cascade
//   2. /v1/moderations at concurrency 1, 16, 64
//   3. long texts: ~1,500-word guarded chats, alone and 8 at once (fail-closed answers counted)
//   4. event-loop delay (perf_hooks) in the proxy while one 4 MB request is processed
//   5. resident memory: warm, after the long-text load, after a minute idle, over a soak (peak),
//      and after a minute idle once the soak ends
//   6. guard throughput with WORKERS=1, 2, ... (node:cluster)
// Run: npm run bench:proxy [-- --seconds 5 --warmup-seconds 15 --soak-seconds 300 --idle-seconds 60 --workers 1,2 --only 1,2,3,4,5,6]
// Every proxy is warmed (--warmup-seconds of the traffic it is measured with) before its first row:
// V8 keeps compiling the guard's code for 10-15 s under load, on its helper threads, and a
// measurement taken inside that time is of the compiler as much as of the proxy.
// (the defaults: about 10 minutes, 7 of them the soak and its idle minutes; on a machine nothing else uses).

import { fork, spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdtemp } from 'node:fs/promises';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { parseArgs } from 'node:util';
import { runLoad, send, type LoadCase, type LoadResult } from './load-client.ts';
import type { BenchReply, BenchRequest, BenchRole } from './proxy-process.ts';

const { values: flags } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    'warmup-seconds': { type: 'string', default: '15' },
    'soak-seconds': { type: 'string', default: '300' },
    'idle-seconds': { type: 'string', default: '60' },
    workers: { type: 'string', default: '1,2' },
    only: { type: 'string', default: '1,2,3,4,5,6' },
  },
});
const SECONDS = Number(flags.seconds);
const WARMUP_SECONDS = Number(flags['warmup-seconds']);
const SOAK_SECONDS = Number(flags['soak-seconds']);
const IDLE_SECONDS = Number(flags['idle-seconds']);
const WORKER_COUNTS = flags.workers.split(',').map(Number);
const ONLY = new Set(flags.only.split(',').map(Number));

const PROXY_KEY = 'bench-proxy-key';
const AUTH = { authorization: `Bearer ${PROXY_KEY}` };
const SHORT = 'Could you summarise the main points of our meeting notes and email them to jane.doe@example.com?';
const SYLLABLES = ['ka', 'lo', 'mi', 'ne', 'ru', 'ta', 'vi', 'so', 'de', 'pa', 'ri', 'mo', 'le', 'nu', 'ga', 'ti'];

/** `words` pseudo-words with a natural spread (repetitive text would trip the sponge detector). */
function prose(words: number, seed = 0): string {
  return Array.from({ length: words }, (_, i) => {
    const n = ((i + seed) * 7919) % 1500;
    return SYLLABLES[n % 16]! + SYLLABLES[(n >> 4) % 16]! + (n > 255 ? SYLLABLES[(n >> 8) % 16]! : '');
  }).join(' ');
}
const LONG = prose(1500);
const chat = (content: string) => (i: number) => ({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `${content} (ref ${i})` }] });

// ---- processes -----------------------------------------------------------------------------------

interface Server {
  url: string;
  child: ChildProcess;
  ask(request: BenchRequest): Promise<BenchReply>;
}

function startServer(role: BenchRole): Promise<Server> {
  const child = fork('bench/proxy-process.ts', { execArgv: ['--import', 'tsx', '--expose-gc'], env: { ...process.env, BENCH_ROLE: JSON.stringify(role) } });
  const replies: Array<(reply: BenchReply) => void> = [];
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`bench server (${role.role}) exited with ${code}`)));
    child.on('message', (reply: BenchReply) => {
      if (reply.type === 'listening') {
        resolve({
          url: reply.url,
          child,
          ask: (request) => new Promise((answer) => {
            replies.push(answer);
            child.send(request);
          }),
        });
      } else replies.shift()?.(reply);
    });
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** `npm start` itself (src/node/main.ts) with WORKERS=n over bench/policies; resolves once every worker listens. */
async function startCluster(workers: number, upstreamUrl: string): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  // npm start reads the shipped profiles from <POLICY_DIR>/profiles: a copy of both trees.
  const policyDir = await mkdtemp(join(tmpdir(), 'bench-policies-'));
  await cp('bench/policies', policyDir, { recursive: true });
  await cp('policies/profiles', join(policyDir, 'profiles'), { recursive: true });
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/node/main.ts'], {
    env: { ...process.env, WORKERS: String(workers), PORT: String(port), POLICY_DIR: policyDir, BENCH_PROXY_KEYS: PROXY_KEY, UPSTREAM_BASE_URL: upstreamUrl, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const ready = workers > 1 ? 'guardrail proxy cluster serving' : 'guardrail proxy listening';
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`npm start exited with ${code}`)));
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes(ready)) {
        // Keep draining (access lines at info) without holding them.
        child.stdout!.off('data', onData);
        child.stdout!.on('data', () => {});
        resolve();
      } else if (seen.length > 1e6) seen = seen.slice(-1e5);
    };
    child.stdout!.on('data', onData);
  });
  return { url: `http://127.0.0.1:${port}`, child };
}

function stopped(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

// ---- printing ------------------------------------------------------------------------------------

const fixed = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : '-');
const notOk = (result: LoadResult) =>
  Object.entries(result.statuses).filter(([status]) => status !== '200').map(([status, count]) => `${count}×${status}`).join(' ') || '0';

function row(label: string, concurrency: number, result: LoadResult): string {
  return `| ${label} | ${concurrency} | ${Math.round(result.perSecond)} | ${fixed(result.p50)} | ${fixed(result.p99)} | ${notOk(result)} | ${result.degraded} |`;
}
const TABLE = '| case | concurrency | requests/s | p50 ms | p99 ms | not 200 | degraded |\n|---|---|---|---|---|---|---|';

// ---- the run -------------------------------------------------------------------------------------

const upstream = await startServer({ role: 'upstream' });
const guarded = await startServer({ role: 'proxy', guards: true, upstreamUrl: upstream.url, proxyKey: PROXY_KEY });
const unguarded = await startServer({ role: 'proxy', guards: false, upstreamUrl: upstream.url, proxyKey: PROXY_KEY });
const rss = async (server: Server) => ((await server.ask({ type: 'rss' })) as { mib: number }).mib;

const full: LoadCase = { url: `${guarded.url}/v1/chat/completions`, headers: AUTH, body: chat(SHORT) };
const memory: Array<[string, number]> = [];
console.log(`# npm run bench:proxy (${new Date().toISOString()}, ${SECONDS} s per case after ${WARMUP_SECONDS} s of warm-up, node ${process.version})\n`);

await runLoad(full, { concurrency: 4, seconds: 2 }); // warm the guarded proxy (JIT, ONNX) before its baseline
memory.push(['warm (after 2 s of short chats)', await rss(guarded)]);
// Then the JIT warm-up (after the memory baseline, which stays the early one): both proxies at once,
// the guarded one with short chats on both deployments and moderation calls.
if (WARMUP_SECONDS > 0) {
  const warm = (c: LoadCase) => runLoad(c, { concurrency: 4, seconds: WARMUP_SECONDS, warmup: 0 });
  await Promise.all([
    warm(full),
    warm({ ...full, headers: { ...AUTH, 'x-guard-deployment': 'minimal' } }),
    warm({ url: `${guarded.url}/v1/moderations`, headers: AUTH, body: (i) => ({ input: `${SHORT} (warm ${i})` }) }),
    warm({ url: `${unguarded.url}/v1/chat/completions`, headers: AUTH, body: chat(SHORT) }),
  ]);
}

if (ONLY.has(1)) {
  console.log('## 1. Short chat (~100 characters), every request a different text\n');
  console.log(TABLE);
  const cases: Array<[string, LoadCase]> = [
    ['direct to the fake upstream', { url: `${upstream.url}/chat/completions`, body: chat(SHORT) }],
    ['proxy, guards off', { url: `${unguarded.url}/v1/chat/completions`, headers: AUTH, body: chat(SHORT) }],
    ['proxy, minimal profile', { url: `${guarded.url}/v1/chat/completions`, headers: { ...AUTH, 'x-guard-deployment': 'minimal' }, body: chat(SHORT) }],
    ['proxy, full cascade (default profile)', full],
  ];
  for (const concurrency of [1, 16]) {
    for (const [label, c] of cases) console.log(row(label, concurrency, await runLoad(c, { concurrency, seconds: SECONDS })));
  }
  console.log();
}

if (ONLY.has(2)) {
  console.log('## 2. /v1/moderations, one short input per call (default profile)\n');
  console.log(TABLE);
  const moderation: LoadCase = { url: `${guarded.url}/v1/moderations`, headers: AUTH, body: (i) => ({ input: `${SHORT} (ref ${i})` }) };
  for (const concurrency of [1, 16, 64]) console.log(row('/v1/moderations', concurrency, await runLoad(moderation, { concurrency, seconds: SECONDS })));
  console.log();
}

if (ONLY.has(3)) {
  console.log(`## 3. Long texts: guarded chat of ~1,500 words (${LONG.length.toLocaleString('en')} characters), full cascade, classifier budget 250 ms\n`);
  console.log(TABLE);
  const long: LoadCase = { url: `${guarded.url}/v1/chat/completions`, headers: AUTH, body: chat(LONG) };
  for (const concurrency of [1, 8]) console.log(row('guarded chat, ~1,500 words', concurrency, await runLoad(long, { concurrency, seconds: SECONDS * 2, warmup: 1 })));
  console.log('\n"degraded": answers with X-Guard-Degraded (a check that failed, e.g. the classifier over its budget); with on_error: block those are fail-closed refusals.\n');
  memory.push(['after the long-text load', await rss(guarded)]);
}

if (ONLY.has(4)) {
  console.log('## 4. Event-loop delay in the proxy while one 4 MB request is processed\n');
  console.log('Background: 4 connections of short /v1/moderations calls throughout. Delay from perf_hooks.monitorEventLoopDelay in the proxy process, over the big request\'s lifetime.\n');
  console.log('| big request | its status | its time ms | loop delay p50 ms | p99 ms | max ms | background req/s | background p99 ms |');
  console.log('|---|---|---|---|---|---|---|---|');
  const kb2 = (i: number) => prose(330, i * 31).slice(0, 2000);
  const big: Array<[string, string, unknown]> = [
    ['none (background only, 3 s)', '', null],
    ['one 3.9 MB string (over the length cap)', '/v1/chat/completions', { model: 'gpt-4o-mini', messages: [{ role: 'user', content: prose(650_000).slice(0, 3_900_000) }] }],
    ['2,048 moderation inputs of 2,000 chars (within limits)', '/v1/moderations', { input: Array.from({ length: 2048 }, (_, i) => kb2(i)) }],
    ['2,048 messages of 2,000 chars (within limits)', '/v1/chat/completions', { model: 'gpt-4o-mini', messages: Array.from({ length: 2048 }, (_, i) => ({ role: 'user', content: kb2(i) })) }],
    // 50-character parts keep the body under MAX_BODY_BYTES, so the count limit is what refuses it.
    ['50,000 content parts (over the limit)', '/v1/chat/completions', { model: 'gpt-4o-mini', messages: [{ role: 'user', content: Array.from({ length: 50_000 }, (_, i) => ({ type: 'text', text: `${prose(8, i)} ${i}`.slice(0, 50) })) }] }],
    ['30,000 messages (over the limit)', '/v1/chat/completions', { model: 'gpt-4o-mini', messages: Array.from({ length: 30_000 }, (_, i) => ({ role: 'user', content: `${prose(16, i)} ${i}`.slice(0, 110) })) }],
  ];
  for (const [label, path, body] of big) {
    const payload = body === null ? '' : JSON.stringify(body);
    const background: LoadCase = { url: `${guarded.url}/v1/moderations`, headers: AUTH, body: (i) => ({ input: `${SHORT} (bg ${i})` }) };
    const agent = new Agent({ keepAlive: true });
    await guarded.ask({ type: 'eld-start' });
    const backgroundRun = runLoad(background, { concurrency: 4, seconds: body === null ? 3 : 1.5, warmup: 1 });
    let status = '';
    let took = Number.NaN;
    if (body !== null) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const answer = await send(agent, { url: `${guarded.url}${path}`, headers: AUTH, body: () => null }, payload);
      status = String(answer.status);
      took = answer.ms;
      // Name why a refusal refused (the error envelope's code, and a degraded check if any).
      const code = (() => {
        try {
          return (JSON.parse(answer.body) as { error?: { code?: string } }).error?.code;
        } catch {
          return undefined;
        }
      })();
      if (code) status += ` ${code}`;
      if (answer.degraded) status += ' (degraded)';
    }
    const eld = (await guarded.ask({ type: 'eld-stop' })) as Extract<BenchReply, { type: 'eld' }>;
    const bg = await backgroundRun;
    agent.destroy();
    console.log(`| ${label}${body === null ? '' : ` (${(payload.length / 2 ** 20).toFixed(1)} MiB)`} | ${status || '-'} | ${fixed(took, 0)} | ${eld.p50} | ${eld.p99} | ${eld.max} | ${Math.round(bg.perSecond)} | ${fixed(bg.p99)} |`);
  }
  console.log();
}

if (ONLY.has(5)) {
  await new Promise((resolve) => setTimeout(resolve, IDLE_SECONDS * 1000));
  memory.push([`after ${IDLE_SECONDS} s idle`, await rss(guarded)]);
  const started = performance.now();
  const soak: Array<[number, number, number]> = [];
  const soakLong: LoadCase = { url: `${guarded.url}/v1/chat/completions`, headers: AUTH, body: chat(LONG) };
  const soakMod: LoadCase = { url: `${guarded.url}/v1/moderations`, headers: AUTH, body: (i) => ({ input: [`${SHORT} (soak ${i})`, prose(200, i)] }) };
  let requests = 0;
  const step = Math.max(5, Math.round(SOAK_SECONDS / 10));
  while ((performance.now() - started) / 1000 < SOAK_SECONDS) {
    const results = await Promise.all([runLoad(full, { concurrency: 4, seconds: step, warmup: 0 }), runLoad(soakMod, { concurrency: 2, seconds: step, warmup: 0 }), runLoad(soakLong, { concurrency: 1, seconds: step, warmup: 0 })]);
    requests += results.reduce((sum, r) => sum + r.requests, 0);
    soak.push([Math.round((performance.now() - started) / 1000), await rss(guarded), requests]);
  }
  memory.push([`soak peak (${SOAK_SECONDS} s soak, sampled every ${step} s)`, Math.max(...soak.map(([, mib]) => mib))]);
  memory.push(['soak end', soak.at(-1)?.[1] ?? Number.NaN]);
  await new Promise((resolve) => setTimeout(resolve, IDLE_SECONDS * 1000));
  memory.push([`after the soak and ${IDLE_SECONDS} s idle`, await rss(guarded)]);
  console.log(`## 5. Resident memory of the guarded proxy (MiB, after a full GC)\n`);
  console.log('| when | RSS MiB |\n|---|---|');
  for (const [when, mib] of memory) console.log(`| ${when} | ${mib} |`);
  console.log(`\nSoak: ${SOAK_SECONDS} s of mixed load (short chats ×4, 2-input moderations ×2, 1,500-word chats ×1, concurrently):\n`);
  console.log('| seconds | RSS MiB | requests so far |\n|---|---|---|');
  for (const [seconds, mib, count] of soak) console.log(`| ${seconds} | ${mib} | ${count} |`);
  console.log();
}

await stopped(guarded.child);
await stopped(unguarded.child);

if (ONLY.has(6)) {
  console.log('## 6. Scaling with workers: `WORKERS=N npm start`, full cascade, short chat, concurrency 32\n');
  console.log('These are the real entry with its info-level access log (the sections above log nothing).\n');
  console.log(TABLE.replace('| case |', '| WORKERS |'));
  for (const workers of WORKER_COUNTS) {
    const cluster = await startCluster(workers, upstream.url);
    const c: LoadCase = { url: `${cluster.url}/v1/chat/completions`, headers: AUTH, body: chat(SHORT) };
    await runLoad(c, { concurrency: 32, seconds: Math.max(2, WARMUP_SECONDS) });
    console.log(row(String(workers), 32, await runLoad(c, { concurrency: 32, seconds: SECONDS })));
    await stopped(cluster.child);
  }
  console.log();
}

await stopped(upstream.child);
