// The token-bucket arithmetic and the in-memory limiter: all-or-nothing charges over several
// buckets, continuous refill, corrections into debt, OpenAI's duration format for resets.

import { describe, expect, it } from 'vitest';
import { createMemoryRateLimiter } from '../../src/ratelimit/memory.ts';
import { formatResetDuration } from '../../src/ratelimit/response.ts';
import type { BucketCharge } from '../../src/ratelimit/types.ts';

const requests = (limit: number, id = 'r'): BucketCharge => ({ id, scope: 'key', dimension: 'requests', limit, cost: 1 });
const tokens = (limit: number, cost: number, id = 't'): BucketCharge => ({ id, scope: 'key', dimension: 'tokens', limit, cost });

describe('createMemoryRateLimiter', () => {
  it('charges all buckets or none', async () => {
    const limiter = createMemoryRateLimiter({ now: () => 0 });
    expect((await limiter.acquire('acme', [requests(5), tokens(100, 80)])).allowed).toBe(true);
    const refused = await limiter.acquire('acme', [requests(5), tokens(100, 30)]);
    expect(refused.allowed).toBe(false);
    expect(refused.states.map((s) => [s.id, s.level, s.retryAfterMs])).toEqual([
      ['r', 4, 0],
      ['t', 20, 6000],
    ]);
    // The refused call took nothing from the requests bucket.
    const next = await limiter.acquire('acme', [requests(5), tokens(100, 20)]);
    expect(next.states.map((s) => s.level)).toEqual([3, 0]);
  });

  it('keeps tenants apart', async () => {
    const limiter = createMemoryRateLimiter({ now: () => 0 });
    expect((await limiter.acquire('acme', [requests(1)])).allowed).toBe(true);
    expect((await limiter.acquire('acme', [requests(1)])).allowed).toBe(false);
    expect((await limiter.acquire('globex', [requests(1)])).allowed).toBe(true);
  });

  it('refills continuously up to the limit, and a correction can leave a debt', async () => {
    let now = 0;
    const limiter = createMemoryRateLimiter({ now: () => now });
    await limiter.acquire('acme', [tokens(600, 600)]);
    now = 30_000;
    expect((await limiter.acquire('acme', [tokens(600, 300)])).states[0]!.level).toBe(0);
    await limiter.adjust('acme', [tokens(600, 120)], 'local');
    const indebted = await limiter.acquire('acme', [tokens(600, 1)]);
    expect(indebted.allowed).toBe(false);
    expect(indebted.states[0]).toMatchObject({ level: -120, resetMs: 72_000, retryAfterMs: 12_100 });
    now = 10 * 60_000;
    expect((await limiter.acquire('acme', [tokens(600, 0)])).states[0]!.level).toBe(600);
  });

  it('refuses a cost above the limit for good', async () => {
    const refused = await createMemoryRateLimiter().acquire('acme', [tokens(100, 101)]);
    expect(refused.allowed).toBe(false);
    expect(refused.states[0]!.retryAfterMs).toBe(Infinity);
  });
});

describe('formatResetDuration', () => {
  it('writes durations as OpenAI does', () => {
    expect(formatResetDuration(0)).toBe('0ms');
    expect(formatResetDuration(17.2)).toBe('18ms');
    expect(formatResetDuration(1000)).toBe('1s');
    expect(formatResetDuration(1500)).toBe('1.5s');
    expect(formatResetDuration(60_000)).toBe('1m0s');
    expect(formatResetDuration(360_000)).toBe('6m0s');
    expect(formatResetDuration(90_250)).toBe('1m30.25s');
    expect(formatResetDuration(3_723_000)).toBe('1h2m3s');
  });
});

describe('limitShare (one of several workers on one port)', () => {
  it('enforces its part of each limit, at least one', async () => {
    const limiter = createMemoryRateLimiter({ now: () => 0, limitShare: 1 / 4 });
    for (let i = 0; i < 3; i++) expect((await limiter.acquire('acme', [requests(12)])).allowed).toBe(true);
    const refused = await limiter.acquire('acme', [requests(12)]);
    expect(refused.allowed).toBe(false);
    expect(refused.states[0]!.limit).toBe(3);
    expect((await limiter.acquire('acme', [requests(2, 'tiny')])).allowed).toBe(true);
  });
});
