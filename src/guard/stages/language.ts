// The language pre-filter of one profile: identifies the language of every judged text with
// letters in it (src/text/language.ts) when the profile acts on it or the caller reports it and,
// when the profile says so, acts on a text reliably identified as a language the classifier was
// not trained for (its scores there mean little).

import type { ResolvedProfile } from '../../policy/profiles/types.ts';
import { identifyLanguage } from '../../text/language.ts';
import type { Detection } from '../types.ts';
import type { TextState } from './state.ts';

export const UNSUPPORTED_LANGUAGE_RULE = 'language.unsupported';
/** The same finding under `unsupported_action: judge`: a soft_block the LLM judge may settle. */
export const JUDGED_LANGUAGE_RULE = 'language.unsupported.judge';

export interface LanguageStageRunner {
  /** `report`: the caller shows the language, so identify it even when the profile would not act on it. */
  run(state: TextState, report: boolean): void;
}

export function createLanguageStage(policy: ResolvedProfile['languages']): LanguageStageRunner {
  const supported = new Set(policy.classifier);
  const action = policy.unsupportedAction;
  return {
    run(state, report) {
      // allow and not reported: nothing reads the language, so it is not identified.
      if ((action === 'allow' && !report) || state.scope !== 'full' || !/\p{L}/u.test(state.text)) return;
      const guess = identifyLanguage(state.text);
      state.language = guess;
      // allow: the language is reported on the verdict, nothing more.
      if (action === 'allow' || guess === null || !guess.reliable || guess.code === null || supported.has(guess.code)) return;
      const detection: Detection = {
        detector: 'language',
        ruleId: action === 'judge' ? JUDGED_LANGUAGE_RULE : UNSUPPORTED_LANGUAGE_RULE,
        category: `language/${guess.code}`,
        score: 1,
        span: null,
        action: action === 'block' ? 'block' : 'soft_block',
        enforced: true,
      };
      state.detections.push(detection);
    },
  };
}
