// Built-in sexual/minors hard rules (seed 000: "block immediately if … regex hit for minors"),
// expressed as regex rules on the folded view so leetspeak, homoglyphs and spacing cannot dodge them.
// Terms are chosen so that safety, health and education text ("child safety online", "sex
// education for teenagers", "breast cancer screening") does not fire; see docs/detectors.md.

import type { RegexRuleOptions } from '../../policy/profiles/detector-options.ts';

const SEP = '[^\\p{L}\\p{N}]{1,4}';
const OPT_SEP = `(?:${SEP})?`;
const WITHIN_FEW_WORDS = `${SEP}(?:[\\p{L}\\p{N}']{1,20}${SEP}){0,3}`;
const any = (...alternatives: string[]) => `(?:${alternatives.join('|')})`;

/** Words that name a child or a child's age. Plain "teen" is left to the weaker rule (adult sites use it for 18+). */
const MINOR = any(
  'child(?:ren)?',
  'kids?',
  'kiddie',
  'kiddy',
  'minors?',
  'under-?age(?:d)?',
  'pre-?teens?',
  'pre-?pubescent',
  'toddlers?',
  'infants?',
  'little' + SEP + '(?:girls?|boys?)',
  'young' + SEP + '(?:girls?|boys?)',
  'school' + OPT_SEP + '(?:girls?|boys?)',
  '(?:[1-9]|1[0-7])' + OPT_SEP + '(?:yo|y/o|years?' + SEP + 'old|year' + SEP + 'old)',
  '(?:six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen)' + OPT_SEP + '(?:yo|years?' + SEP + 'old)',
);

/** Explicitly sexual terms. Plain "sex", "naked" and "abuse" are left out: they appear in education and safeguarding text. */
const SEXUAL = any(
  'porn(?:o|ography|ographic)?',
  'p0rn',
  'pr0n',
  'nudes',
  'nude' + SEP + '(?:pics?|photos?|images?|videos?|selfies?)',
  'sexy',
  'erotic(?:a)?',
  'lewd',
  'horny',
  'blow-?jobs?',
  'hand-?jobs?',
  'orgasms?',
  '(?:have|having|had)' + SEP + 'sex' + SEP + 'with',
  'sex' + SEP + '(?:with|tapes?|videos?|pics?|chat)',
  'sexually' + SEP + 'explicit',
  'explicit' + SEP + '(?:pics?|photos?|images?|videos?)',
  'xxx',
  'hentai',
);

export const SEXUAL_MINORS_RULES: readonly RegexRuleOptions[] = [
  {
    id: 'minors.csam_term',
    category: 'sexual/minors',
    pattern: `\\b(?:child|kid|kiddie|kiddy|kinder|pre-?teen|toddler|baby|jail${OPT_SEP}bait)${OPT_SEP}(?:porn(?:o|ography)?|p0rn|pr0n|xxx|erotica|nudes)\\b|\\bpedo${OPT_SEP}(?:porn|videos?|pics)\\b|\\bjail${OPT_SEP}bait\\b`,
  },
  {
    id: 'minors.cp_in_context',
    category: 'sexual/minors',
    // "cp" alone is a copy command or a game term; only in trading/links context.
    pattern: `\\b(?:trade|trading|sell|selling|buy|buying|share|sharing|send|download|want|looking${SEP}for)${SEP}(?:me${SEP})?(?:some${SEP})?cp\\b|\\bcp${SEP}(?:links?|collection|videos?|pics|vids|stash|trading)\\b`,
  },
  {
    id: 'minors.loli_shota',
    category: 'sexual/minors',
    pattern: `\\b(?:lolicon|shotacon|loli${OPT_SEP}(?:porn|hentai|sex|lewd|nsfw)|shota${OPT_SEP}(?:porn|hentai|sex|lewd|nsfw))\\b`,
  },
  {
    id: 'minors.loli',
    category: 'sexual/minors',
    score: 0.8,
    // Bare "loli"/"shota" (also a fashion and anime term), weaker than the explicit forms above.
    pattern: '\\b(?:loli|lolis|shota)\\b',
  },
  {
    id: 'minors.minor_sexual',
    category: 'sexual/minors',
    pattern: `\\b${MINOR}${WITHIN_FEW_WORDS}${SEXUAL}\\b|\\b${SEXUAL}${WITHIN_FEW_WORDS}${MINOR}\\b`,
  },
  {
    id: 'minors.teen_sexual',
    category: 'sexual/minors',
    score: 0.7,
    pattern: `\\b(?:teens?|teenagers?|teenaged?)${SEP}(?:[\\p{L}']{1,20}${SEP}){0,1}${SEXUAL}\\b|\\b${SEXUAL}${SEP}(?:[\\p{L}']{1,20}${SEP}){0,1}(?:teens?|teenagers?)\\b`,
  },
];
