// What every policy-cli command starts from: the policy directory read like the server reads it
// (shipped profiles from `<dir>/profiles`, else the repository's), and either the snapshot alone
// (lint: every pattern compiled through RE2, no model loaded) or guards over the real classifier.

import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Classifier } from '../../classifier/types.ts';
import { createClassifierCache } from '../../guard/cache.ts';
import { buildDetectors } from '../../guard/detectors/index.ts';
import { createGuardFactory } from '../../guard/guard-factory.ts';
import type { Guard, GuardedTenant } from '../../guard/types.ts';
import { loadPolicySnapshot } from '../../policy/load.ts';
import type { PolicySnapshot } from '../../policy/types.ts';
import { DEFAULT_CLASSIFIER_MODEL, loadClassifier } from '../classifier.ts';
import { fileSystemPolicySource } from '../policy-files.ts';
import { createRe2Engine } from '../re2-engine.ts';

const REPO_ROOT = resolve(fileURLToPath(new URL('../../..', import.meta.url)));

export class CliError extends Error {
  override readonly name = 'CliError';
}

/** Lint builds every guard (so RE2 compiles every pattern) over this; nothing is ever scored. */
const lintOnlyClassifier: Classifier = {
  version: 'lint-only (not loaded)',
  heads: [],
  classify: async () => {
    throw new Error('lint does not score text');
  },
};

function sourceFor(dir: string) {
  const root = resolve(dir);
  if (!existsSync(root)) throw new CliError(`${dir}: no such directory`);
  const shipped = existsSync(join(root, 'profiles')) ? undefined : join(REPO_ROOT, 'policies', 'profiles');
  return fileSystemPolicySource(root, { shippedProfilesDir: shipped });
}

/** Throws PolicyLoadError listing every problem. */
export async function loadForLint(dir: string): Promise<PolicySnapshot<Guard>> {
  const engine = createRe2Engine();
  const buildGuard = createGuardFactory({ classifier: lintOnlyClassifier, buildDetectors: (options) => buildDetectors(options, engine) });
  return loadPolicySnapshot(await sourceFor(dir).read(), process.env, { buildGuard, checkSecrets: false });
}

export interface LoadedPolicies {
  readonly snapshot: PolicySnapshot<Guard>;
  readonly classifier: Classifier;
}

export async function loadWithClassifier(dir: string, modelPath?: string): Promise<LoadedPolicies> {
  const classifier = await loadClassifier(modelPath ?? process.env['CLASSIFIER_MODEL'] ?? join(REPO_ROOT, DEFAULT_CLASSIFIER_MODEL));
  try {
    return { snapshot: await loadSnapshotWith(dir, classifier), classifier };
  } catch (error) {
    await classifier.close?.();
    throw error;
  }
}

/** A policy directory's guards over a classifier already loaded (a second snapshot, e.g. `--baseline REV`). */
export async function loadSnapshotWith(dir: string, classifier: Classifier): Promise<PolicySnapshot<Guard>> {
  const engine = createRe2Engine();
  const buildGuard = createGuardFactory({ classifier, cache: createClassifierCache(), buildDetectors: (options) => buildDetectors(options, engine) });
  return loadPolicySnapshot(await sourceFor(dir).read(), process.env, { buildGuard, checkSecrets: false });
}

/** `--tenant`, else the only tenant, else `default`. */
export function pickTenant(snapshot: PolicySnapshot<Guard>, name: string | undefined): GuardedTenant {
  const chosen = name ?? (snapshot.tenants.size === 1 ? [...snapshot.tenants.keys()][0]! : 'default');
  const tenant = snapshot.tenants.get(chosen);
  if (!tenant) throw new CliError(`no tenant "${chosen}" (tenants: ${[...snapshot.tenants.keys()].join(', ')}); pass --tenant`);
  return tenant;
}

/** `--profile`, else the tenant's default deployment's input profile. */
export function pickGuard(tenant: GuardedTenant, profile: string | undefined, direction: 'input' | 'output' = 'input'): Guard {
  const name = profile ?? (direction === 'input' ? tenant.defaultDeployment.guardrails.inputProfile : tenant.defaultDeployment.guardrails.outputProfile);
  const guard = tenant.guards.get(name);
  if (!guard) throw new CliError(`tenant ${tenant.name} has no profile "${name}" (profiles: ${[...tenant.guards.keys()].join(', ')})`);
  return guard;
}
