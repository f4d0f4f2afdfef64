// The load client of `npm run bench:proxy`: a closed loop of `concurrency` keep-alive connections
// (node:http Agent), each sending its next request as soon as the last answer is read, for a fixed
// time. Every request body is built fresh (`body(i)`), so the classifier cache never answers.

import { Agent, request } from 'node:http';

export interface LoadCase {
  url: string;
  headers?: Record<string, string>;
  body: (i: number) => unknown;
}

export interface LoadResult {
  requests: number;
  perSecond: number;
  p50: number;
  p99: number;
  /** Answers by status, e.g. { 200: 950, 400: 50 }; 0 is a connection error. */
  statuses: Record<number, number>;
  /** Answers carrying X-Guard-Degraded (a check that failed, e.g. the classifier's budget). */
  degraded: number;
}

export interface Answer {
  status: number;
  ms: number;
  degraded: boolean;
  body: string;
}

let sequence = 0;

export function send(agent: Agent, c: LoadCase, payload?: string): Promise<Answer> {
  const body = payload ?? JSON.stringify(c.body(sequence++));
  const target = new URL(c.url);
  const started = performance.now();
  return new Promise((resolve) => {
    const req = request(
      { agent, host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...c.headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, ms: performance.now() - started, degraded: res.headers['x-guard-degraded'] !== undefined, body: Buffer.concat(chunks).toString() }),
        );
        res.on('error', (error) => resolve({ status: 0, ms: performance.now() - started, degraded: false, body: String(error) }));
      },
    );
    // A reset or refused connection is an answer too (status 0), counted, not a crash of the run.
    req.on('error', (error) => resolve({ status: 0, ms: performance.now() - started, degraded: false, body: String(error) }));
    req.end(body);
  });
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;

/** Runs the case for `seconds` (after `warmup` requests per connection) at `concurrency`. */
export async function runLoad(c: LoadCase, options: { concurrency: number; seconds: number; warmup?: number }): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  try {
    await Promise.all(Array.from({ length: options.concurrency }, async () => {
      for (let i = 0; i < (options.warmup ?? 5); i++) await send(agent, c);
    }));
    const latencies: number[] = [];
    const statuses: Record<number, number> = {};
    let degraded = 0;
    const started = performance.now();
    const until = started + options.seconds * 1000;
    await Promise.all(
      Array.from({ length: options.concurrency }, async () => {
        while (performance.now() < until) {
          const answer = await send(agent, c);
          latencies.push(answer.ms);
          statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
          if (answer.degraded) degraded++;
        }
      }),
    );
    const elapsed = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    return { requests: latencies.length, perSecond: latencies.length / elapsed, p50: percentile(latencies, 50), p99: percentile(latencies, 99), statuses, degraded };
  } finally {
    agent.destroy();
  }
}
