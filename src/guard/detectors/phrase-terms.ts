// Building blocks for built-in phrase rules in many languages, on the phrase view (src/text/fold.ts):
// word lists folded at load exactly as texts are (diacritics, look-alike letters, voicing marks), so
// a rule written "töten" or "покончить" matches however the text spells it. Stems ending in `*` take
// any word ending; `\b` only guards words that start or end with an ASCII letter (RE2's \b is
// ASCII-only). Used by the injection rules beyond English and by the harm phrases.

import { foldForPhrases } from '../../text/fold.ts';
import { escapeRegexLiteral, isAsciiWordChar, PHRASE_LETTER, PHRASE_SEPARATOR, PHRASE_WORD_CHAR } from './matching-view.ts';

/** Separator between words. Unbounded: RE2 expands counted repeats. */
export const S = `${PHRASE_SEPARATOR}+`;
/** Up to `n` filler words. */
export const filler = (n: number) => `(?:${PHRASE_WORD_CHAR}+${S}){0,${n}}`;

/** One phrase (`ne tiens pas compte`) whose words may be stems (`системн* промпт*`: any ending), as a pattern. */
export function term(raw: string): string {
  const parts = raw.trim().split(/\s+/).map((word) => {
    const open = word.endsWith('*');
    return { folded: foldForPhrases(open ? word.slice(0, -1) : word).text.trim(), open };
  });
  const body = parts.map(({ folded, open }) => `${escapeRegexLiteral(folded)}${open ? `${PHRASE_LETTER}*` : ''}`).join(S);
  const first = parts[0]!.folded;
  const last = parts[parts.length - 1]!;
  const head = isAsciiWordChar(first[0]) ? '\\b' : '';
  const tail = !last.open && isAsciiWordChar(last.folded[last.folded.length - 1]) ? '\\b' : '';
  return `${head}${body}${tail}`;
}

/** Any one of the phrases. */
export const any = (terms: readonly string[]) => `(?:${terms.map(term).join('|')})`;
/** Word slots in order, up to `gap` filler words between consecutive slots. */
export const seq = (gap: number, ...slots: readonly (readonly string[])[]) => slots.map(any).join(`${S}${filler(gap)}`);

/** The phrase view strips voicing marks as it strips accents (プ → フ, が → か): fold a hand-written pattern's literals the same way. */
export const foldLiterals = (pattern: string): string => pattern.replace(/[^\x00-\x7f]+/g, (run) => foldForPhrases(run).text);
