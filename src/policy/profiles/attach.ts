// The profile half of a policy load: shipped profiles (`profiles/*.yaml`), each tenant's own
// (`tenants/<tenant>/profiles/<name>.yaml`, extending a shipped one), the check that every
// deployment names a profile its tenant can see, and the guards, built once per profile here.

import { collectProblems, ProfileBuildError, type PolicyProblem } from '../errors.ts';
import type { GuardFactory, LoadedTenant, ParsedTenant, PolicyFile } from '../types.ts';
import type { EnvMap } from '../interpolate.ts';
import { loadShippedProfiles, resolveTenantProfiles } from './resolve.ts';
import type { ProfileRegistry, ResolvedProfile } from './types.ts';

const SHIPPED_PROFILE_FILE = /^profiles\/[^/]+\.ya?ml$/;
const TENANT_PROFILE_FILE = /^tenants\/([^/]+)\/profiles\/([^/]+)\.ya?ml$/;
const UNDER_TENANTS = /^tenants\/[^/]+\//;

export interface AttachProfilesInput<G> {
  /** Every policy file, sorted by path. */
  readonly files: readonly PolicyFile[];
  readonly tenants: ReadonlyMap<string, ParsedTenant>;
  /** Problems are appended here; nothing is built once there is one. */
  readonly problems: PolicyProblem[];
  readonly version: string;
  readonly buildGuard: GuardFactory<G> | undefined;
  /** For `${ENV}` references in profiles' judge blocks. */
  readonly env?: EnvMap;
  /** Whether an enabled judge's required `${NAME}` key must be set in env (false: a lint of the files alone). */
  readonly checkSecrets?: boolean;
}

/** The tenants with their profile registries and guards; an empty map when there were problems. */
export function attachProfiles<G>(input: AttachProfilesInput<G>): Map<string, LoadedTenant<G>> {
  const { files, tenants, problems } = input;
  const shippedSources: PolicyFile[] = [];
  const tenantSources = new Map<string, PolicyFile[]>();
  for (const file of files) {
    if (SHIPPED_PROFILE_FILE.test(file.path)) {
      shippedSources.push(file);
      continue;
    }
    const match = TENANT_PROFILE_FILE.exec(file.path);
    if (match) {
      const owner = match[1]!;
      if (!tenants.has(owner)) {
        problems.push({ file: file.path, line: null, column: null, field: '', message: `no tenant "${owner}" (expected tenants/${owner}.yaml)` });
        continue;
      }
      const list = tenantSources.get(owner) ?? [];
      list.push(file);
      tenantSources.set(owner, list);
    } else if (UNDER_TENANTS.test(file.path)) {
      // A misplaced profile would otherwise be silently ignored.
      problems.push({ file: file.path, line: null, column: null, field: '', message: 'not a policy file location: tenant profiles go in tenants/<tenant>/profiles/<name>.yaml' });
    }
  }
  if (problems.length > 0) return new Map();

  const secretEnv = input.checkSecrets ? (input.env ?? {}) : undefined;
  const shipped = collectProblems(problems, () => loadShippedProfiles(shippedSources, input.env, secretEnv));
  if (!shipped) return new Map();

  const registries = new Map<string, ProfileRegistry>();
  for (const [name, parsed] of tenants) {
    const registry = collectProblems(problems, () => resolveTenantProfiles(name, tenantSources.get(name) ?? [], shipped, input.env, secretEnv));
    if (!registry) continue;
    checkProfileFileNames(registry, name, problems);
    checkDeploymentProfiles(parsed, registry, problems);
    registries.set(name, registry);
  }
  if (problems.length > 0) return new Map();

  const guardsByProfile = new Map<ResolvedProfile, G>();
  const loaded = new Map<string, LoadedTenant<G>>();
  for (const [name, parsed] of tenants) {
    const registry = registries.get(name)!;
    const guards = new Map<string, G>();
    if (input.buildGuard) {
      for (const [profileName, profile] of registry) {
        // Shipped profiles are the same objects in every tenant's registry: one guard serves all.
        let guard = guardsByProfile.get(profile);
        if (guard === undefined) {
          guard = buildGuardOrReport(input.buildGuard, profile, input.version, problems);
          if (guard === undefined) continue;
          guardsByProfile.set(profile, guard);
        }
        guards.set(profileName, guard);
      }
    }
    loaded.set(name, Object.freeze({ ...parsed.tenant, profiles: registry, guards }));
  }
  return problems.length > 0 ? new Map() : loaded;
}

