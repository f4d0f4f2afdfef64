// The tenant-context middleware in memory: proxy-key authentication (Bearer or Enkrypt's apikey),
// deployment selection by header, routing tags, and X-Guard-Refresh-Cache reloads.

import { describe, expect, it } from 'vitest';
import { staticPolicySource } from '../../src/policy/store.ts';
import type { PolicyFile, PolicySource } from '../../src/policy/types.ts';
import { shippedProfileFiles, twoTenantsPolicyFiles } from '../helpers/policy-files.ts';
import { ACME_KEY, ACME_SECOND_KEY, GLOBEX_KEY } from '../helpers/server.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';

const CHAT = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] };

/** The tenant and deployment the access log line names for the last request. */
function served(testApp: TestApp): { tenant: unknown; deployment: unknown; tags: unknown } {
  const line = testApp.logger.records.filter((record) => record.message === 'request').at(-1)!;
  return { tenant: line.fields['tenant'], deployment: line.fields['deployment'], tags: line.fields['tags'] };
}

async function errorOf(response: Response): Promise<{ status: number; error: Record<string, unknown> }> {
  return { status: response.status, error: ((await response.json()) as { error: Record<string, unknown> }).error };
}

/** A source whose files a test may swap, counting reads. */
function editableSource(files: PolicyFile[]): { source: PolicySource; edit(path: string, change: (content: string) => string): void; reads(): number } {
  let current = files;
  let reads = 0;
  return {
    source: {
      async read() {
        reads++;
        return current.map((file) => ({ ...file }));
      },
    },
    edit: (path, change) => (current = current.map((file) => (file.path === path ? { ...file, content: change(file.content) } : file))),
    reads: () => reads,
  };
}

