// Policy reloads on the real server: `X-Guard-Refresh-Cache: true` reloads the caller's own tenant
// files only, at most once per interval; a change on disk reloads by itself (watch); POST
// /admin/reload reloads everything with the admin key; a broken edit keeps the previous policies
// in force and shows in /readyz until it is fixed.

import { cpSync, mkdtempSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ACME_KEY, GLOBEX_KEY, TWO_TENANTS_DIR, useTestStack, type TestStack } from '../helpers/server.ts';
import { until } from '../helpers/until.ts';

const ADMIN_KEY = 'admin-key-for-reload-tests';
const CHAT = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'hi' }] };

function copyOfPolicies(): string {
  const dir = mkdtempSync(join(tmpdir(), 'policies-'));
  cpSync(TWO_TENANTS_DIR, dir, { recursive: true });
  return dir;
}

async function addDeployment(policyDir: string, tenant: string, name: string): Promise<void> {
  const file = join(policyDir, 'tenants', `${tenant}.yaml`);
  await writeFile(file, `${await readFile(file, 'utf8')}  - name: ${name}\n    upstream:\n      base_url: \${FAKE_UPSTREAM_URL}\n      api_key: \${FAKE_UPSTREAM_KEY}\n`);
}

const status = (stack: TestStack, key: string, deployment: string) =>
  stack
    .client(key, { 'X-Guard-Deployment': deployment })
    .chat.completions.create(CHAT)
    .then(() => 200, (error: { status?: number }) => error.status);


describe('the refresh header', () => {
  const policyDir = copyOfPolicies();
  const stack = useTestStack({ policyDir, ops: { refreshIntervalMs: 60_000 } });

  it('reloads only the caller’s own files, and at most once per interval', async () => {
    await addDeployment(policyDir, 'acme', 'acme-later');
    await addDeployment(policyDir, 'globex', 'globex-later');
    expect(await status(stack, ACME_KEY, 'acme-later')).toBe(404);

    const { response } = await stack.client(ACME_KEY, { 'X-Guard-Deployment': 'acme-later', 'X-Guard-Refresh-Cache': 'true' }).chat.completions.create(CHAT).withResponse();
    expect(response.headers.get('x-guard-policy-reload')).toBe('reloaded');
    // acme's refresh did not pick up globex's edit.
    expect(await status(stack, GLOBEX_KEY, 'globex-later')).toBe(404);

    // A second refresh within the interval reads nothing.
    await addDeployment(policyDir, 'acme', 'acme-even-later');
    const again = await stack.client(ACME_KEY, { 'X-Guard-Deployment': 'acme-later', 'X-Guard-Refresh-Cache': 'true' }).chat.completions.create(CHAT).withResponse();
    expect(again.response.headers.get('x-guard-policy-reload')).toBe('throttled');
    expect(await status(stack, ACME_KEY, 'acme-even-later')).toBe(404);

    // globex's own refresh is not held back by acme's.
    const globex = await stack.client(GLOBEX_KEY, { 'X-Guard-Deployment': 'globex-later', 'X-Guard-Refresh-Cache': 'true' }).chat.completions.create(CHAT).withResponse();
    expect(globex.response.headers.get('x-guard-policy-reload')).toBe('reloaded');
  });
});

describe('the refresh header with a broken file', () => {
  const policyDir = copyOfPolicies();
  const stack = useTestStack({ policyDir, ops: { refreshIntervalMs: 0 } });

  it('keeps the previous policies when the caller’s edited file is invalid', async () => {
    const version = stack.proxy.policies.current().version;
    await writeFile(join(policyDir, 'tenants', 'acme.yaml'), 'tenant: acme\nbogus: true\n');
    const { response } = await stack.client(ACME_KEY, { 'X-Guard-Refresh-Cache': 'true' }).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'still here' }] }).withResponse();
    expect(response.headers.get('x-guard-policy-reload')).toBe('failed');
    expect(stack.proxy.policies.current().version).toBe(version);
  });

  it('builds the guard of a profile added on disk after a refresh', async () => {
    await writeFile(join(policyDir, 'tenants', 'globex', 'profiles', 'globex-late.yaml'), 'profile: globex-late\nextends: strict\n');
    const request = { input: 'hello', model_extras: { profile: 'globex-late' } };
    const before = await stack.client(GLOBEX_KEY).moderations.create(request).catch((caught: unknown) => caught);
    expect(before).toMatchObject({ status: 400, param: 'model_extras.profile' });
    const after = await stack.client(GLOBEX_KEY, { 'X-Guard-Refresh-Cache': 'true' }).moderations.create(request);
    expect(after.results[0]).toMatchObject({ profile: 'globex-late', policy_version: stack.proxy.policies.current().version });
  });
});

