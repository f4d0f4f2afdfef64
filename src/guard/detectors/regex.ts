// Regex-rule pre-filter: global and tenant rules, every pattern compiled through the injected
// RegexEngine (RE2 on Node) once at policy load. A pattern the engine rejects fails the load with
// an error naming the rule id.

import { RegexCompileError, type CompiledPattern, type RegexEngine } from '../regex/engine.ts';
import type { Finding, TextDetector } from '../types.ts';
import type { RegexRuleOptions } from '../../policy/profiles/detector-options.ts';
import { DetectorRuleError } from './errors.ts';
import { createMatchingViews, matchOnView, type MatchingViews } from './matching-view.ts';
import { createGateGroups, type PatternGate } from '../regex/pattern-gate.ts';

interface CompiledRule {
  readonly rule: RegexRuleOptions;
  readonly pattern: CompiledPattern;
  readonly normalized: boolean;
  readonly flags: string;
}

/** A rule and the gate (an index into the gates) it sits behind. */
interface GatedRule extends CompiledRule {
  readonly group: number;
}

/** Compile every rule now; throws DetectorRuleError naming the first rule the engine rejects. */
export function compileRegexRules(rules: readonly RegexRuleOptions[], engine: RegexEngine): CompiledRule[] {
  return rules.map((rule) => {
    const normalized = rule.normalized ?? true;
    // The folded view is lower case, so a normalised rule is case-insensitive by construction.
    const flags = normalized && !(rule.flags ?? '').includes('i') ? `${rule.flags ?? ''}i` : (rule.flags ?? '');
    try {
      return { rule, pattern: engine.compile(rule.pattern, flags), normalized, flags };
    } catch (error) {
      const reason = error instanceof RegexCompileError ? error.message : `invalid pattern: ${String(error)}`;
      throw new DetectorRuleError(rule.id, reason, { cause: error });
    }
  });
}

/** Rules matched the same way (view and flags) share gates, in runs of GATE_SIZE; each rule keeps its place. */
function gateRules(compiled: readonly CompiledRule[], engine: RegexEngine): { rules: GatedRule[]; gates: Array<{ normalized: boolean; gate: PatternGate }> } {
  const byWay = new Map<string, CompiledRule[]>();
  for (const rule of compiled) {
    const key = `${rule.normalized ? 'folded' : 'raw'}/${[...rule.flags].sort().join('')}`;
    byWay.set(key, [...(byWay.get(key) ?? []), rule]);
  }
  const gates: Array<{ normalized: boolean; gate: PatternGate }> = [];
  const groupOf = new Map<CompiledRule, number>();
  for (const way of byWay.values()) {
    for (const { members, gate } of createGateGroups(engine, way, (r) => r.rule.pattern, way[0]!.flags)) {
      for (const member of members) groupOf.set(member, gates.length);
      gates.push({ normalized: way[0]!.normalized, gate });
    }
  }
  return { rules: compiled.map((rule) => ({ ...rule, group: groupOf.get(rule)! })), gates };
}

export function createRegexDetector(rules: readonly RegexRuleOptions[], engine: RegexEngine, views: MatchingViews = createMatchingViews()): TextDetector {
  const { rules: gated, gates } = gateRules(compileRegexRules(rules, engine), engine);
  return {
    name: 'regex',
    detect(text: string): Finding[] {
      const findings: Finding[] = [];
      // One scan per group first (per view for folded rules); a group's rules run only after a hit.
      const open = gates.map(({ normalized, gate }) => {
        if (!normalized) return gate.mayMatch(text);
        const { words, data } = views(text);
        return gate.mayMatch(words.text) || gate.mayMatch(data.text);
      });
      for (const { rule, pattern, normalized, group } of gated) {
        if (!open[group]) continue;
        const score = rule.score ?? 1;
        if (normalized) {
          // The word view (leetspeak and spacing undone) and the data view (digits kept as digits, so
          // a tenant's `\d` matches "ticket-١٢٣٤" and "abc123"); a span found in both is reported once.
          const { words, data } = views(text);
          const seen = new Set<string>();
          for (const m of [...matchOnView(pattern, words), ...matchOnView(pattern, data)]) {
            const key = `${m.span.start}:${m.span.end}`;
            if (seen.has(key)) continue;
            seen.add(key);
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
