// `X-Guard-Refresh-Cache: true` reloads the policy files before the request; a broken edit keeps
// the previous policies in force.

import { cpSync, mkdtempSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ACME_KEY, TWO_TENANTS_DIR, useTestStack } from '../helpers/server.ts';

const policyDir = mkdtempSync(join(tmpdir(), 'policies-'));
cpSync(TWO_TENANTS_DIR, policyDir, { recursive: true });
const stack = useTestStack({ policyDir });

describe('policy refresh', () => {
  it('sees a new deployment only after a refresh request', async () => {
    const file = join(policyDir, 'tenants', 'acme.yaml');
    const added = `${await readFile(file, 'utf8')}  - name: added-later\n    upstream:\n      base_url: \${FAKE_UPSTREAM_URL}\n      api_key: \${FAKE_UPSTREAM_KEY}\n`;
    await writeFile(file, added);
    const request = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'hi' }] };

    const before = await stack.client(ACME_KEY, { 'X-Guard-Deployment': 'added-later' }).chat.completions.create(request).catch((caught: unknown) => caught);
    expect(before).toMatchObject({ status: 404 });
    const after = await stack.client(ACME_KEY, { 'X-Guard-Deployment': 'added-later', 'X-Guard-Refresh-Cache': 'true' }).chat.completions.create(request);
    expect(after.choices[0]?.message.content).toBe('You said: hi');
  });

  it('builds the guard of a profile added on disk only after a refresh', async () => {
    await writeFile(join(policyDir, 'tenants', 'acme', 'profiles', 'acme-late.yaml'), 'profile: acme-late\nextends: strict\n');
    const request = { input: 'hello', model_extras: { profile: 'acme-late' } };
    const before = await stack.client(ACME_KEY).moderations.create(request).catch((caught: unknown) => caught);
    expect(before).toMatchObject({ status: 400, param: 'model_extras.profile' });
    const after = await stack.client(ACME_KEY, { 'X-Guard-Refresh-Cache': 'true' }).moderations.create(request);
    expect(after.results[0]).toMatchObject({ profile: 'acme-late', policy_version: stack.proxy.policies.current().version });
  });

  it('keeps the previous policies when the edited file is invalid', async () => {
    const version = stack.proxy.policies.current().version;
    await writeFile(join(policyDir, 'tenants', 'acme.yaml'), 'tenant: acme\nbogus: true\n');
    const { response } = await stack
      .client(ACME_KEY, { 'X-Guard-Refresh-Cache': 'true' })
      .chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'still here' }] })
      .withResponse();
    expect(response.headers.get('x-guard-policy-reload')).toBe('failed');
    expect(stack.proxy.policies.current().version).toBe(version);
  });
});
