// `npm run bench:classifier [-- --threads 1 --model PATH]`: throughput and latency of the ONNX
// classifier on one core (onnxruntime intra-op threads = 1 by default): model load time, short
// (~20 words) and long (~2,000 words) texts, single calls and batches, p50/p99, resident memory.

import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { loadOnnxClassifier } from '../src/node/onnx-classifier.ts';
import type { OnnxClassifier } from '../src/classifier/onnx-session.ts';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
};
const threads = Number(flag('--threads', '1'));
const modelPath = resolve(flag('--model', join(REPO_ROOT, 'models', 'moderation-classifier.onnx')));

const SUBJECTS = ['the new library', 'my landlord', 'this recipe', 'the football team', 'our server', 'the travel agent', 'your assistant'];
const VERBS = ['really annoyed me because', 'was great and', 'keeps crashing whenever', 'surprised everyone when', 'needs fixing since'];
const ENDINGS = ['the weather turned cold last night in the city', 'nobody answered the phone for three whole days', 'we finally booked tickets for the summer trip abroad', 'the update broke every single setting I had saved'];

/** Deterministic ~20-word texts (i varies the words so caches cannot help). */
function shortText(i: number): string {
  return `Honestly ${SUBJECTS[i % SUBJECTS.length]} ${VERBS[i % VERBS.length]} ${ENDINGS[i % ENDINGS.length]} number ${i}.`;
}

function longText(i: number): string {
  const parts: string[] = [];
  for (let j = 0; parts.join(' ').split(' ').length < 2000; j++) parts.push(shortText(i * 101 + j));
  return parts.join(' ');
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function measure(name: string, classifier: OnnxClassifier, make: (i: number) => string, batch: number, calls: number) {
  for (let i = 0; i < Math.min(20, calls); i++) await classifier.classify(Array.from({ length: batch }, (_, j) => make(1_000_000 + i * batch + j)));
  const latencies: number[] = [];
  const started = performance.now();
  for (let i = 0; i < calls; i++) {
    const texts = Array.from({ length: batch }, (_, j) => make(i * batch + j));
    const t0 = performance.now();
    await classifier.classify(texts);
    latencies.push(performance.now() - t0);
  }
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const row = {
    case: name,
    batch,
    textsPerSecond: Math.round((calls * batch) / seconds),
    p50Ms: Number(percentile(latencies, 50).toFixed(3)),
    p99Ms: Number(percentile(latencies, 99).toFixed(3)),
  };
  process.stdout.write(`| ${row.case} | ${row.batch} | ${row.textsPerSecond} | ${row.p50Ms} | ${row.p99Ms} |\n`);
  return row;
}

async function main(): Promise<void> {
  const rssBefore = process.memoryUsage().rss;
  const t0 = performance.now();
  const classifier = await loadOnnxClassifier({ modelPath, intraOpThreads: threads, maxBatch: 256 });
  const loadMs = performance.now() - t0;
  const rssLoaded = process.memoryUsage().rss;
  process.stdout.write(`model ${classifier.version}; intra-op threads ${threads}; load ${loadMs.toFixed(0)} ms\n`);
  process.stdout.write(`short text: ${shortText(0).split(' ').length} words; long text: ${longText(0).split(' ').length} words\n\n`);
  process.stdout.write('| case | batch | texts/s | p50 ms (per call) | p99 ms (per call) |\n|---|---|---|---|---|\n');
  await measure('short, single', classifier, shortText, 1, 2000);
  await measure('short, batched', classifier, shortText, 64, 200);
  await measure('long, single', classifier, longText, 1, 100);
  await measure('long, batched', classifier, longText, 8, 25);
  const rssEnd = process.memoryUsage().rss;
  process.stdout.write(`\nRSS: ${(rssBefore / 2 ** 20).toFixed(0)} MiB before load, ${(rssLoaded / 2 ** 20).toFixed(0)} MiB after load, ${(rssEnd / 2 ** 20).toFixed(0)} MiB after the runs\n`);
  await classifier.close();
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
