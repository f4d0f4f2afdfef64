// The RE2-compatible subset of JavaScript regular expressions, for the Workers engine: a pattern is
// accepted only when Node's RE2 accepts it too, so a policy that builds on Workers builds on Node.
// Refused: backreferences, lookaround, `[\b]`, Unicode properties RE2 lacks, and counted repetition
// over RE2's limit of 1000 (nested counts multiply). RE2's inline flags are rewritten for RegExp
// (a leading `(?ims)` becomes flags; a scoped `(?i:…)` / `(?s:…)` group spells its letters in both
// cases / its dots as any character), since RegExp on Node 20 has no modifiers. Checked at build
// (npm run build:workers) and again when the Workers engine compiles.

/** Why a pattern is outside the subset, at which UTF-16 offset. */
export interface SubsetViolation {
  readonly index: number;
  readonly reason: string;
}

export interface SubsetPattern {
  /** The pattern as JavaScript's RegExp should see it (leading flag group removed, `.` as RE2 means it). */
  readonly source: string;
  /** Flags the pattern set with a leading `(?ims)` group. */
  readonly inlineFlags: string;
}

/** RE2's largest count in `{n,m}`, and of the product of nested counts. */
export const RE2_MAX_REPEAT = 1000;

/** Unicode general categories (short names), which JavaScript and RE2 both know, plus Any. */
const GENERAL_CATEGORIES = new Set([
  'Any', 'L', 'Lu', 'Ll', 'Lt', 'Lm', 'Lo', 'M', 'Mn', 'Mc', 'Me', 'N', 'Nd', 'Nl', 'No', 'P', 'Pc', 'Pd', 'Ps', 'Pe', 'Pi', 'Pf', 'Po',
  'S', 'Sm', 'Sc', 'Sk', 'So', 'Z', 'Zs', 'Zl', 'Zp', 'C', 'Cc', 'Cf', 'Co', 'Cs',
  'Letter', 'Uppercase_Letter', 'Lowercase_Letter', 'Mark', 'Number', 'Decimal_Number', 'Punctuation', 'Symbol', 'Separator', 'Space_Separator', 'Control',
]);
const SCRIPT_PROPERTY = /^(?:Script|sc)=[A-Za-z_]+$/;
const LEADING_FLAGS = /^\(\?([a-zA-Z]+)\)/;

export class Re2SubsetError extends Error {
  readonly violation: SubsetViolation;
  constructor(violation: SubsetViolation) {
    super(`${violation.reason} (at offset ${violation.index}); Workers accept only what RE2 accepts on Node`);
    this.name = 'Re2SubsetError';
    this.violation = violation;
  }
}

interface Group {
  /** Largest product of counted repetitions inside this group so far. */
  innerCount: number;
  /** Inside a scoped (?i:…) while the pattern as a whole is case-sensitive. */
  caseless: boolean;
  dotAll: boolean;
}

/** Letters whose case-fold orbit has a third member (RE2 and RegExp `iu` both fold them). */
const EXTRA_FOLDS: Readonly<Record<string, string>> = { k: '\u212A', s: '\u017F', 'å': '\u212B' };

/** `char` in both cases (as class members, no brackets), or null when it has no case. */
function bothCases(char: string): string | null {
  const lower = char.toLowerCase();
  const upper = char.toUpperCase();
  if (lower === upper || [...lower].length !== 1 || [...upper].length !== 1) return null;
  return `${lower}${upper}${EXTRA_FOLDS[lower] ?? ''}`;
}

/**
 * Checks `pattern` (JavaScript syntax, `u` mode) against the subset and returns what RegExp should
 * compile. Throws Re2SubsetError naming the first construct outside it; JavaScript's own syntax
 * errors are left to RegExp.
 */