describe('authentication', () => {
  it('answers a missing key with 401 invalid_api_key before anything goes upstream', async () => {
    const testApp = await createTestApp();
    const response = await testApp.app.request('/v1/chat/completions', { method: 'POST', body: JSON.stringify(CHAT) });
    expect(await errorOf(response)).toMatchObject({ status: 401, error: { type: 'authentication_error', code: 'invalid_api_key' } });
    expect(testApp.upstream.calls).toHaveLength(0);
  });

  it.each([
    ['a wrong key', { authorization: 'Bearer not-a-real-key' }],
    ['a malformed Authorization header', { authorization: `Basic ${ACME_KEY}` }],
    ['a key with trailing garbage', { authorization: `Bearer ${ACME_KEY} extra` }],
  ])('answers %s with 401', async (_case, headers) => {
    const testApp = await createTestApp();
    const response = await testApp.app.request('/v1/models', { headers });
    expect(await errorOf(response)).toMatchObject({ status: 401, error: { code: 'invalid_api_key' } });
  });

  it('accepts any of the tenant’s keys, a digest-only key, and Enkrypt’s apikey header', async () => {
    const testApp = await createTestApp();
    for (const [headers, tenant] of [
      [{ authorization: `Bearer ${ACME_SECOND_KEY}` }, 'acme'],
      [{ authorization: `bearer ${GLOBEX_KEY}` }, 'globex'],
      [{ apikey: ` ${ACME_KEY} ` }, 'acme'],
    ] as const) {
      const response = await testApp.app.request('/v1/chat/completions', { method: 'POST', headers, body: JSON.stringify(CHAT) });
      expect(response.status).toBe(200);
      expect(served(testApp).tenant).toBe(tenant);
    }
  });

  it('serves the only tenant without a key when no tenant has one', async () => {
    const solo = 'tenant: solo\ndefault_deployment: only\ndeployments:\n  - name: only\n    upstream: { base_url: "https://upstream.test/v1" }\n';
    const testApp = await createTestApp({ source: staticPolicySource([{ path: 'tenants/solo.yaml', content: solo }, ...shippedProfileFiles()]) });
    const response = await testApp.app.request('/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(CHAT) });
    expect(response.status).toBe(200);
    expect(served(testApp)).toMatchObject({ tenant: 'solo', deployment: 'only' });
    expect(testApp.upstream.calls[0]!.headers['authorization']).toBeUndefined();
  });
});

describe('deployment selection', () => {
  it('uses the tenant’s default deployment when none is named', async () => {
    const testApp = await createTestApp();
    await testApp.post('/v1/chat/completions', CHAT);
    expect(served(testApp)).toMatchObject({ tenant: 'acme', deployment: 'main' });
    await testApp.post('/v1/chat/completions', CHAT, { authorization: `Bearer ${GLOBEX_KEY}` });
    expect(served(testApp)).toMatchObject({ tenant: 'globex', deployment: 'globex-private' });
  });

  it('picks the deployment named by X-Guard-Deployment, or Enkrypt’s X-Enkrypt-Deployment', async () => {
    const testApp = await createTestApp();
    await testApp.post('/v1/chat/completions', CHAT, { 'X-Guard-Deployment': 'unreachable' });
    expect(served(testApp).deployment).toBe('unreachable');
    expect(testApp.upstream.calls.at(-1)!.url).toBe('https://unreachable.test/v1/chat/completions');
    await testApp.post('/v1/chat/completions', CHAT, { 'X-Enkrypt-Deployment': 'forced' });
    expect(served(testApp).deployment).toBe('forced');
  });

  it('gives another tenant’s deployment exactly the same 404 as an unknown one', async () => {
    const testApp = await createTestApp();
    const foreign = await errorOf(await testApp.post('/v1/chat/completions', CHAT, { 'X-Guard-Deployment': 'globex-private' }));
    const unknown = await errorOf(await testApp.post('/v1/chat/completions', CHAT, { 'X-Guard-Deployment': 'no-such-thing' }));
    expect(foreign).toMatchObject({ status: 404, error: { code: 'deployment_not_found', type: 'not_found_error' } });
    expect(String(foreign.error['message']).replace('globex-private', 'X')).toBe(String(unknown.error['message']).replace('no-such-thing', 'X'));
    expect(unknown.status).toBe(404);
    expect(testApp.upstream.calls).toHaveLength(0);
  });

  it('records the safe routing tags for the access log', async () => {
    const testApp = await createTestApp();
    await testApp.get('/v1/models', { 'X-Guard-Tags': 'team:search, bad tag, env/prod' });
    expect(served(testApp).tags).toEqual(['team:search', 'env/prod']);
  });
});

describe('X-Guard-Refresh-Cache', () => {
  const REFRESH = { 'X-Guard-Refresh-Cache': 'true' };
  const ACME = 'tenants/acme.yaml';

  it('reloads before serving, so a deployment added since is found', async () => {
    const files = editableSource(twoTenantsPolicyFiles());
    const testApp = await createTestApp({ source: files.source });
    files.edit(ACME, (content) => `${content}  - name: added-later\n    upstream:\n      base_url: \${FAKE_UPSTREAM_URL}\n`);
    const before = await testApp.post('/v1/chat/completions', CHAT, { 'X-Guard-Deployment': 'added-later' });
    expect(before.status).toBe(404);
    const after = await testApp.post('/v1/chat/completions', CHAT, { 'X-Guard-Deployment': 'added-later', ...REFRESH });
    expect(after.status).toBe(200);
    expect(served(testApp).deployment).toBe('added-later');
    expect(testApp.logger.records.some((record) => record.message === 'policies reloaded' && record.fields['policyVersion'] === testApp.policies.current().version)).toBe(true);
  });

  it('re-authenticates against the reloaded policies, so a revoked key stops working at once', async () => {
    const files = editableSource(twoTenantsPolicyFiles());
    const testApp = await createTestApp({ source: files.source });
    files.edit(ACME, (content) => content.replace('${ACME_PROXY_KEYS}', `sha256:${'0'.repeat(64)}`));
    expect(await errorOf(await testApp.post('/v1/chat/completions', CHAT, REFRESH))).toMatchObject({ status: 401 });
    expect(testApp.upstream.calls).toHaveLength(0);
  });

  it('keeps the previous policies and says so when the reload fails', async () => {
    const files = editableSource(twoTenantsPolicyFiles());
    const testApp = await createTestApp({ source: files.source });
    const version = testApp.policies.current().version;
    files.edit(ACME, () => 'tenant: acme\nbogus: true\n');
    const response = await testApp.post('/v1/chat/completions', CHAT, REFRESH);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-guard-policy-reload')).toBe('failed');
    expect(testApp.policies.current().version).toBe(version);
    // One error line per problem, each naming its file and field.
    const errors = testApp.logger.records.filter((record) => record.level === 'error');
    expect(errors.length).toBeGreaterThan(0);
    for (const record of errors) {
      expect(record.message).toBe('policy reload failed; previous policies stay in force');
      expect(record.fields).toMatchObject({ reason: 'refresh_header', tenant: 'acme', file: expect.stringMatching(/^tenants\/acme[./]/) });
    }
  });

  it('ignores a refresh request from a caller without a valid key', async () => {
    const files = editableSource(twoTenantsPolicyFiles());
    const testApp = await createTestApp({ source: files.source });
    const response = await testApp.post('/v1/chat/completions', CHAT, { authorization: 'Bearer wrong', ...REFRESH });
    expect(response.status).toBe(401);
    expect(files.reads()).toBe(1);
  });
});
