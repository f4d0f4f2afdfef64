// Who may reload the policies, how often, and what the operator hears about it: every reload
// (file watch, SIGHUP, POST /admin/reload, a tenant's X-Guard-Refresh-Cache) goes through one
// reloader, which logs the outcome (each problem with file, line and field), remembers the last
// failure for /readyz, and lets a tenant's refresh header reload at most once per interval.

import { describeCause, type Logger } from '../logging/logger.ts';
import { PolicyLoadError, type PolicyProblem } from './errors.ts';
import type { PolicySnapshot, PolicyStore } from './types.ts';

export type ReloadReason = 'watch' | 'signal' | 'admin' | 'refresh_header';

export type ReloadOutcome<G> =
  | { readonly status: 'reloaded'; readonly snapshot: PolicySnapshot<G> }
  | { readonly status: 'failed'; readonly snapshot: PolicySnapshot<G>; readonly message: string; readonly problems: readonly PolicyProblem[] }
  /** A refresh header within the interval: nothing was read. */
  | { readonly status: 'throttled'; readonly snapshot: PolicySnapshot<G> };

export interface ReloadFailure {
  readonly at: string;
  readonly reason: ReloadReason;
  readonly message: string;
  readonly problems: readonly PolicyProblem[];
}

export interface PolicyReloader<G> {
  /** A whole reload; never throws: a failure keeps the previous snapshot and is reported. */
  reloadAll(reason: Exclude<ReloadReason, 'refresh_header'>): Promise<ReloadOutcome<G>>;
  /** The refresh header: only `tenant`'s files, at most once per interval per tenant. */
  refreshTenant(tenant: string): Promise<ReloadOutcome<G>>;
  /** The last failed reload since the last successful whole one, or null. */
  lastFailure(): ReloadFailure | null;
}

export interface PolicyReloaderOptions<G> {
  readonly store: PolicyStore<G>;
  readonly logger: Logger;
  /** Least time between two refresh-header reloads of one tenant; default 5 s. */
  readonly refreshIntervalMs?: number;
  /** Milliseconds clock, for the interval. */
  readonly now?: () => number;
}

export const DEFAULT_REFRESH_INTERVAL_MS = 5_000;

export function createPolicyReloader<G>(options: PolicyReloaderOptions<G>): PolicyReloader<G> {
  const { store, logger } = options;
  const interval = options.refreshIntervalMs ?? DEFAULT_REFRESH_INTERVAL_MS;
  const now = options.now ?? (() => Date.now());
  const lastRefresh = new Map<string, number>();
  let failure: ReloadFailure | null = null;

  async function run(reason: ReloadReason, tenant: string | undefined): Promise<ReloadOutcome<G>> {
    const previous = store.current().version;
    try {
      const snapshot = await store.reload(tenant === undefined ? {} : { tenant });
      if (tenant === undefined) failure = null;
      logger.info({ reason, tenant, policyVersion: snapshot.version, changed: snapshot.version !== previous }, 'policies reloaded');
      return { status: 'reloaded', snapshot };
    } catch (cause) {
      const problems = cause instanceof PolicyLoadError ? cause.problems : [];
      const message = cause instanceof PolicyLoadError ? `${problems.length} problem(s) in the policy files` : cause instanceof Error ? cause.message : String(cause);
      failure = { at: new Date().toISOString(), reason, message, problems };
      if (problems.length > 0) {
        for (const problem of problems) {
          logger.error({ reason, tenant, file: problem.file, line: problem.line, column: problem.column, field: problem.field, problem: problem.message }, 'policy reload failed; previous policies stay in force');
        }
      } else {
        logger.error({ reason, tenant, ...describeCause(cause) }, 'policy reload failed; previous policies stay in force');
      }
      return { status: 'failed', snapshot: store.current(), message, problems };
    }
  }

  return {
    reloadAll: (reason) => run(reason, undefined),
    async refreshTenant(tenant) {
      const last = lastRefresh.get(tenant);
      const at = now();
      if (last !== undefined && at - last < interval) return { status: 'throttled', snapshot: store.current() };
      lastRefresh.set(tenant, at);
      return run('refresh_header', tenant);
    },
    lastFailure: () => failure,
  };
}
