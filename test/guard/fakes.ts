// Test doubles for the cascade: small pre-filters that honour DetectorSuiteOptions the way the real
// suite does (only configured types run), and a scripted classifier that records its calls.

import type { ClassifierHead } from '../../src/categories.ts';
import type { Classifier, ClassifierScores } from '../../src/classifier/types.ts';
import type { DetectorSuiteOptions } from '../../src/policy/profiles/detector-options.ts';
import { SEXUAL_MINORS_RULES } from '../../src/guard/detectors/minors.ts';
import { loadShippedProfiles } from '../../src/policy/profiles/resolve.ts';
import type { ProfileRegistry } from '../../src/policy/profiles/types.ts';
import { shippedProfileFiles } from '../helpers/policy-files.ts';
import type { Finding, TextDetector } from '../../src/guard/types.ts';

function matches(text: string, pattern: RegExp): Array<{ start: number; end: number }> {
  return [...text.matchAll(new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`))].map((m) => ({
    start: m.index!,
    end: m.index! + m[0].length,
  }));
}

export interface FakeDetectorOptions {
  /** Detector names whose detect() throws. */
  throwing?: string[];
}

export function fakeBuildDetectors(fake: FakeDetectorOptions = {}) {
  const built: DetectorSuiteOptions[] = [];
  const build = (options: DetectorSuiteOptions): TextDetector[] => {
    built.push(options);
    const detectors: TextDetector[] = [];
    const maybeThrow = (name: string) => {
      if (fake.throwing?.includes(name)) throw new Error(`${name} exploded`);
    };
    if (options.pii) {
      const types = options.pii.types;
      detectors.push({
        name: 'pii',
        detect(text) {
          maybeThrow('pii');
          const found: Finding[] = [];
          if (types.includes('email')) for (const span of matches(text, /[\p{L}\p{N}._-]+@[\p{L}\p{N}-]+(\.[\p{L}\p{N}-]+)+/u)) found.push({ detector: 'pii', ruleId: 'pii.email', category: 'pii/email', score: 1, span });
          if (types.includes('phone')) for (const span of matches(text, /\+\d[\d -]{7,}\d/)) found.push({ detector: 'pii', ruleId: 'pii.phone', category: 'pii/phone', score: 1, span });
          return found;
        },
      });
    }
    if (options.secrets) {
      detectors.push({
        name: 'secrets',
        detect(text) {
          maybeThrow('secrets');
          return matches(text, /sk-[A-Za-z0-9]{20,}/).map((span) => ({ detector: 'secrets', ruleId: 'secret.openai_key', category: 'secret/openai_key', score: 1, span }));
        },
      });
    }
    if (options.injection?.enabled) {
      detectors.push({
        name: 'injection_attack',
        detect(text) {
          maybeThrow('injection_attack');
          return matches(text, /ignore (all )?previous instructions/i).map((span) => ({ detector: 'injection_attack', ruleId: 'injection.ignore_previous', category: 'prompt_injection', score: 0.95, span }));
        },
      });
    }
    // Like the real suite: the built-in sexual/minors rules run unless switched off (raw text, no folding).
    const rules = [...(options.minors?.enabled === false ? [] : SEXUAL_MINORS_RULES), ...(options.regexRules ?? [])];
    // Compiled once here, like the real suite at policy load (compiling per text would eat the budget).
    const compiled = rules.map((rule) => ({ rule, pattern: new RegExp(rule.pattern, 'giu') }));
    compiled.forEach(({ pattern }) => pattern.test('warm up'));
    detectors.push({
      name: 'regex',
      detect(text) {
        maybeThrow('regex');
        return compiled.flatMap(({ rule, pattern }) =>
          [...text.matchAll(pattern)].map((m) => ({ detector: 'regex' as const, ruleId: rule.id, category: rule.category, score: 1, span: { start: m.index, end: m.index + m[0].length } })),
        );
      },
    });
    return detectors;
  };
  return { build, built };
}

/** A classifier whose scores come from a function of the text; records every batch it receives. */
export function fakeClassifier(score: (text: string) => Partial<Record<ClassifierHead, number>>, behaviour: { fail?: 'throw' | 'hang'; version?: string; delayMs?: number } = {}) {
  const calls: string[][] = [];
  const classifier: Classifier = {
    version: behaviour.version ?? 'fake-1',
    heads: [],
    async classify(texts) {
      calls.push([...texts]);
      if (behaviour.fail === 'throw') throw new Error('model crashed');
      if (behaviour.fail === 'hang') return new Promise<ClassifierScores[]>(() => {});
      if (behaviour.delayMs) await new Promise((resolve) => setTimeout(resolve, behaviour.delayMs));
      return texts.map((text) => ({ scores: score(text) }));
    },
  };
  return { classifier, calls };
}

/** Scores keyed by marker words in the text, e.g. "[harassment=0.8]". */
export function scoresFromMarkers(text: string): Partial<Record<ClassifierHead, number>> {
  const scores: Partial<Record<ClassifierHead, number>> = {};
  for (const m of text.matchAll(/\[([a-z/_-]+)=([0-9.]+)\]/g)) scores[m[1] as ClassifierHead] = Number(m[2]);
  return scores;
}

export function shippedProfiles(): ProfileRegistry {
  return loadShippedProfiles(shippedProfileFiles());
}
