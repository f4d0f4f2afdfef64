// The build-time lint of `npm run build:workers`: a tenant pattern outside the RE2 subset is a
// policy error naming its file, line and field; a policy that loads on Node and Workers is bundled
// as a module whose files load to the same snapshot version.

import { describe, expect, it } from 'vitest';
import { TEST_ENV } from '../helpers/app.ts';
import { twoTenantsPolicyFiles } from '../helpers/policy-files.ts';
import { PolicyLoadError } from '../../src/policy/errors.ts';
import { loadPolicySnapshot } from '../../src/policy/load.ts';
import type { PolicyFile } from '../../src/policy/types.ts';
import { checkRegexRules, lintForWorkers, renderPolicyBundle } from '../../scripts/workers/policy-bundle.ts';

const ENV = { FAKE_UPSTREAM_URL: 'http://127.0.0.1:9/v1' };

function withProfile(content: string): PolicyFile[] {
  return [...twoTenantsPolicyFiles(), { path: 'tenants/acme/profiles/acme-rules.yaml', content }];
}

const LOOKAHEAD_PROFILE = `profile: acme-rules
extends: default
input:
  detectors:
    regex:
      rules:
        - id: fine
          category: custom
          action: block
          pattern: 'internal[- ]only'
        - id: codename
          category: custom
          action: block
          pattern: 'project (?=falcon)'
`;

async function lintProblems(files: readonly PolicyFile[]) {
  const error = await lintForWorkers(files, ENV).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(PolicyLoadError);
  return (error as PolicyLoadError).problems;
}

describe('npm run build:workers policy lint', () => {
  it('names the file, line and field of a pattern outside the RE2 subset', async () => {
    const problems = await lintProblems(withProfile(LOOKAHEAD_PROFILE));
    expect(problems).toEqual([
      expect.objectContaining({ file: 'tenants/acme/profiles/acme-rules.yaml', line: 14, field: 'input.detectors.regex.rules[1].pattern', message: expect.stringContaining('lookahead (?=') }),
    ]);
  });

  it('refuses on Workers what loads on Node (an inline flag mid-pattern), loudly at build', async () => {
    const profile = LOOKAHEAD_PROFILE.replace("'project (?=falcon)'", "'project(?i)falcon'");
    const files = withProfile(profile);
    expect(checkRegexRules(files)).toHaveLength(1);
    const problems = await lintProblems(files);
    expect(problems[0]).toMatchObject({ line: 14, message: expect.stringContaining('inline flags') });
  });

  it('reports a backreference in an output rule at its own path', () => {
    const profile = LOOKAHEAD_PROFILE.replace('input:', 'output:').replace("'project (?=falcon)'", "'(a)\\1'");
    expect(checkRegexRules(withProfile(profile))).toEqual([expect.objectContaining({ field: 'output.detectors.regex.rules[1].pattern', message: expect.stringContaining('backreference') })]);
  });

  it('passes the shipped and fixture policies, and bundles files that load to the same version', async () => {
    const files = withProfile(LOOKAHEAD_PROFILE.replace("'project (?=falcon)'", "'project falcon'"));
    const version = await lintForWorkers(files, ENV);
    const module = renderPolicyBundle(files, version);
    const { POLICY_FILES } = (await import(`data:text/javascript,${encodeURIComponent(module)}`)) as { POLICY_FILES: PolicyFile[] };
    expect(POLICY_FILES).toHaveLength(files.length);
    expect(Object.isFrozen(POLICY_FILES)).toBe(true);
    // The lint ran without the secrets (as at build time); the Worker's own load has them.
    expect((await loadPolicySnapshot(POLICY_FILES, { ...TEST_ENV, ...ENV })).version).toBe(version);
  });

  it('still reports ordinary policy problems (schema) from the load', async () => {
    const valid = LOOKAHEAD_PROFILE.replace("'project (?=falcon)'", "'project falcon'");
    const problems = await lintProblems(withProfile(valid.replace("action: block\n          pattern: 'internal", "action: explode\n          pattern: 'internal")));
    expect(problems[0]).toMatchObject({ file: 'tenants/acme/profiles/acme-rules.yaml', field: expect.stringContaining('action') });
  });
});
