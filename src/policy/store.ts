// A PolicyStore over any PolicySource: loads once up front, swaps the whole snapshot on reload.
// A failed reload keeps serving the previous snapshot and rethrows, so a bad edit never takes
// the proxy down. Reloads run one at a time (a later one never swaps in older files); the same
// reload asked for while one is waiting shares it. A tenant reload takes only that tenant's files
// from the source and keeps every other file as last loaded.

import type { EnvMap } from './interpolate.ts';
import { loadPolicySnapshot, type LoadPolicyOptions } from './load.ts';
import type { PolicyFile, PolicySnapshot, PolicySource, PolicyStore, ReloadOptions } from './types.ts';

/** The files that belong to `tenant`: its tenant file and everything under `tenants/<tenant>/`. */
export function isTenantFile(path: string, tenant: string): boolean {
  return path === `tenants/${tenant}.yaml` || path === `tenants/${tenant}.yml` || path.startsWith(`tenants/${tenant}/`);
}

/** `options.buildGuard` builds every profile's guard at each load, so a reload rebuilds them. */
export async function createPolicyStore<G = never>(source: PolicySource, env: EnvMap, options: LoadPolicyOptions<G> = {}): Promise<PolicyStore<G>> {
  let files = await source.read();
  let snapshot = await loadPolicySnapshot(files, env, options);
  let queue: Promise<unknown> = Promise.resolve();
  const waiting = new Map<string, Promise<PolicySnapshot<G>>>();

  async function load(tenant: string | undefined): Promise<PolicySnapshot<G>> {
    const read = await source.read();
    const next = tenant === undefined ? read : [...files.filter((file) => !isTenantFile(file.path, tenant)), ...read.filter((file) => isTenantFile(file.path, tenant))];
    const loaded = await loadPolicySnapshot(next, env, options);
    files = next;
    snapshot = loaded;
    return loaded;
  }

  return {
    current: () => snapshot,
    reload(reloadOptions: ReloadOptions = {}) {
      const key = reloadOptions.tenant === undefined ? '*' : `tenant:${reloadOptions.tenant}`;
      const already = waiting.get(key);
      if (already) return already;
      const run = queue.then(() => {
        waiting.delete(key);
        return load(reloadOptions.tenant);
      });
      waiting.set(key, run);
      queue = run.catch(() => {});
      return run;
    },
  };
}

/** A fixed in-memory source, for tests and for bundled policies. */
export function staticPolicySource(files: readonly PolicyFile[]): PolicySource {
  return { read: async () => files.map((file) => ({ ...file })) };
}