export function toRe2Subset(pattern: string, flags = ''): SubsetPattern {
  let inlineFlags = '';
  let start = 0;
  const leading = LEADING_FLAGS.exec(pattern);
  if (leading) {
    const letters = leading[1]!;
    const unsupported = [...letters].find((letter) => !'ims'.includes(letter));
    if (unsupported) throw new Re2SubsetError({ index: 2, reason: `inline flag "${unsupported}" is not supported (use i, m or s)` });
    inlineFlags = [...new Set(letters)].join('');
    start = leading[0].length;
  }
  const caseInsensitive = flags.includes('i') || inlineFlags.includes('i');
  const fail = (index: number, reason: string): never => {
    throw new Re2SubsetError({ index, reason });
  };

  let out = '';
  let inClass = false;
  const groups: Group[] = [{ innerCount: 1, caseless: false, dotAll: flags.includes('s') || inlineFlags.includes('s') }];
  const current = () => groups[groups.length - 1]!;
  // Count carried by the atom just read, for a quantifier that may follow: 1 for a plain atom,
  // the group's inner product for a group just closed; null after something no count can follow.
  let lastAtomCount: number | null = null;

  for (let i = start; i < pattern.length; ) {
    const char = pattern[i]!;
    if (char === '\\') {
      const next = pattern[i + 1] ?? '';
      let length = 2;
      if (/[1-9]/.test(next) && !inClass) fail(i, `backreference \\${next} is not supported`);
      if (next === 'k' && pattern[i + 2] === '<') fail(i, 'named backreference \\k<…> is not supported');
      if (inClass && (next === 'b' || next === 'B')) fail(i, `\\${next} inside a character class is not supported`);
      if (next === 'p' || next === 'P') {
        const close = pattern[i + 2] === '{' ? pattern.indexOf('}', i + 3) : -1;
        if (close !== -1) {
          const name = pattern.slice(i + 3, close);
          if (!GENERAL_CATEGORIES.has(name) && !SCRIPT_PROPERTY.test(name)) {
            fail(i, `Unicode property \\${next}{${name}} is not supported (use a general category such as L, Lu, N, P, or Script=Name)`);
          }
          if (current().caseless && /^(?:L[ult]|Uppercase_Letter|Lowercase_Letter)$/.test(name)) fail(i, `\\${next}{${name}} inside (?i:…) is not supported`);
          length = close + 1 - i;
        }
      }
      out += pattern.slice(i, i + length);
      i += length;
      lastAtomCount = inClass ? null : 1;
      continue;
    }
    if (inClass) {
      if (char === '[' && pattern[i + 1] === ':') fail(i, 'POSIX classes [:name:] are not supported (use \\p{…} or a range)');
      if (char === ']') {
        inClass = false;
        lastAtomCount = 1;
        out += char;
        i++;
        continue;
      }
      if (current().caseless) {
        const range = /^(.)-([^\\\]])/u.exec(pattern.slice(i));
        if (range) {
          const [whole, from, to] = range as unknown as [string, string, string];
          out += whole + caselessRange(from, to, i, fail);
          i += whole.length;
          continue;
        }
        const both = bothCases(char);
        out += both ?? char;
        i++;
        continue;
      }
      out += char;
      i++;
      continue;
    }
    switch (char) {
      case '[': {
        inClass = true;
        let j = i + 1;
        if (pattern[j] === '^') j++;
        if (pattern[j] === ']') fail(i, `the character class ${pattern.slice(i, j + 1)} means something else in RE2`);
        out += pattern.slice(i, j);
        i = j;
        continue;
      }
      case '(': {
        const opening = readGroupOpening(pattern, i, fail);
        const parent = current();
        const caseless = parent.caseless || (opening.flags.includes('i') && !caseInsensitive);
        groups.push({ innerCount: 1, caseless, dotAll: parent.dotAll || opening.flags.includes('s') });
        out += opening.rewritten;
        i += opening.length;
        lastAtomCount = null;
        continue;
      }
      case ')': {
        const closed = groups.length > 1 ? groups.pop()! : { innerCount: 1 };
        const parent = groups[groups.length - 1]!;
        parent.innerCount = Math.max(parent.innerCount, closed.innerCount);
        out += char;
        i++;
        lastAtomCount = closed.innerCount;
        continue;
      }
      case '{': {
        const counted = /^\{(\d+)(?:,(\d*))?\}/.exec(pattern.slice(i));
        if (counted && lastAtomCount !== null) {
          const most = Math.max(Number(counted[1]), counted[2] ? Number(counted[2]) : 0);
          if (most > RE2_MAX_REPEAT) fail(i, `repetition ${counted[0]} is over RE2's limit of ${RE2_MAX_REPEAT}`);
          const product = most * lastAtomCount;
          if (product > RE2_MAX_REPEAT) fail(i, `nested repetition ${counted[0]} repeats ${product} times, over RE2's limit of ${RE2_MAX_REPEAT}`);
          const group = groups[groups.length - 1]!;
          group.innerCount = Math.max(group.innerCount, product);
          out += counted[0];
          i += counted[0].length;
          lastAtomCount = null;
          continue;
        }
        break;
      }
      case '.':
        // RE2's `.` excludes only \n; JavaScript's also \r, U+2028 and U+2029.
        out += current().dotAll ? '[\\s\\S]' : '[^\\n]';
        i++;
        lastAtomCount = 1;
        continue;
      case '*':
      case '+':
      case '?':
      case '|':
      case '^':
      case '$':
        out += char;
        i++;
        lastAtomCount = null;
        continue;
    }
    const both = current().caseless ? bothCases(char) : null;
    out += both ? `[${both}]` : char;
    i++;
    lastAtomCount = 1;
  }
  return { source: out, inlineFlags };
}

