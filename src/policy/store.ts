// A PolicyStore over any PolicySource: loads once up front, swaps the whole snapshot on reload.
// A failed reload keeps serving the previous snapshot and rethrows, so a bad edit never takes
// the proxy down; concurrent reloads share one load.

import type { EnvMap } from './interpolate.ts';
import { loadPolicySnapshot, type LoadPolicyOptions } from './load.ts';
import type { PolicyFile, PolicySnapshot, PolicySource, PolicyStore } from './types.ts';

/** `options.buildGuard` builds every profile's guard at each load, so a reload rebuilds them. */
export async function createPolicyStore<G = never>(source: PolicySource, env: EnvMap, options: LoadPolicyOptions<G> = {}): Promise<PolicyStore<G>> {
  let snapshot = await loadPolicySnapshot(await source.read(), env, options);
  let pending: Promise<PolicySnapshot<G>> | null = null;
  return {
    current: () => snapshot,
    reload() {
      pending ??= (async () => {
        try {
          snapshot = await loadPolicySnapshot(await source.read(), env, options);
          return snapshot;
        } finally {
          pending = null;
        }
      })();
      return pending;
    },
  };
}

/** A fixed in-memory source, for tests and for bundled policies. */
export function staticPolicySource(files: readonly PolicyFile[]): PolicySource {
  return { read: async () => files.map((file) => ({ ...file })) };
}
