// Reloads through the store and the reloader, in memory: a tenant reload takes only that tenant's
// files, the whole snapshot swaps at once, a broken file keeps the last good snapshot and is
// remembered (with file, line and field) until a whole reload succeeds, and the refresh header's
// reload is throttled per tenant.

import { describe, expect, it } from 'vitest';
import { createPolicyReloader } from '../../src/policy/reload.ts';
import { createPolicyStore, isTenantFile } from '../../src/policy/store.ts';
import type { PolicyFile, PolicySource } from '../../src/policy/types.ts';
import { createRecordingLogger, TEST_ENV } from '../helpers/app.ts';
import { twoTenantsPolicyFiles } from '../helpers/policy-files.ts';

/** A source whose files a test edits between reads. */
function editableSource(): PolicySource & { files: Map<string, string> } {
  const files = new Map(twoTenantsPolicyFiles().map((file) => [file.path, file.content]));
  return { files, read: async () => [...files].map(([path, content]): PolicyFile => ({ path, content })) };
}

const addDeployment = (content: string, name: string) => `${content}  - name: ${name}\n    upstream:\n      base_url: \${FAKE_UPSTREAM_URL}\n`;

describe('isTenantFile', () => {
  it('matches the tenant file and its folder, not a tenant whose name starts the same', () => {
    expect(isTenantFile('tenants/acme.yaml', 'acme')).toBe(true);
    expect(isTenantFile('tenants/acme/profiles/p.yaml', 'acme')).toBe(true);
    expect(isTenantFile('tenants/acme-two.yaml', 'acme')).toBe(false);
    expect(isTenantFile('tenants/acmex/profiles/p.yaml', 'acme')).toBe(false);
    expect(isTenantFile('profiles/default.yaml', 'acme')).toBe(false);
  });
});

describe('PolicyStore.reload', () => {
  it('reloads only the named tenant’s files; the others stay as last loaded', async () => {
    const source = editableSource();
    const store = await createPolicyStore(source, TEST_ENV);
    source.files.set('tenants/acme.yaml', addDeployment(source.files.get('tenants/acme.yaml')!, 'acme-new'));
    source.files.set('tenants/globex.yaml', addDeployment(source.files.get('tenants/globex.yaml')!, 'globex-new'));
    const before = store.current();
    const after = await store.reload({ tenant: 'acme' });
    expect(after.version).not.toBe(before.version);
    expect(after.tenants.get('acme')!.deployments.has('acme-new')).toBe(true);
    expect(after.tenants.get('globex')!.deployments.has('globex-new')).toBe(false);
    // The earlier snapshot is untouched: requests holding it finish on it.
    expect(before.tenants.get('acme')!.deployments.has('acme-new')).toBe(false);
    const whole = await store.reload();
    expect(whole.tenants.get('globex')!.deployments.has('globex-new')).toBe(true);
  });

  it('keeps serving the last good snapshot when a file is broken', async () => {
    const source = editableSource();
    const store = await createPolicyStore(source, TEST_ENV);
    const good = store.current();
    source.files.set('tenants/globex.yaml', 'tenant: globex\nbogus: 1\n');
    await expect(store.reload()).rejects.toMatchObject({ name: 'PolicyLoadError' });
    expect(store.current()).toBe(good);
  });
});

describe('createPolicyReloader', () => {
  it('logs each problem with file, line and field, remembers the failure until a whole reload succeeds', async () => {
    const source = editableSource();
    const store = await createPolicyStore(source, TEST_ENV);
    const logger = createRecordingLogger();
    const reloader = createPolicyReloader({ store, logger });
    const original = source.files.get('tenants/globex.yaml')!;
    source.files.set('tenants/globex.yaml', `${original}bogus_field: true\n`);
    const failed = await reloader.reloadAll('signal');
    expect(failed.status).toBe('failed');
    expect(failed.snapshot).toBe(store.current());
    const problem = logger.records.find((r) => r.level === 'error' && r.fields['field'] === 'bogus_field')!;
    expect(problem.fields).toMatchObject({ reason: 'signal', file: 'tenants/globex.yaml', field: 'bogus_field' });
    expect(problem.fields['line']).toBe(original.split('\n').length);
    expect(reloader.lastFailure()).toMatchObject({ reason: 'signal', problems: expect.arrayContaining([expect.objectContaining({ file: 'tenants/globex.yaml', field: 'bogus_field' })]) });

    source.files.set('tenants/globex.yaml', original);
    expect((await reloader.reloadAll('watch')).status).toBe('reloaded');
    expect(reloader.lastFailure()).toBeNull();
  });

  it('lets a tenant’s refresh reload at most once per interval, per tenant', async () => {
    const source = editableSource();
    const store = await createPolicyStore(source, TEST_ENV);
    let clock = 1_000;
    const reloader = createPolicyReloader({ store, logger: createRecordingLogger(), refreshIntervalMs: 5_000, now: () => clock });
    expect((await reloader.refreshTenant('acme')).status).toBe('reloaded');
    clock += 4_999;
    expect((await reloader.refreshTenant('acme')).status).toBe('throttled');
    expect((await reloader.refreshTenant('globex')).status).toBe('reloaded');
    clock += 1;
    expect((await reloader.refreshTenant('acme')).status).toBe('reloaded');
  });
});
