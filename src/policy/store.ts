// A PolicyStore over any PolicySource: loads once up front, swaps the whole snapshot on reload.
// A failed reload keeps serving the previous snapshot and rethrows, so a bad edit never takes
// the proxy down; concurrent reloads share one load.

import type { EnvMap } from './interpolate.ts';
import { loadPolicySnapshot, type LoadPolicyOptions } from './load.ts';
import type { PolicySnapshot, PolicySource, PolicyStore } from './types.ts';

/** `options.buildGuard` builds every profile's guard at each load, so a reload rebuilds them. */
export async function createPolicyStore(source: PolicySource, env: EnvMap, options: LoadPolicyOptions = {}): Promise<PolicyStore> {
  let snapshot = await loadPolicySnapshot(await source.read(), env, options);
  let pending: Promise<PolicySnapshot> | null = null;
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
export function staticPolicySource(files: readonly { path: string; content: string }[]): PolicySource {
  return { read: async () => files.map((file) => ({ ...file })) };
}
