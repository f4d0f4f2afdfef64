// The GuardFactory the policy loader calls for every profile: the cascade over the injected
// classifier, one shared classifier cache and a detector builder over the runtime's RegexEngine.
// Built detector sets are reused by content across profiles and reloads, since compiling the
// pre-filters is the expensive part of a load and identical options build identical detectors.

import type { Classifier } from '../classifier/types.ts';
import type { DetectorSuiteOptions } from '../policy/profiles/detector-options.ts';
import type { ResolvedProfile } from '../policy/profiles/types.ts';
import type { GuardFactory } from '../policy/types.ts';
import type { Metrics } from '../ops/metrics.ts';
import type { ClassifierCache } from './cache.ts';
import { createGuard } from './cascade.ts';
import type { Guard, Judge, TextDetector } from './types.ts';

export interface GuardFactoryDeps {
  readonly classifier: Classifier;
  readonly cache?: ClassifierCache;
  /** One judge for every profile (tests); else `judges` builds one per profile. */
  readonly judge?: Judge;
  /** Builds a profile's judge at load from its `judge` policy (src/judge/ on a server); undefined: none. */
  readonly judges?: (profile: ResolvedProfile) => Judge | undefined;
  /** e.g. `(options) => buildDetectors(options, createRe2Engine())` on Node. */
  readonly buildDetectors: (options: DetectorSuiteOptions) => TextDetector[];
  /** How many distinct detector sets to keep for reuse; the oldest go first. Default 64. */
  readonly maxDetectorSets?: number;
  /** Passed to every guard (and through it to its stages); no-op when absent. */
  readonly metrics?: Metrics;
}

export function createGuardFactory(deps: GuardFactoryDeps): GuardFactory<Guard> {
  const built = new Map<string, TextDetector[]>();
  const limit = deps.maxDetectorSets ?? 64;
  const buildDetectors = (options: DetectorSuiteOptions): TextDetector[] => {
    const key = JSON.stringify(options);
    const existing = built.get(key);
    if (existing) {
      built.delete(key);
      built.set(key, existing);
      return existing;
    }
    const detectors = deps.buildDetectors(options);
    built.set(key, detectors);
    if (built.size > limit) built.delete(built.keys().next().value!);
    return detectors;
  };
  return (profile, policyVersion) =>
    createGuard({ profile, policyVersion, classifier: deps.classifier, cache: deps.cache, judge: deps.judge ?? (profile.judge.enabled ? deps.judges?.(profile) : undefined), buildDetectors, metrics: deps.metrics });
}
