// The sexual/minors floor: limits no profile, shipped or tenant, may loosen (seed 000: "block if
// sexual/minors ≥ 0.10 OR regex hit for minors; never lower the sexual/minors threshold via profile").
// Also the hard regex rules that back it, injected into both directions of every profile.

import type { RegexRuleOptions } from '../detectors/config.ts';
import type { ProfileConfig } from './schema.ts';

export const MINORS_CATEGORY = 'sexual/minors';
/** The loosest block threshold any profile may set for sexual/minors. */
export const MINORS_BLOCK_CEILING = 0.1;

const MINOR_TERMS = String.raw`(child|children|kid|kids|minor|minors|underage|under-age|preteen|pre-teen|toddler|schoolgirl|schoolboy)`;
/** Numeric ages are matched on the raw text: leetspeak folding turns "14" into "ia". */
const MINOR_AGE = String.raw`\b(1[0-7]|[1-9]) ?(yo|y/o|years? old|year-old)\b`;
const EXPLICIT_TERMS = String.raw`(porn\w*|nudes|nude (pics?|photos?|images?|videos?)|sexting|erotic\w*|lewd|xxx|sexual(ly)? explicit)`;

/**
 * Deliberately narrow co-occurrence rules (a minor term and an explicit-content term within a
 * short window, on the folded text): a hit is always a block, so they must not fire on sex
 * education or child-safety questions. The classifier's 0.10 threshold carries everything else.
 */
export const MINORS_HARD_RULES: readonly RegexRuleOptions[] = [
  {
    id: 'minors.minor_then_explicit',
    category: MINORS_CATEGORY,
    pattern: String.raw`\b${MINOR_TERMS}\b.{0,40}\b${EXPLICIT_TERMS}`,
    normalized: true,
  },
  {
    id: 'minors.explicit_then_minor',
    category: MINORS_CATEGORY,
    pattern: String.raw`\b${EXPLICIT_TERMS}\b.{0,40}\b${MINOR_TERMS}\b`,
    normalized: true,
  },
  {
    id: 'minors.age_with_explicit',
    category: MINORS_CATEGORY,
    pattern: String.raw`${MINOR_AGE}.{0,40}\b${EXPLICIT_TERMS}|\b${EXPLICIT_TERMS}\b.{0,40}${MINOR_AGE}`,
    flags: 'i',
    normalized: false,
  },
];

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
