// One policy load for tenants, shipped profiles and tenant-owned profiles: one version, the
// deployment → profile check, tenant isolation, errors naming file/line/field, guards built once.

import { describe, expect, it } from 'vitest';
import type { Guard } from '../../../src/guard/types.ts';
import { buildDetectors } from '../../../src/guard/detectors/index.ts';
import { createRe2Engine } from '../../../src/node/re2-engine.ts';
import { PolicyLoadError } from '../../../src/policy/errors.ts';
import { loadPolicySnapshot } from '../../../src/policy/load.ts';
import type { GuardFactory, PolicyFile } from '../../../src/policy/types.ts';
import { shippedProfileFiles } from '../../helpers/policy-files.ts';

const PROFILES = shippedProfileFiles();

const tenant = (name: string, guardrails = '') => ({
  path: `tenants/${name}.yaml`,
  content: `tenant: ${name}\ndefault_deployment: d\ndeployments:\n  - name: d\n    upstream: { base_url: "http://127.0.0.1:1/v1" }\n${guardrails}`,
});
const profile = (owner: string, name: string, body: string): PolicyFile => ({ path: `tenants/${owner}/profiles/${name}.yaml`, content: `profile: ${name}\n${body}` });

async function loadError(files: PolicyFile[]): Promise<PolicyLoadError> {
  const error = await loadPolicySnapshot([...files, ...PROFILES], {}).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(PolicyLoadError);
  return error as PolicyLoadError;
}

/** A factory that records which profiles it built, returning placeholder guards. */
function recordingFactory() {
  const built: string[] = [];
  const versions = new Set<string>();
  const factory: GuardFactory<Guard> = (resolved, version) => {
    built.push(`${resolved.tenant ?? 'shipped'}/${resolved.name}`);
    versions.add(version);
    return { profile: resolved, policyVersion: version, check: async () => [] } satisfies Guard;
  };
  return { factory, built, versions };
}

describe('policy load with profiles', () => {
  it('gives each tenant the shipped profiles plus only its own, under one version', async () => {
    const files = [tenant('acme', '    guardrails: { profile: acme-kids, output_policy: strict, soft_block: warn }\n'), tenant('globex'), profile('acme', 'acme-kids', 'extends: kids\n'), ...PROFILES];
    const { factory, built, versions } = recordingFactory();
    const snapshot = await loadPolicySnapshot(files, {}, { buildGuard: factory });
    const acme = snapshot.tenants.get('acme')!;
    const globex = snapshot.tenants.get('globex')!;
    expect([...acme.profiles.keys()].sort()).toEqual(['acme-kids', 'default', 'internal', 'kids', 'research', 'strict']);
    expect(globex.profiles.has('acme-kids')).toBe(false);
    expect(acme.defaultDeployment.guardrails).toEqual({ profile: 'acme-kids', inputProfile: 'acme-kids', outputProfile: 'strict', softBlock: 'warn', streamMode: 'moderate' });
    // Shipped guards are built once and shared; the tenant's own once.
    expect(built.sort()).toEqual(['acme/acme-kids', 'shipped/default', 'shipped/internal', 'shipped/kids', 'shipped/research', 'shipped/strict']);
    expect(acme.guards.get('default')).toBe(globex.guards.get('default'));
    expect(globex.guards.has('acme-kids')).toBe(false);
    expect([...versions]).toEqual([snapshot.version]);
  });

  it('changes the version when a profile file changes', async () => {
    const a = await loadPolicySnapshot([tenant('acme'), ...PROFILES], {});
    const edited = PROFILES.map((file) => (file.path === 'profiles/kids.yaml' ? { ...file, content: `${file.content}\n# edited\n` } : file));
    const b = await loadPolicySnapshot([tenant('acme'), ...edited], {});
    expect(a.version).not.toBe(b.version);
  });

  it('rejects a deployment naming an unknown profile, or another tenant’s, at its line', async () => {
    const error = await loadError([tenant('acme', '    guardrails: { input_policy: globex-only }\n'), tenant('globex'), profile('globex', 'globex-only', 'extends: strict\n')]);
    expect(error.problems[0]).toMatchObject({ file: 'tenants/acme.yaml', line: 6, field: 'deployments[0].guardrails.input_policy' });
    expect(error.problems[0]!.message).toContain('unknown profile "globex-only"');
  });

  it('reports a profile error with its file, line and field, and keeps the floor a load error', async () => {
    const error = await loadError([tenant('acme'), profile('acme', 'loose', 'extends: default\ncategories:\n  sexual/minors: { block: 0.5 }\n')]);
    expect(error.problems[0]).toMatchObject({ file: 'tenants/acme/profiles/loose.yaml', line: 4, field: 'categories.sexual/minors.block' });
    expect(error.message).toContain('loosens the sexual/minors floor');
  });

  it('requires the profile name to match its file, and profiles to be in profiles/', async () => {
    const mismatch = await loadError([tenant('acme'), { path: 'tenants/acme/profiles/kids2.yaml', content: 'profile: other\nextends: kids\n' }]);
    expect(mismatch.problems[0]).toMatchObject({ file: 'tenants/acme/profiles/kids2.yaml', field: 'profile' });
    const misplaced = await loadError([tenant('acme'), { path: 'tenants/acme/kids2.yaml', content: 'profile: kids2\nextends: kids\n' }]);
    expect(misplaced.problems[0]!.message).toContain('tenants/<tenant>/profiles/<name>.yaml');
    const orphan = await loadError([tenant('acme'), profile('nobody', 'x', 'extends: kids\n')]);
    expect(orphan.problems[0]!.message).toContain('no tenant "nobody"');
  });

  it('compiles tenant patterns through RE2 at load: a rejected one names its file and rule', async () => {
    const engine = createRe2Engine();
    const files = [
      tenant('acme'),
      profile('acme', 'lookaround', 'extends: default\ninput:\n  detectors:\n    regex:\n      rules:\n        - { id: acme.look, category: x, action: block, pattern: "(?<=a)b" }\n'),
      ...PROFILES,
    ];
    const eager = await loadPolicySnapshot(files, {}, {
      buildGuard: (resolved, version) => {
        buildDetectors(resolved.input.detectorOptions, engine);
        return { profile: resolved, policyVersion: version, check: async () => [] };
      },
    }).catch((caught: unknown) => caught);
    expect(eager).toBeInstanceOf(PolicyLoadError);
    expect((eager as PolicyLoadError).problems[0]).toMatchObject({ file: 'tenants/acme/profiles/lookaround.yaml', field: 'rule acme.look' });
  });
});