/** `tenants/acme/profiles/acme-kids.yaml` must define `profile: acme-kids`, as tenant files match their names. */
function checkProfileFileNames(registry: ProfileRegistry, tenant: string, problems: PolicyProblem[]): void {
  for (const [name, profile] of registry) {
    if (profile.tenant !== tenant) continue;
    const file = profile.files[0] ?? '';
    const base = file.slice(file.lastIndexOf('/') + 1).replace(/\.ya?ml$/, '');
    if (base !== name) problems.push({ file, line: null, column: null, field: 'profile', message: `must match the file name "${base}"` });
  }
}

function checkDeploymentProfiles(parsed: ParsedTenant, registry: ProfileRegistry, problems: PolicyProblem[]): void {
  const known = [...registry.keys()].join(', ');
  parsed.tenant.definition.deployments.forEach((deployment, index) => {
    const named: Array<[string, string | undefined]> = [
      ['profile', deployment.guardrails.profile],
      ['input_policy', deployment.guardrails.input_policy],
      ['output_policy', deployment.guardrails.output_policy],
    ];
    for (const [field, profile] of named) {
      if (profile !== undefined && !registry.has(profile)) {
        problems.push(parsed.locate(['deployments', index, 'guardrails', field], `unknown profile "${profile}" (this tenant has: ${known})`));
      }
    }
    checkJudgeChecks(parsed, index, registry, problems);
  });
}

/** A judge check needs the judge of the profile that guards its direction, answering in our JSON rubric. */
function checkJudgeChecks(parsed: ParsedTenant, index: number, registry: ProfileRegistry, problems: PolicyProblem[]): void {
  const deployment = parsed.tenant.definition.deployments[index]!;
  const checks = deployment.guardrails.judge_checks;
  if (!checks) return;
  const inputProfile = deployment.guardrails.input_policy ?? deployment.guardrails.profile;
  const outputProfile = deployment.guardrails.output_policy ?? deployment.guardrails.profile;
  const wanted: Array<[string, string]> = [];
  if (checks.policy_violation?.input) wanted.push(['policy_violation', inputProfile]);
  if (checks.policy_violation?.output) wanted.push(['policy_violation', outputProfile]);
  for (const check of ['bias', 'relevancy', 'hallucination'] as const) if (checks[check]) wanted.push([check, outputProfile]);
  for (const [check, profileName] of wanted) {
    const judge = registry.get(profileName)?.judge;
    if (!judge) continue;
    const at = ['deployments', index, 'guardrails', 'judge_checks', check];
    if (!judge.enabled) problems.push(parsed.locate(at, `${check} is checked by the LLM judge, but profile "${profileName}" has no enabled judge (judge.enabled, base_url, model)`));
    else if (judge.verdict !== 'json') problems.push(parsed.locate(at, `${check} needs the judge's json verdict; profile "${profileName}" uses verdict: ${judge.verdict}, which only knows its own categories`));
  }
}

function buildGuardOrReport<G>(build: GuardFactory<G>, profile: ResolvedProfile, version: string, problems: PolicyProblem[]): G | undefined {
  try {
    return build(profile, version);
  } catch (error) {
    // e.g. a tenant pattern RE2 rejects: a load error naming the profile file and the rule.
    if (!(error instanceof ProfileBuildError)) throw error;
    problems.push({ file: profile.files[0] ?? `profile ${profile.name}`, line: null, column: null, field: error.field, message: error.message });
    return undefined;
  }
}
