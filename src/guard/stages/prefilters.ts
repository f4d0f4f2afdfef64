// The pre-filter stage of one direction: its detectors (synchronous, compiled at load), each with
// the stage policy (budget, on_error, mode) that governs it resolved once when the guard is built.

import type { PrefilterStage, ResolvedDirection, StagePolicy } from '../../policy/profiles/types.ts';
import { detectionForFinding } from '../decision.ts';
import { failureOutcome } from '../timeout.ts';
import type { DetectionContext, DetectorName, TextDetector } from '../types.ts';
import type { TextState } from './state.ts';

/** The profile stage whose settings govern each detector's findings. */
const STAGE_OF_DETECTOR: Readonly<Partial<Record<DetectorName, PrefilterStage>>> = {
  input_sanity: 'input_sanity',
  pii: 'pii',
  secrets: 'secrets',
  injection_attack: 'injection_attack',
  sponge_attack: 'sponge_attack',
  keyword_detector: 'keyword_detector',
  regex: 'regex',
  system_prompt: 'system_prompt',
  copyright_ip: 'copyright_ip',
  harm_phrases: 'harm_phrases',
};

/** What a `sensitive_data` text is checked by. */
const SENSITIVE_DATA_DETECTORS: ReadonlySet<DetectorName> = new Set(['pii', 'secrets']);

/** Budget of a detector whose stage the profile leaves unset. */
const DEFAULT_BUDGET: StagePolicy = { timeoutMs: 50, onError: 'block', mode: 'enforce' };

export interface PrefilterStageDeps {
  readonly direction: ResolvedDirection;
  readonly detectors: readonly TextDetector[];
  /** Monotonic clock in ms, for the budgets. */
  readonly now: () => number;
}

export interface PrefilterStageRunner {
  run(state: TextState, context?: DetectionContext): void;
}

export function createPrefilterStage(deps: PrefilterStageDeps): PrefilterStageRunner {
  const { direction, now } = deps;
  const runners = deps.detectors.map((detector) => {
    const stageName = STAGE_OF_DETECTOR[detector.name];
    const policy = stageName ? direction.stages[stageName] : undefined;
    return { detector, policy, budget: policy ?? DEFAULT_BUDGET };
  });
  const lengthChecks = runners.filter((runner) => runner.detector.lengthCheck !== undefined);
  return {
    run(state, context) {
      // Cheap checks first: a text over an enforced length cap is refused before any detector
      // reads a character of it (a 4 MB text would otherwise be normalised and scanned in full).
      const capped = lengthChecks.flatMap(({ detector, policy }) =>
        detector.lengthCheck!(state.text).flatMap((finding) => detectionForFinding(direction, finding, policy) ?? []),
      );
      if (capped.some((detection) => detection.enforced && detection.action === 'block')) {
        state.detections.push(...capped);
        return;
      }
      for (const { detector, policy, budget } of runners) {
        if (state.scope === 'sensitive_data' && !SENSITIVE_DATA_DETECTORS.has(detector.name)) continue;
        const started = now();
        try {
          for (const finding of detector.detect(state.text, context)) {
            const detection = detectionForFinding(direction, finding, policy);
            if (detection) state.detections.push(detection);
          }
        } catch {
          state.degraded.push({ stage: detector.name, reason: 'error', onError: budget.onError, outcome: failureOutcome(budget.onError) });
          continue;
        }
        // Pre-filters are synchronous and cannot be interrupted; one that ran past its budget still
        // produced complete results, so they are used and the overrun is reported.
        if (now() - started > budget.timeoutMs) {
          state.degraded.push({ stage: detector.name, reason: 'over_budget', onError: budget.onError, outcome: 'completed' });
        }
      }
    },
  };
}
