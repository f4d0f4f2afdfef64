// Pure policy loading: file contents + an environment map in, an immutable PolicySnapshot out.
// One load reads tenants (`tenants/<tenant>.yaml`), shipped profiles (`profiles/*.yaml`) and
// tenants' own profiles (`tenants/<tenant>/profiles/<name>.yaml`), under ONE version hash, and
// builds every guard through the injected factory. No file system here, so the Workers build can
// feed it bundled files. Every problem names the file, line, column and field path.

import { fromHex, sha256, toHex } from '../digest.ts';
import { collectProblems, PolicyLoadError, type PolicyProblem } from './errors.ts';
import { interpolateDocument, type EnvMap } from './interpolate.ts';
import { attachProfiles } from './profiles/attach.ts';
import { resolveTenantRateLimits, toLoadedRateLimit } from './rate-limits.ts';
import { createKeyScrubber } from '../logging/key-scrub.ts';
import { missingSecret, readSecret } from './secrets.ts';
import { tenantFileSchema, type DeploymentDefinition, type TenantFile } from './schema.ts';
import type { GuardFactory, LoadedDeployment, LoadedTenant, LoadedJudgeChecks, ParsedTenant, PolicyFile, PolicySnapshot } from './types.ts';
import { describeSchemaIssue, parsePolicyFile } from './yaml.ts';

const TENANT_FILE = /^tenants\/([^/]+)\.ya?ml$/;

export interface LoadPolicyOptions<G> {
  /** Builds each profile's guard at load; without it tenants get no guards (tests of the loader alone). */
  buildGuard?: GuardFactory<G>;
  /**
   * Whether every required secret reference (`${NAME}` in api_keys, upstream and judge api_key)
   * must be set in `env` (default true). Only a lint of the files alone, run where
   * the secrets are not (a CI job, the Workers build), passes false.
   */
  checkSecrets?: boolean;
}

/**
 * Parses every policy file and builds the guards. Throws PolicyLoadError listing every problem
 * found; files outside the known locations count towards the version only.
 */
export async function loadPolicySnapshot<G = never>(files: readonly PolicyFile[], env: EnvMap, options: LoadPolicyOptions<G> = {}): Promise<PolicySnapshot<G>> {
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const version = toHex(sha256(sorted.map((file) => `${file.path}\0${file.content}\0`).join('')));
  const problems: PolicyProblem[] = [];
  const parsed = new Map<string, ParsedTenant>();

  for (const file of sorted) {
    const match = TENANT_FILE.exec(file.path);
    if (!match) continue;
    const loaded = await loadTenantFile(file, { expectedName: match[1] ?? '', env, checkSecrets: options.checkSecrets ?? true }, problems);
    if (!loaded) continue;
    if (parsed.has(loaded.tenant.name)) {
      problems.push({ file: file.path, line: null, column: null, field: 'tenant', message: `tenant "${loaded.tenant.name}" is defined twice` });
      continue;
    }
    parsed.set(loaded.tenant.name, loaded);
  }
  if (problems.length === 0 && parsed.size === 0) {
    problems.push({ file: 'tenants/', line: null, column: null, field: '', message: 'no tenant files found (expected tenants/<name>.yaml)' });
  }
  const tenants = attachProfiles({ files: sorted, tenants: parsed, problems, version, buildGuard: options.buildGuard, env, checkSecrets: options.checkSecrets ?? true });
  if (problems.length > 0) throw new PolicyLoadError(problems);

  const authEnabled = [...tenants.values()].some((tenant) => tenant.apiKeyHashes.length > 0);
  const anonymousTenant = authEnabled ? null : (tenants.get('default') ?? (tenants.size === 1 ? [...tenants.values()][0]! : null));
  return Object.freeze({
    version,
    loadedAt: new Date(),
    tenants,
    authEnabled,
    anonymousTenant,
    keyScrubber: createKeyScrubber(upstreamKeys(tenants.values(), env)),
  });
}

interface TenantFileContext {
  readonly expectedName: string;
  readonly env: EnvMap;
  readonly checkSecrets: boolean;
}

async function loadTenantFile(file: PolicyFile, context: TenantFileContext, problems: PolicyProblem[]): Promise<ParsedTenant | null> {
  const { expectedName, env } = context;
  const parsedFile = collectProblems(problems, () => parsePolicyFile(file));
  if (!parsedFile) return null;
  const locate = (path: readonly PropertyKey[], message: string): PolicyProblem => parsedFile.problemAt(path, message);

  const interpolated = interpolateDocument(parsedFile.data, { env, isVerbatim: isSecretPath });
  for (const problem of interpolated.problems) problems.push(locate(problem.path, problem.message));
  if (interpolated.problems.length > 0) return null;

  // reportInput: an issue then says whether the field was missing or had the wrong type.
  const parsed = tenantFileSchema.safeParse(interpolated.value, { reportInput: true });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const { path, message } = describeSchemaIssue(issue);
      problems.push(locate(path, message));
    }
    return null;
  }
  const definition = parsed.data;
  const before = problems.length;
  if (context.checkSecrets) {
    for (const { path, reference } of secretReferences(definition)) {
      const missing = missingSecret(reference, env);
      if (missing) problems.push(locate(path, missing));
    }
  }
  if (definition.tenant !== expectedName) {
    problems.push(locate(['tenant'], `must match the file name "${expectedName}"`));
  }
  const deployments = new Map<string, LoadedDeployment>();
  definition.deployments.forEach((deployment, index) => {
    if (deployments.has(deployment.name)) {
      problems.push(locate(['deployments', index, 'name'], `deployment "${deployment.name}" is defined twice`));
      return;
    }
    deployments.set(deployment.name, toLoadedDeployment(definition.tenant, deployment, env));
  });
  const defaultDeployment = deployments.get(definition.default_deployment);
  if (!defaultDeployment) {
    problems.push(locate(['default_deployment'], `no deployment named "${definition.default_deployment}" in this file`));
  }
  const rateLimits = await resolveTenantRateLimits({ definition, env, keyDigests: proxyKeyDigests, locate, problems });
  if (problems.length > before || !defaultDeployment) return null;

  const tenant = Object.freeze({
    name: definition.tenant,
    file: file.path,
    apiKeyHashes: await resolveProxyKeyHashes(definition, env),
    defaultDeployment,
    deployments,
    definition,
    rateLimits,
  });
  return { tenant, locate };
}

