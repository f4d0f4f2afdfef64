// The fallback from a shared limiter to the local one: a failing shared call is answered locally,
// a cool-down keeps a hung store from costing every request a timeout, and status says why.

import { describe, expect, it } from 'vitest';
import { createFallbackRateLimiter } from '../../src/ratelimit/fallback.ts';
import { createMemoryRateLimiter } from '../../src/ratelimit/memory.ts';
import type { RateLimiter } from '../../src/ratelimit/types.ts';

const charge = { id: 'k:requests', scope: 'key', dimension: 'requests', limit: 10, cost: 1 } as const;

/** A shared store that fails while `failing` is set, counting the calls it was asked. */
function flakyShared() {
  const state = { failing: false, calls: 0 };
  const inner = createMemoryRateLimiter({ backend: 'shared' });
  const limiter: RateLimiter = {
    async acquire(tenant, charges) {
      state.calls++;
      if (state.failing) throw new Error('Command timed out');
      return inner.acquire(tenant, charges);
    },
    adjust: (tenant, charges, backend) => inner.adjust(tenant, charges, backend),
    status: () => ({ store: 'redis', backend: 'shared', reason: null }),
  };
  return { state, limiter };
}

describe('createFallbackRateLimiter', () => {
  it('answers locally when the shared call fails, waits out a cool-down, then shares again', async () => {
    let now = 0;
    const { state, limiter: shared } = flakyShared();
    const changes: string[] = [];
    const limiter = createFallbackRateLimiter({ shared, local: createMemoryRateLimiter(), unavailable: () => null, now: () => now, cooldownMs: 1000, onChange: (b) => changes.push(b) });
    expect((await limiter.acquire('acme', [charge])).backend).toBe('shared');
    state.failing = true;
    expect((await limiter.acquire('acme', [charge])).backend).toBe('local');
    expect(limiter.status()).toEqual({ store: 'redis', backend: 'local', reason: 'Command timed out' });
    // Within the cool-down the shared store is not asked at all.
    const callsBefore = state.calls;
    for (let i = 0; i < 5; i++) expect((await limiter.acquire('acme', [charge])).backend).toBe('local');
    expect(state.calls).toBe(callsBefore);
    state.failing = false;
    now = 1500;
    expect((await limiter.acquire('acme', [charge])).backend).toBe('shared');
    expect(limiter.status()).toEqual({ store: 'redis', backend: 'shared', reason: null });
    expect(changes).toEqual(['local', 'shared']);
  });

  it('does not ask a store that says it is unavailable, and reports its reason', async () => {
    const { state, limiter: shared } = flakyShared();
    const limiter = createFallbackRateLimiter({ shared, local: createMemoryRateLimiter(), unavailable: () => 'reconnecting: connect ECONNREFUSED' });
    expect((await limiter.acquire('acme', [charge])).backend).toBe('local');
    expect(state.calls).toBe(0);
    expect(limiter.status()).toEqual({ store: 'redis', backend: 'local', reason: 'reconnecting: connect ECONNREFUSED' });
  });
});
