// Policy loading from file contents + an env map: the happy path, and errors that name file,
// line and field so whoever edits a policy can find the mistake.

import { describe, expect, it } from 'vitest';
import { sha256, toHex } from '../../src/digest.ts';
import { PolicyLoadError } from '../../src/policy/errors.ts';
import { loadPolicySnapshot } from '../../src/policy/load.ts';
import { tenantFileSchema } from '../../src/policy/schema.ts';
import { shippedProfileFiles } from '../helpers/policy-files.ts';

const PROFILES = shippedProfileFiles();

const VALID = `tenant: acme
api_keys:
  - \${KEYS}
default_deployment: main
deployments:
  - name: main
    upstream:
      base_url: \${BASE:-https://api.openai.com/v1}
      api_key: \${UPSTREAM}
`;

const SECRETS = { KEYS: 'k1', UPSTREAM: 'sk-up' };

async function loadError(content: string, env: Record<string, string> = {}, path = 'tenants/acme.yaml'): Promise<PolicyLoadError> {
  const error = await loadPolicySnapshot([{ path, content }, ...PROFILES], env).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(PolicyLoadError);
  return error as PolicyLoadError;
}

describe('loadPolicySnapshot', () => {
  it('loads a tenant with interpolated values, defaults and hashed keys', async () => {
    const snapshot = await loadPolicySnapshot([{ path: 'tenants/acme.yaml', content: VALID }, ...PROFILES], { KEYS: 'k1, k2', UPSTREAM: 'sk-up' });
    const tenant = snapshot.tenants.get('acme')!;
    expect(snapshot.authEnabled).toBe(true);
    expect(tenant.apiKeyHashes.map(toHex)).toEqual([toHex(await sha256('k1')), toHex(await sha256('k2'))]);
    expect(tenant.defaultDeployment.upstream).toEqual({ baseUrl: 'https://api.openai.com/v1', apiKey: 'sk-up', timeoutMs: 60_000, streamIdleTimeoutMs: 60_000, keyScrubber: expect.objectContaining({ empty: false }) });
    expect(snapshot.keyScrubber.scrub('echo sk-up')).toBe('echo [REDACTED]');
    expect(tenant.defaultDeployment.models).toEqual({ allow: ['*'], override: null, defaultModel: null, categories: [] });
    expect(tenant.defaultDeployment.guardrails).toEqual({ profile: 'default', inputProfile: 'default', outputProfile: 'default', softBlock: null, streamMode: 'moderate' });
    expect(snapshot.version).toMatch(/^[0-9a-f]{64}$/);
  });

  it('turns auth off when no tenant has a key, serving the default tenant', async () => {
    const optional = VALID.replace('${KEYS}', '${KEYS:-}').replace('${UPSTREAM}', '${UPSTREAM:-}');
    const snapshot = await loadPolicySnapshot([{ path: 'tenants/acme.yaml', content: optional }, ...PROFILES], {});
    expect(snapshot.authEnabled).toBe(false);
    expect(snapshot.anonymousTenant?.name).toBe('acme');
    expect(snapshot.tenants.get('acme')!.defaultDeployment.upstream.apiKey).toBeNull();
  });

  it('changes the version when any file changes', async () => {
    const a = await loadPolicySnapshot([{ path: 'tenants/acme.yaml', content: VALID }, ...PROFILES], SECRETS);
    const b = await loadPolicySnapshot([{ path: 'tenants/acme.yaml', content: `${VALID}\n# edited\n` }, ...PROFILES], SECRETS);
    expect(a.version).not.toBe(b.version);
  });

  it('rejects a plain-text key with file, line and field', async () => {
    const error = await loadError(VALID.replace('${KEYS}', 'sk-plain-text-key'));
    expect(error.problems[0]).toMatchObject({ file: 'tenants/acme.yaml', line: 3, field: 'api_keys[0]' });
    expect(error.message).toContain('tenants/acme.yaml:3:5: api_keys[0]: must be "sha256:');
    expect(error.message).not.toContain('sk-plain-text-key');
  });

  it('refuses an unset or empty secret reference, naming the variable, file, line and field', async () => {
    const unset = await loadError(VALID, { KEYS: 'k1' });
    expect(unset.problems).toEqual([
      expect.objectContaining({ file: 'tenants/acme.yaml', line: 9, field: 'deployments[0].upstream.api_key', message: expect.stringContaining('environment variable UPSTREAM is not set') }),
    ]);
    expect(unset.message).toContain('tenants/acme.yaml:9:');
    const empty = await loadError(VALID, { KEYS: '  ', UPSTREAM: 'sk-up' });
    expect(empty.problems).toEqual([expect.objectContaining({ line: 3, field: 'api_keys[0]', message: expect.stringContaining('environment variable KEYS is empty') })]);
  });

  it('loads `${NAME:-}` secrets that may be absent as none, and lints without secrets when asked', async () => {
    const optional = VALID.replace('${UPSTREAM}', '${UPSTREAM:-}');
    const snapshot = await loadPolicySnapshot([{ path: 'tenants/acme.yaml', content: optional }, ...PROFILES], { KEYS: 'k1' });
    expect(snapshot.tenants.get('acme')!.defaultDeployment.upstream.apiKey).toBeNull();
    const linted = await loadPolicySnapshot([{ path: 'tenants/acme.yaml', content: VALID }, ...PROFILES], {}, { checkSecrets: false });
    expect(linted.authEnabled).toBe(false);
    const other = await loadError(VALID.replace('${UPSTREAM}', '${UPSTREAM:-sk-default}'), SECRETS);
    expect(other.problems[0]).toMatchObject({ field: 'deployments[0].upstream.api_key', message: expect.stringContaining('environment reference') });
  });

  it('rejects a plain upstream key', async () => {
    const error = await loadError(VALID.replace('${UPSTREAM}', 'sk-literal'));
    expect(error.problems[0]).toMatchObject({ line: 9, field: 'deployments[0].upstream.api_key' });
  });

  it('rejects an unknown field (a typo) naming it', async () => {
    const error = await loadError(VALID.replace('      api_key:', '      timeout_msec: 10\n      api_key:'));
    expect(error.problems[0]).toMatchObject({ line: 9, field: 'deployments[0].upstream.timeout_msec' });
    expect(error.problems[0]!.message).toContain('"timeout_msec"');
  });

  it('reports an out-of-range value at its own line', async () => {
    const error = await loadError(VALID.replace('      api_key:', '      timeout_ms: -5\n      api_key:'));
    expect(error.problems[0]).toMatchObject({ line: 9, column: 19, field: 'deployments[0].upstream.timeout_ms' });
  });

  it('tells a wrong type from a missing field', async () => {
    const wrongType = await loadError(VALID.replace('      api_key:', '      timeout_ms: fast\n      api_key:'));
    expect(wrongType.problems[0]).toMatchObject({ line: 9, field: 'deployments[0].upstream.timeout_ms' });
    expect(wrongType.problems[0]!.message).toContain('expected number, received string');
    const missing = await loadError(VALID.replace('default_deployment: main\n', ''));
    expect(missing.problems[0]).toMatchObject({ field: 'default_deployment', message: 'is required' });
  });

  it('names a missing environment variable that has no default', async () => {
    const error = await loadError(VALID.replace('${BASE:-https://api.openai.com/v1}', '${MISSING_BASE}'));
    expect(error.problems[0]).toMatchObject({ line: 8, field: 'deployments[0].upstream.base_url' });
    expect(error.problems[0]!.message).toContain('MISSING_BASE');
  });

  it('reports YAML syntax errors with a line', async () => {
    const error = await loadError('tenant: acme\ntenant: again\n');
    expect(error.problems[0]).toMatchObject({ line: 2, field: '' });
  });

  it('requires the default deployment to exist and the tenant name to match the file', async () => {
    const error = await loadError(VALID.replace('default_deployment: main', 'default_deployment: other'), SECRETS, 'tenants/other-name.yaml');
    expect(error.problems.map((problem) => problem.field).sort()).toEqual(['default_deployment', 'tenant']);
  });

  it('refuses to load an empty policy set', async () => {
    await expect(loadPolicySnapshot([], {})).rejects.toBeInstanceOf(PolicyLoadError);
  });

  it('exports a tenant schema later issues can extend', () => {
    const extended = tenantFileSchema.extend({ profiles: tenantFileSchema.shape.api_keys.optional() });
    expect(Object.keys(extended.shape)).toContain('profiles');
  });
});
