// The readiness seam: named checks (policies, classifier, Redis, ...) that each say ok, degraded
// or failing with a reason; GET /readyz reports them all and answers 503 when any is failing.
// Runtime-free; whoever owns a dependency registers its check where it is wired.

export type CheckStatus = 'ok' | 'degraded' | 'failing';

export interface CheckResult {
  readonly status: CheckStatus;
  /** Why it is not ok (or a short note when it is); never a secret or tenant content. */
  readonly reason?: string;
  /** Extra figures or problems for the operator (e.g. the file, line and field of a bad policy). */
  readonly details?: unknown;
}

export type ReadinessCheck = () => CheckResult | Promise<CheckResult>;

export interface ReadinessReport {
  /** failing if any check fails, else degraded if any is degraded, else ok. */
  readonly status: CheckStatus;
  readonly checks: Readonly<Record<string, CheckResult>>;
}

export interface Readiness {
  /** Adds (or replaces) the check called `name`. */
  register(name: string, check: ReadinessCheck): void;
  report(): Promise<ReadinessReport>;
}

/** A check that throws counts as failing with its message. */
export function createReadiness(): Readiness {
  const checks = new Map<string, ReadinessCheck>();
  return {
    register(name, check) {
      checks.set(name, check);
    },
    async report() {
      const results: Record<string, CheckResult> = {};
      let status: CheckStatus = 'ok';
      for (const [name, check] of checks) {
        let result: CheckResult;
        try {
          result = await check();
        } catch (error) {
          result = { status: 'failing', reason: error instanceof Error ? error.message : String(error) };
        }
        results[name] = result;
        if (result.status === 'failing') status = 'failing';
        else if (result.status === 'degraded' && status === 'ok') status = 'degraded';
      }
      return { status, checks: results };
    },
  };
}
