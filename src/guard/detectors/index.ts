// The pre-filter suite: `buildDetectors` turns a policy's DetectorSuiteOptions into ready-built
// detectors once, at policy load (every pattern compiled then); `runDetectors` runs them on a text.

import type { RegexEngine } from '../regex/engine.ts';
import type { DetectionContext, Finding, TextDetector } from '../types.ts';
import type { DetectorSuiteOptions, RegexRuleOptions } from '../../policy/profiles/detector-options.ts';
import { createCopyrightDetector } from './copyright.ts';
import { createInjectionDetector } from './injection.ts';
import { createHarmPhraseDetector } from './harm-phrases.ts';
import { createKeywordDetector } from './keywords.ts';
import { createMatchingViews, phraseViewOf, wordViewOf } from './matching-view.ts';
import { SEXUAL_MINORS_RULES } from './minors.ts';
import { createPiiDetector } from './pii.ts';
import { createRegexDetector } from './regex.ts';
import { createSanityDetector } from './sanity.ts';
import { createSecretsDetector } from './secrets.ts';
import { createSpongeDetector } from './sponge.ts';
import { createSystemPromptDetector } from './system-prompt.ts';

/**
 * Build the detectors `options` enables, in cascade order (cheap sanity first). The built-in
 * sexual/minors rules are on unless `minors.enabled` is false. Throws DetectorRuleError (naming the
 * rule) when a tenant pattern is rejected by the engine: a policy load error.
 */
export function buildDetectors(options: DetectorSuiteOptions, engine: RegexEngine): TextDetector[] {
  // One folding shared by every detector of the suite: computed once per text (src/text/fold.ts).
  const views = createMatchingViews();
  const view = wordViewOf(views);
  const detectors: TextDetector[] = [];
  if (options.sanity) detectors.push(createSanityDetector(options.sanity));
  if (options.sponge) detectors.push(createSpongeDetector(options.sponge, engine, phraseViewOf(views)));

  const regexRules: RegexRuleOptions[] = [
    ...(options.minors?.enabled === false ? [] : SEXUAL_MINORS_RULES),
    ...(options.regexRules ?? []),
  ];
  if (regexRules.length > 0) detectors.push(createRegexDetector(regexRules, engine, views));
  if (options.keywordLists && options.keywordLists.some((l) => l.keywords.length > 0)) {
    detectors.push(createKeywordDetector(options.keywordLists, engine, view));
  }
  if (options.injection?.enabled) detectors.push(createInjectionDetector(options.injection, engine, views));
  if (options.harmPhrases?.enabled) detectors.push(createHarmPhraseDetector(engine, views));
  if (options.pii && options.pii.types.length > 0) detectors.push(createPiiDetector(options.pii, engine, views));
  if (options.secrets && options.secrets.types.length > 0) detectors.push(createSecretsDetector(options.secrets, engine, views));
  if (options.systemPrompt) detectors.push(createSystemPromptDetector(options.systemPrompt));
  if (options.copyright) detectors.push(createCopyrightDetector(options.copyright));
  return detectors;
}

/** Run every detector on `text`; findings in detector order, each detector's sorted by position. */
export function runDetectors(detectors: readonly TextDetector[], text: string, context?: DetectionContext): Finding[] {
  const findings: Finding[] = [];
  for (const detector of detectors) findings.push(...detector.detect(text, context));
  return findings;
}