describe('watch, admin route and readiness', () => {
  const policyDir = copyOfPolicies();
  const stack = useTestStack({ policyDir, ops: { adminApiKey: ADMIN_KEY, watchPolicies: true, watchDebounceMs: 100 } });
  const admin = { authorization: `Bearer ${ADMIN_KEY}` };
  const readyz = async (headers: Record<string, string> = {}) => {
    const response = await fetch(`${stack.url}/readyz`, { headers });
    return { status: response.status, body: (await response.json()) as { status: string; checks: Record<string, { status: string; reason?: string; details?: { problems: Array<{ file: string; line: number | null; field: string }> } }> } };
  };

  it('reloads by itself when a policy file changes on disk', async () => {
    await addDeployment(policyDir, 'acme', 'watched');
    await until(async () => (await status(stack, ACME_KEY, 'watched')) === 200, 5_000, 50);
  });

  it('reloads on POST /admin/reload with the admin key only', async () => {
    const refused = await fetch(`${stack.url}/admin/reload`, { method: 'POST', headers: { authorization: `Bearer ${ACME_KEY}` } });
    expect(refused.status).toBe(401);
    const response = await fetch(`${stack.url}/admin/reload`, { method: 'POST', headers: admin });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'reloaded', policy_version: stack.proxy.policies.current().version, tenants: 2 });
  });

  it('keeps serving on a broken file, says so in /readyz (problems for the admin only) and in the admin route, until fixed', async () => {
    const file = join(policyDir, 'tenants', 'globex.yaml');
    const original = await readFile(file, 'utf8');
    const version = stack.proxy.policies.current().version;
    await writeFile(file, `${original}  - name: broken\n    upstream: { base_url: "not a url" }\n`);
    await until(async () => (await readyz()).body.status === 'degraded', 5_000, 50);

    const publicView = await readyz();
    expect(publicView.status).toBe(200);
    expect(publicView.body.checks['policies']!.reason).toContain('previous policies stay in force');
    expect(JSON.stringify(publicView.body)).not.toContain('globex');
    const adminView = await readyz(admin);
    expect(adminView.body.checks['policies']!.details!.problems).toEqual(
      expect.arrayContaining([expect.objectContaining({ file: 'tenants/globex.yaml', field: expect.stringContaining('base_url'), line: expect.any(Number) })]),
    );

    expect(stack.proxy.policies.current().version).toBe(version);
    expect(await status(stack, GLOBEX_KEY, 'globex-private')).toBe(200);
    const reload = await fetch(`${stack.url}/admin/reload`, { method: 'POST', headers: admin });
    expect(reload.status).toBe(422);
    expect(await reload.json()).toMatchObject({ error: { code: 'policy_invalid' }, problems: expect.arrayContaining([expect.objectContaining({ file: 'tenants/globex.yaml' })]) });

    await writeFile(file, original);
    await until(async () => (await readyz()).body.status === 'ok', 5_000, 50);
  });

  it('reloads on the runtime’s signal entry point (RunningProxy.reload, what SIGHUP calls)', async () => {
    await addDeployment(policyDir, 'globex', 'signalled');
    const outcome = await stack.proxy.reload('signal');
    expect(outcome.status).toBe('reloaded');
    expect(await status(stack, GLOBEX_KEY, 'signalled')).toBe(200);
  });
});
