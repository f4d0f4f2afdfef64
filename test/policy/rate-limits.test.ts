// `rate_limits` in tenant files: loaded per tenant, per key (keys named as in api_keys, env
// references resolved to digests) and per deployment; mistakes named by file, line and field.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/digest.ts';
import { PolicyLoadError } from '../../src/policy/errors.ts';
import { loadPolicySnapshot } from '../../src/policy/load.ts';
import { shippedProfileFiles } from '../helpers/policy-files.ts';

const PROFILES = shippedProfileFiles();

function tenantFile(rateLimits: string, deploymentExtra = ''): string {
  return `tenant: acme
api_keys:
  - \${ACME_KEYS}
  - sha256:${sha256Hex('digest-key')}
default_deployment: main
deployments:
  - name: main
    upstream: { base_url: https://api.openai.com/v1 }
${deploymentExtra}
${rateLimits}
`;
}

const load = (content: string) => loadPolicySnapshot([{ path: 'tenants/acme.yaml', content }, ...PROFILES], { ACME_KEYS: 'k1, k2', BATCH: 'k3' });

async function problems(content: string) {
  const error = await load(content).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(PolicyLoadError);
  return (error as PolicyLoadError).problems.map((p) => `${p.line}: ${p.field}: ${p.message}`);
}

describe('rate_limits in tenant files', () => {
  it('loads tenant, per-key, per-key overrides (by env reference, merged over per_key) and deployment limits', async () => {
    const snapshot = await load(
      tenantFile(
        `rate_limits:
  requests_per_minute: 600
  tokens_per_minute: 150000
  per_key: { requests_per_minute: 60, tokens_per_minute: 20000 }
  keys:
    - key: \${ACME_KEYS}
      requests_per_minute: 300`,
        '    rate_limits: { tokens_per_minute: 50000 }',
      ),
    );
    const tenant = snapshot.tenants.get('acme')!;
    expect(tenant.rateLimits?.tenant).toEqual({ requestsPerMinute: 600, tokensPerMinute: 150_000 });
    expect(tenant.rateLimits?.perKey).toEqual({ requestsPerMinute: 60, tokensPerMinute: 20_000 });
    expect(tenant.rateLimits?.keys.get(sha256Hex('k1'))).toEqual({ requestsPerMinute: 300, tokensPerMinute: 20_000 });
    expect(tenant.rateLimits?.keys.get(sha256Hex('k2'))).toEqual({ requestsPerMinute: 300, tokensPerMinute: 20_000 });
    expect(tenant.rateLimits?.keys.has(sha256Hex('digest-key'))).toBe(false);
    expect(tenant.defaultDeployment.rateLimits).toEqual({ requestsPerMinute: null, tokensPerMinute: 50_000 });
  });

  it('has no limits when the file sets none', async () => {
    const tenant = (await load(tenantFile(''))).tenants.get('acme')!;
    expect(tenant.rateLimits).toMatchObject({ tenant: null, perKey: null });
    expect(tenant.defaultDeployment.rateLimits).toBeNull();
  });

  it('names file line and field for a bad value, an unknown field, an empty limit and a key not among api_keys', async () => {
    const found = await problems(
      tenantFile(
        `rate_limits:
  requests_per_minute: 0
  per_key: {}
  burst: 10
  keys:
    - key: \${BATCH}
      requests_per_minute: 5
    - key: sha256:${sha256Hex('digest-key')}`,
        '    rate_limits: { tokens_per_minute: "many" }',
      ),
    );
    expect(found.sort()).toEqual([
      '11: rate_limits.requests_per_minute: Too small: expected number to be >=1',
      '12: rate_limits.per_key: set requests_per_minute, tokens_per_minute or both',
      '13: rate_limits.burst: unknown field(s) "burst" (a typo?)',
      '17: rate_limits.keys[1]: set requests_per_minute, tokens_per_minute or both',
      '9: deployments[0].rate_limits.tokens_per_minute: expected number, received string',
    ]);
    // The api_keys check runs once the file parsed.
    expect(await problems(tenantFile('rate_limits:\n  keys:\n    - key: ${BATCH}\n      requests_per_minute: 5'))).toEqual([
      "12: rate_limits.keys[0].key: must be one of this tenant's api_keys entries, written the same way",
    ]);
  });
});

describe('README rate limits section', () => {
  it('its annotated tenant file loads as documented', async () => {
    const docs = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');
    const example = docs.match(/```yaml\n(tenant: acme {2,}# policies\/tenants\/acme\.yaml, with rate limits[\s\S]*?)```/)![1]!;
    const env = { ACME_KEYS: 'a1,a2', ACME_BATCH_KEY: 'batch', OPENAI_KEY: 'sk-x' };
    const tenant = (await loadPolicySnapshot([{ path: 'tenants/acme.yaml', content: example }, ...PROFILES], env)).tenants.get('acme')!;
    expect(tenant.rateLimits?.tenant).toEqual({ requestsPerMinute: 600, tokensPerMinute: 200_000 });
    expect(tenant.rateLimits?.perKey).toEqual({ requestsPerMinute: 60, tokensPerMinute: 40_000 });
    expect(tenant.rateLimits?.keys.get(sha256Hex('batch'))).toEqual({ requestsPerMinute: 1000, tokensPerMinute: 40_000 });
    expect(tenant.defaultDeployment.rateLimits).toEqual({ requestsPerMinute: null, tokensPerMinute: 100_000 });
  });
});
