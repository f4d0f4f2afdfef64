// The one error a policy load fails with: every problem found in the files, each naming its file,
// line, column and field, so whoever edits a policy can find the mistake.

export interface PolicyProblem {
  file: string;
  line: number | null;
  column: number | null;
  /** Field path like `deployments[0].upstream.timeout_ms`; empty for the whole file. */
  field: string;
  message: string;
}

export function formatProblem(problem: PolicyProblem): string {
  const where = problem.line === null ? problem.file : `${problem.file}:${problem.line}:${problem.column ?? 1}`;
  return problem.field ? `${where}: ${problem.field}: ${problem.message}` : `${where}: ${problem.message}`;
}

export class PolicyLoadError extends Error {
  readonly problems: readonly PolicyProblem[];
  /** The first problem's location, for callers that report one. */
  readonly file: string;
  readonly line: number | null;
  readonly column: number | null;
  readonly field: string;

  constructor(problems: readonly PolicyProblem[], options?: { cause?: unknown }) {
    super(`Invalid policy files:\n${problems.map(formatProblem).join('\n')}`, options);
    this.name = 'PolicyLoadError';
    this.problems = problems;
    const first = problems[0];
    this.file = first?.file ?? '';
    this.line = first?.line ?? null;
    this.column = first?.column ?? null;
    this.field = first?.field ?? '';
  }
}

/** Runs `load`; a PolicyLoadError it throws adds its problems to `problems`, and null is returned. */
export function collectProblems<T>(problems: PolicyProblem[], load: () => T): T | null {
  try {
    return load();
  } catch (error) {
    if (!(error instanceof PolicyLoadError)) throw error;
    problems.push(...error.problems);
    return null;
  }
}

/**
 * Thrown by a guard factory for a profile it cannot build (e.g. a tenant pattern RE2 rejects); the
 * loader reports it as a problem of the profile's file at `field`.
 */
export class ProfileBuildError extends Error {
  readonly field: string;

  constructor(field: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProfileBuildError';
    this.field = field;
  }
}