/** A class range inside (?i:…): the same range in the other case, for ASCII letter ranges only. */
function caselessRange(from: string, to: string, index: number, fail: (index: number, reason: string) => never): string {
  const lower = /^[a-z]$/;
  const upper = /^[A-Z]$/;
  if (lower.test(from) && lower.test(to)) return `${from.toUpperCase()}-${to.toUpperCase()}${from <= 'k' && to >= 'k' ? '\\u212A' : ''}${from <= 's' && to >= 's' ? '\\u017F' : ''}`;
  if (upper.test(from) && upper.test(to)) return `${from.toLowerCase()}-${to.toLowerCase()}${from <= 'K' && to >= 'K' ? '\\u212A' : ''}${from <= 'S' && to >= 'S' ? '\\u017F' : ''}`;
  const start = from.codePointAt(0)!;
  const end = to.codePointAt(0)!;
  const spansNoLetter = end < 0x41 || (start > 0x5a && end < 0x61) || (start > 0x7a && end < 0x80);
  if (spansNoLetter) return '';
  return fail(index, `the range ${from}-${to} inside (?i:…) is not supported (use a-z or A-Z ranges)`);
}

interface GroupOpening {
  /** Characters read from the pattern. */
  readonly length: number;
  /** What RegExp gets instead. */
  readonly rewritten: string;
  /** Flags a scoped modifier group turns on. */
  readonly flags: string;
}

/** The opening of a group at `i`: `(`, `(?:`, `(?<name>` or a scoped `(?i:` / `(?s:`; anything else is refused. */
function readGroupOpening(pattern: string, i: number, fail: (index: number, reason: string) => never): GroupOpening {
  const plain = (text: string): GroupOpening => ({ length: text.length, rewritten: text, flags: '' });
  if (pattern[i + 1] !== '?') return plain('(');
  const rest = pattern.slice(i + 2);
  if (rest.startsWith(':')) return plain('(?:');
  if (rest.startsWith('=') || rest.startsWith('!')) return fail(i, `lookahead (?${rest[0]} is not supported`);
  if (rest.startsWith('<=') || rest.startsWith('<!')) return fail(i, `lookbehind (?${rest.slice(0, 2)} is not supported`);
  const named = /^<([A-Za-z_][A-Za-z0-9_]*)>/.exec(rest);
  if (named) return plain(`(?${named[0]}`);
  if (rest.startsWith('P<')) return fail(i, 'write a named group as (?<name>…), not (?P<name>…)');
  const scoped = /^([is]+):/.exec(rest);
  if (scoped) return { length: 2 + scoped[0].length, rewritten: '(?:', flags: scoped[1]! };
  if (/^[a-zA-Z-]+[:)]/.test(rest)) return fail(i, 'inline flags are supported as a leading (?ims) group or a scoped (?i:…) / (?s:…) group only');
  return fail(i, `group (?${rest.slice(0, 1)} is not supported`);
}
