// Keyword pre-filter: tenant and global word/phrase lists, matched as whole words on the folded
// view (homoglyphs, zero-width, leetspeak, spaced letters) with spans mapped back to the original.
// All lists compile into one RE2 alternation at policy load.

import { foldForWords } from '../../text/fold.ts';
import { RegexCompileError, type RegexEngine } from '../regex/engine.ts';
import type { Finding, TextDetector } from '../types.ts';
import type { KeywordListOptions } from '../../policy/profiles/detector-options.ts';
import { DetectorRuleError } from './errors.ts';
import { createMatchingView, escapeRegexLiteral, isAsciiWordChar, matchOnView, type MatchingView } from './matching-view.ts';

/** Fold a keyword exactly as the text will be folded, so "K1LL" in a list matches "kill" and "k i l l". */
export function foldKeyword(keyword: string): string {
  return foldForWords(keyword).text.trim().replace(/\s+/g, ' ');
}

const withoutSpaces = (s: string) => s.replace(/\s+/g, '');

/**
 * One alternative: the escaped keyword, `\b` at each edge that is an ASCII word character. Words of
 * a phrase may be glued ("pipebomb") because spaced-letter collapsing glues "p i p e b o m b" too.
 */
function keywordPattern(folded: string): string {
  const body = folded.split(' ').map(escapeRegexLiteral).join('\\s*');
  const head = isAsciiWordChar(folded[0]) ? '\\b' : '';
  const tail = isAsciiWordChar(folded[folded.length - 1]) ? '\\b' : '';
  return `${head}${body}${tail}`;
}

export function createKeywordDetector(lists: readonly KeywordListOptions[], engine: RegexEngine, view: MatchingView = createMatchingView()): TextDetector {
  // Keyed by the folded keyword without spaces, which is also how a match is looked up.
  const owners = new Map<string, KeywordListOptions[]>();
  const alternatives = new Map<string, string>();
  for (const list of lists) {
    for (const keyword of list.keywords) {
      const folded = foldKeyword(keyword);
      if (folded.length === 0) continue;
      const key = withoutSpaces(folded);
      const existing = owners.get(key) ?? [];
      if (!existing.includes(list)) existing.push(list);
      owners.set(key, existing);
      alternatives.set(key, keywordPattern(folded));
    }
  }
  // Longest first: RE2 alternation is leftmost-first, so "kill switch" wins over "kill".
  const keywords = [...alternatives.keys()].sort((a, b) => b.length - a.length);
  let pattern: ReturnType<RegexEngine['compile']> | undefined;
  if (keywords.length > 0) {
    try {
      pattern = engine.compile(`(?:${keywords.map((k) => alternatives.get(k)!).join('|')})`);
    } catch (error) {
      const ids = lists.map((l) => l.id).join(', ');
      const reason = error instanceof RegexCompileError ? error.message.slice(0, 200) : String(error);
      throw new DetectorRuleError(`keywords:${ids}`, `keyword list could not be compiled: ${reason}`, { cause: error });
    }
  }

  return {
    name: 'keyword_detector',
    detect(text: string): Finding[] {
      if (pattern === undefined) return [];
      const findings: Finding[] = [];
      for (const m of matchOnView(pattern, view(text))) {
        const matchedLists = owners.get(withoutSpaces(m.folded)) ?? [];
        for (const list of matchedLists) {
          findings.push({ detector: 'keyword_detector', ruleId: `keyword.${list.id}`, category: list.category, score: 1, span: m.span });
        }
      }
      return findings;
    },
  };
}