/** Every key the proxy sends upstream: deployments' upstream keys and enabled judges' keys. */
function upstreamKeys(tenants: Iterable<LoadedTenant<unknown>>, env: EnvMap): string[] {
  const keys = new Set<string>();
  for (const tenant of tenants) {
    for (const deployment of tenant.deployments.values()) if (deployment.upstream.apiKey) keys.add(deployment.upstream.apiKey);
    for (const profile of tenant.profiles.values()) {
      const judgeKey = profile.judge.enabled && profile.judge.apiKeyEnv ? (env[profile.judge.apiKeyEnv] ?? '').trim() : '';
      if (judgeKey !== '') keys.add(judgeKey);
    }
  }
  return [...keys];
}

/** Secrets stay `${NAME}` references through the schema, which rejects anything else. */
function isSecretPath(path: readonly (string | number)[]): boolean {
  return (
    (path.length === 2 && path[0] === 'api_keys') ||
    (path.length === 4 && path[0] === 'deployments' && path[2] === 'upstream' && path[3] === 'api_key') ||
    (path.length === 4 && path[0] === 'rate_limits' && path[1] === 'keys' && path[3] === 'key')
  );
}

/** Every secret reference of a tenant file with its path (rate_limits keys must repeat an api_keys entry). */
function secretReferences(definition: TenantFile): { path: (string | number)[]; reference: string }[] {
  const found: { path: (string | number)[]; reference: string }[] = [];
  definition.api_keys.forEach((reference, index) => found.push({ path: ['api_keys', index], reference }));
  definition.deployments.forEach((deployment, index) => {
    if (deployment.upstream.api_key) found.push({ path: ['deployments', index, 'upstream', 'api_key'], reference: deployment.upstream.api_key });
  });
  return found;
}

function toLoadedDeployment(tenant: string, deployment: DeploymentDefinition, env: EnvMap): LoadedDeployment {
  const apiKey = deployment.upstream.api_key ? readSecret(deployment.upstream.api_key, env) : '';
  return Object.freeze({
    name: deployment.name,
    tenant,
    upstream: Object.freeze({
      baseUrl: deployment.upstream.base_url.replace(/\/+$/, ''),
      apiKey: apiKey === '' ? null : apiKey,
      timeoutMs: deployment.upstream.timeout_ms,
      streamIdleTimeoutMs: deployment.upstream.stream_idle_timeout_ms ?? deployment.upstream.timeout_ms,
      keyScrubber: createKeyScrubber([apiKey]),
    }),
    models: Object.freeze({
      allow: Object.freeze(deployment.models.override ? [] : (deployment.models.allow ?? ['*'])),
      override: deployment.models.override ?? null,
      defaultModel: deployment.models.default ?? null,
      categories: Object.freeze(Object.entries(deployment.models.categories ?? {}).map(([pattern, category]) => Object.freeze({ pattern, category }))),
    }),
    guardrails: Object.freeze({
      profile: deployment.guardrails.profile,
      inputProfile: deployment.guardrails.input_policy ?? deployment.guardrails.profile,
      outputProfile: deployment.guardrails.output_policy ?? deployment.guardrails.profile,
      softBlock: deployment.guardrails.soft_block ?? null,
      streamMode: deployment.guardrails.stream_mode,
      ...(deployment.guardrails.judge_checks ? { judgeChecks: loadJudgeChecks(deployment.guardrails.judge_checks) } : {}),
    }),
    rateLimits: toLoadedRateLimit(deployment.rate_limits),
  });
}

function loadJudgeChecks(checks: NonNullable<DeploymentDefinition['guardrails']['judge_checks']>): LoadedJudgeChecks {
  return Object.freeze({
    policyViolation: checks.policy_violation ?? null,
    bias: checks.bias ?? null,
    relevancy: checks.relevancy ?? null,
    hallucination: checks.hallucination ?? null,
  });
}

/** A `${NAME}` entry may hold several comma-separated keys; an empty variable means none. */
async function resolveProxyKeyHashes(definition: TenantFile, env: EnvMap): Promise<Uint8Array[]> {
  const hashes: Uint8Array[] = [];
  for (const entry of definition.api_keys) hashes.push(...(await proxyKeyDigests(entry, env)));
  return hashes;
}

async function proxyKeyDigests(entry: string, env: EnvMap): Promise<Uint8Array[]> {
  if (entry.startsWith('sha256:')) return [fromHex(entry.slice('sha256:'.length).toLowerCase())];
  const hashes: Uint8Array[] = [];
  for (const key of readSecret(entry, env).split(',')) {
    const trimmed = key.trim();
    if (trimmed !== '') hashes.push(sha256(trimmed));
  }
  return hashes;
}
