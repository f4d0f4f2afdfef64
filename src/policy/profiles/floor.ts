// The sexual/minors floor: limits no profile, shipped or tenant, may loosen (seed 000: "block if
// sexual/minors ≥ 0.10 OR regex hit for minors; never lower the sexual/minors threshold via profile").
// The hard regex rules that back it are the detector suite's built-in `minors.*` set
// (src/guard/detectors/minors.ts); every resolved direction turns them on (`requireMinorsRules`).

import type { DetectorSuiteOptions } from './detector-options.ts';
import type { ProfileConfig } from './schema.ts';

export const MINORS_CATEGORY = 'sexual/minors';
/** The loosest block threshold any profile may set for sexual/minors. */
export const MINORS_BLOCK_CEILING = 0.1;

export interface FloorViolation {
  /** Field path in the profile document, e.g. ['categories', 'sexual/minors', 'block']. */
  readonly path: ReadonlyArray<string | number>;
  readonly message: string;
}

/** Every way `config` (already merged over its base) loosens the floor. Empty when it holds. */
export function findFloorViolations(config: ProfileConfig): FloorViolation[] {
  const violations: FloorViolation[] = [];
  const bandSites: Array<[ReadonlyArray<string>, ProfileConfig['categories']]> = [
    [['categories'], config.categories],
    [['input', 'categories'], config.input?.categories],
    [['output', 'categories'], config.output?.categories],
  ];
  for (const [prefix, categories] of bandSites) {
    const band = categories?.[MINORS_CATEGORY];
    if (!band) continue;
    if (band.block !== undefined && band.block > MINORS_BLOCK_CEILING) {
      violations.push({
        path: [...prefix, MINORS_CATEGORY, 'block'],
        message: `${band.block} loosens the sexual/minors floor: block must be at most ${MINORS_BLOCK_CEILING}`,
      });
    }
    if (band.mode === 'monitor') {
      violations.push({ path: [...prefix, MINORS_CATEGORY, 'mode'], message: 'sexual/minors can never be set to monitor: it is always enforced' });
    }
  }
  for (const direction of ['input', 'output'] as const) {
    const policy = config[direction];
    if (policy?.classifier?.enabled === false) {
      violations.push({
        path: [direction, 'classifier', 'enabled'],
        message: 'the classifier cannot be disabled: it enforces the sexual/minors floor (block at ≥ 0.10)',
      });
    }
    const regex = policy?.detectors?.regex;
    if (regex?.on_error === 'allow') {
      violations.push({
        path: [direction, 'detectors', 'regex', 'on_error'],
        message: "the regex stage runs the sexual/minors hard rules and cannot fail open: use 'block' or 'fallback'",
      });
    }
    regex?.rules.forEach((rule, i) => {
      if (rule.category === MINORS_CATEGORY && rule.action !== 'block') {
        violations.push({ path: [direction, 'detectors', 'regex', 'rules', i, 'action'], message: 'a sexual/minors rule must block' });
      }
    });
    policy?.detectors?.keywords?.lists.forEach((list, i) => {
      if (list.category === MINORS_CATEGORY && list.action !== 'block') {
        violations.push({ path: [direction, 'detectors', 'keywords', 'lists', i, 'action'], message: 'a sexual/minors keyword list must block' });
      }
    });
  }
  return violations;
}

/**
 * The detector options every direction runs with: the built-in sexual/minors rules switched on
 * explicitly (never left to a default), so a profile can never resolve without them.
 */
export function requireMinorsRules(options: DetectorSuiteOptions): DetectorSuiteOptions {
  return { ...options, minors: { enabled: true } };
}
