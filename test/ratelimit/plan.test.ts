// Which buckets a request charges and its token estimate; what an answer says it used.

import { describe, expect, it } from 'vitest';
import { estimateRequestTokens, planCharges, usageTokens } from '../../src/ratelimit/plan.ts';
import type { LoadedDeployment, LoadedTenant } from '../../src/policy/types.ts';

describe('estimateRequestTokens', () => {
  it('counts read text at 4 characters a token, token ids one each, and the output allowance times n', () => {
    expect(estimateRequestTokens({ model: 'm', messages: [{ role: 'user', content: 'x'.repeat(396) }] })).toBe(100);
    expect(estimateRequestTokens({ model: 'a-very-long-model-name', prompt: [1, 2, 3, 4], max_tokens: 10, n: 3 })).toBe(34);
    expect(estimateRequestTokens({ model: 'm', input: 'abcd', instructions: 'abcd', max_output_tokens: 5 })).toBe(7);
    expect(estimateRequestTokens({ model: 'm', messages: [], max_completion_tokens: 8, max_tokens: 100 })).toBe(8);
  });
});

describe('usageTokens', () => {
  it('reads total_tokens, else input plus output, also under a Responses event', () => {
    expect(usageTokens({ usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 } })).toBe(7);
    expect(usageTokens({ usage: { input_tokens: 3, output_tokens: 4 } })).toBe(7);
    expect(usageTokens({ type: 'response.completed', response: { usage: { input_tokens: 5, output_tokens: 1, total_tokens: 6 } } })).toBe(6);
    expect(usageTokens({ usage: null })).toBeNull();
    expect(usageTokens({ choices: [] })).toBeNull();
  });
});

describe('planCharges', () => {
  const deployment = { name: 'main', rateLimits: { requestsPerMinute: 5, tokensPerMinute: null } } as unknown as LoadedDeployment;
  const tenant = {
    rateLimits: {
      tenant: { requestsPerMinute: 100, tokensPerMinute: 1000 },
      perKey: { requestsPerMinute: 10, tokensPerMinute: null },
      keys: new Map([['ab'.repeat(32), { requestsPerMinute: 50, tokensPerMinute: 200 }]]),
    },
  } as unknown as LoadedTenant<unknown>;

  it('charges tenant, key (its own entry over per_key) and deployment buckets, where limits are set', () => {
    const plain = planCharges({ tenant, deployment, keyDigest: 'cd'.repeat(32), tokens: 42 });
    expect(plain.map((c) => [c.id, c.limit, c.cost])).toEqual([
      ['tenant:requests', 100, 1],
      ['tenant:tokens', 1000, 42],
      [`key:${'cd'.repeat(16)}:requests`, 10, 1],
      ['deployment:main:requests', 5, 1],
    ]);
    const named = planCharges({ tenant, deployment, keyDigest: 'ab'.repeat(32), tokens: 42 });
    expect(named.filter((c) => c.scope === 'key').map((c) => [c.dimension, c.limit])).toEqual([
      ['requests', 50],
      ['tokens', 200],
    ]);
    expect(planCharges({ tenant, deployment, keyDigest: null, tokens: 1 }).some((c) => c.scope === 'key')).toBe(false);
  });
});
