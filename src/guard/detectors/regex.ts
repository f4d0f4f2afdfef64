// Regex-rule pre-filter: global and tenant rules, every pattern compiled through the injected
// RegexEngine (RE2 on Node) once at policy load. A pattern the engine rejects fails the load with
// an error naming the rule id.

import { RegexCompileError, type CompiledPattern, type RegexEngine } from '../regex/engine.ts';
import type { Finding, TextDetector } from '../types.ts';
import type { RegexRuleOptions } from '../../policy/profiles/detector-options.ts';
import { DetectorRuleError } from './errors.ts';
import { createMatchingView, matchOnView, type MatchingView } from './matching-view.ts';

interface CompiledRule {
  readonly rule: RegexRuleOptions;
  readonly pattern: CompiledPattern;
  readonly normalized: boolean;
}

/** Compile every rule now; throws DetectorRuleError naming the first rule the engine rejects. */
export function compileRegexRules(rules: readonly RegexRuleOptions[], engine: RegexEngine): CompiledRule[] {
  return rules.map((rule) => {
    const normalized = rule.normalized ?? true;
    // The folded view is lower case, so a normalised rule is case-insensitive by construction.
    const flags = normalized && !(rule.flags ?? '').includes('i') ? `${rule.flags ?? ''}i` : (rule.flags ?? '');
    try {
      return { rule, pattern: engine.compile(rule.pattern, flags), normalized };
    } catch (error) {
      const reason = error instanceof RegexCompileError ? error.message : `invalid pattern: ${String(error)}`;
      throw new DetectorRuleError(rule.id, reason, { cause: error });
    }
  });
}

export function createRegexDetector(rules: readonly RegexRuleOptions[], engine: RegexEngine, view: MatchingView = createMatchingView()): TextDetector {
  const compiled = compileRegexRules(rules, engine);
  return {
    name: 'regex',
    detect(text: string): Finding[] {
      const findings: Finding[] = [];
      for (const { rule, pattern, normalized } of compiled) {
        const score = rule.score ?? 1;
        if (normalized) {
          for (const m of matchOnView(pattern, view(text))) {
            findings.push({ detector: 'regex', ruleId: rule.id, category: rule.category, score, span: m.span });
          }
        } else {
          for (const m of pattern.matchAll(text)) {
            findings.push({ detector: 'regex', ruleId: rule.id, category: rule.category, score, span: { start: m.start, end: m.end } });
          }
        }
      }
      return findings;
    },
  };
}
