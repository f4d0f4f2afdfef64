// Shared vocabulary of the guard cascade: what a pre-filter detector reports, and the seam the
// proxy calls before and after the upstream request.

import type { Span } from '../text/normalize.ts';

/** Detector families, named as in Enkrypt's GuardrailsDetectionResponse details (seed 004). */
export type DetectorName =
  | 'input_sanity'
  | 'pii'
  | 'secrets'
  | 'keyword_detector'
  | 'regex'
  | 'injection_attack'
  | 'sponge_attack'
  | 'toxicity'
  | 'nsfw'
  | 'policy_violation'
  | 'judge';

/** One thing a detector found. Deterministic detectors report score 1. */
export interface Finding {
  readonly detector: DetectorName;
  /** Stable id of the rule that fired, e.g. `pii.email`, `secret.aws_access_key`, `injection.ignore_previous`. */
  readonly ruleId: string;
  /** What was found: a moderation category (`sexual/minors`), `pii/email`, `secret/github_token`, `injection`... */
  readonly category: string;
  readonly score: number;
  /** Offsets into the original text (UTF-16 code units, as JavaScript strings index). */
  readonly span?: Span;
}

/** A pre-filter, built once by a factory when the policy loads, then run per text. */
export interface TextDetector {
  readonly name: DetectorName;
  detect(text: string): Finding[];
}
