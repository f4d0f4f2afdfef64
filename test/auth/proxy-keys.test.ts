// Proxy-key authentication against a loaded snapshot: Bearer and `apikey` headers, digests,
// and the auth-off mode.

import { describe, expect, it } from 'vitest';
import { authenticateTenant, readPresentedKey } from '../../src/auth/proxy-keys.ts';
import { constantTimeEqual, sha256, toHex } from '../../src/digest.ts';
import { loadPolicySnapshot } from '../../src/policy/load.ts';
import { shippedProfileFiles } from '../helpers/policy-files.ts';

const tenantFile = (name: string, keys: string) => ({
  path: `tenants/${name}.yaml`,
  content: `tenant: ${name}\napi_keys: [${keys}]\ndefault_deployment: d\ndeployments:\n  - name: d\n    upstream: { base_url: "http://127.0.0.1:1/v1" }\n`,
});

describe('readPresentedKey', () => {
  it('reads Bearer tokens and Enkrypt-style apikey headers', () => {
    expect(readPresentedKey(new Headers({ authorization: 'Bearer abc' }))).toBe('abc');
    expect(readPresentedKey(new Headers({ authorization: 'bearer  abc ' }))).toBe('abc');
    expect(readPresentedKey(new Headers({ apikey: 'xyz' }))).toBe('xyz');
    expect(readPresentedKey(new Headers({ authorization: 'Basic abc' }))).toBeNull();
    expect(readPresentedKey(new Headers())).toBeNull();
  });
});

describe('authenticateTenant', () => {
  it('finds the tenant whose digest matches, and rejects others with 401', async () => {
    const digest = toHex(await sha256('key-b'));
    const snapshot = await loadPolicySnapshot([tenantFile('a', '"${KEYS_A}"'), tenantFile('b', `"sha256:${digest}"`), ...shippedProfileFiles()], { KEYS_A: 'key-a' });
    expect((await authenticateTenant(snapshot, 'key-a')).name).toBe('a');
    expect((await authenticateTenant(snapshot, 'key-b')).name).toBe('b');
    await expect(authenticateTenant(snapshot, 'key-c')).rejects.toMatchObject({ status: 401, code: 'invalid_api_key' });
    await expect(authenticateTenant(snapshot, null)).rejects.toMatchObject({ status: 401 });
  });

  it('serves the default tenant without a key when no keys are configured', async () => {
    const snapshot = await loadPolicySnapshot([tenantFile('default', ''), tenantFile('other', ''), ...shippedProfileFiles()], {});
    expect((await authenticateTenant(snapshot, null)).name).toBe('default');
    expect((await authenticateTenant(snapshot, 'anything')).name).toBe('default');
  });

  it('compares digests byte for byte', () => {
    expect(constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2]))).toBe(true);
    expect(constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 3]))).toBe(false);
    expect(constantTimeEqual(new Uint8Array([1]), new Uint8Array([1, 2]))).toBe(false);
  });
});
