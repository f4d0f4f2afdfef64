// What a judge model answers, parsed through schemas: our JSON rubric verdict
// `{decision, categories, rationale, citations: [{start, end, quote}]}`, or a Llama Guard style
// answer (`safe` / `unsafe\nS1,S10`) mapped onto our categories. Citations are checked against the
// judged text: one whose quote is not at its offsets is re-anchored when the quote occurs exactly
// once, else dropped. Anything else (malformed JSON, a wrong shape) is a JudgeAnswerError.

import { z } from 'zod';
import { MODERATION_CATEGORIES, type ModerationCategory } from '../categories.ts';
import type { JudgeCheck, JudgeCitation, JudgeResult } from '../guard/types.ts';

export class JudgeAnswerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JudgeAnswerError';
  }
}

/** The verdict the rubric asks for; also sent as the `response_format` JSON schema (strict). */
export const VerdictWireSchema = z.strictObject({
  decision: z.enum(['allow', 'block', 'review']),
  categories: z.array(z.string()),
  rationale: z.string(),
  citations: z.array(z.strictObject({ start: z.int(), end: z.int(), quote: z.string() })),
});

/** What we accept back: the same shape, lenient on case and extra keys, bounded in size. */
const VerdictSchema = z.object({
  decision: z.preprocess((v) => (typeof v === 'string' ? v.trim().toLowerCase() : v), z.enum(['allow', 'block', 'review'])),
  categories: z.array(z.string().max(100)).max(64).default([]),
  rationale: z.string().max(20_000).default(''),
  citations: z.array(z.object({ start: z.int().min(0), end: z.int().min(0), quote: z.string().max(20_000) })).max(64).default([]),
});

/** The JSON schema of the verdict for `response_format: {type: "json_schema"}`. */
export function verdictJsonSchema(): Record<string, unknown> {
  const { $schema: _drop, ...schema } = z.toJSONSchema(VerdictWireSchema, { target: 'draft-7' }) as Record<string, unknown>;
  return schema;
}

const MAX_CITATIONS = 8;
const MAX_RATIONALE_CHARS = 600;

/** Keep a citation whose quote is the text at its offsets; re-anchor one whose quote occurs exactly once; drop the rest. */
export function anchorCitations(text: string, citations: readonly JudgeCitation[]): JudgeCitation[] {
  const kept: JudgeCitation[] = [];
  for (const citation of citations) {
    const { quote } = citation;
    if (quote.length === 0) continue;
    if (citation.end - citation.start === quote.length && text.slice(citation.start, citation.end) === quote) {
      kept.push({ start: citation.start, end: citation.end, quote });
    } else {
      const first = text.indexOf(quote);
      if (first >= 0 && text.indexOf(quote, first + 1) < 0) kept.push({ start: first, end: first + quote.length, quote });
    }
    if (kept.length >= MAX_CITATIONS) break;
  }
  return kept;
}

/** The first JSON object in a model's answer (models wrap it in ``` fences or a sentence). */
function extractJson(content: string): unknown {
  const trimmed = content.trim();
  try {
    return JSON.parse(trimmed);
  } catch {
    const start = trimmed.indexOf('{');
    const end = trimmed.lastIndexOf('}');
    if (start < 0 || end <= start) throw new JudgeAnswerError('the judge did not answer with a JSON object');
    try {
      return JSON.parse(trimmed.slice(start, end + 1));
    } catch {
      throw new JudgeAnswerError('the judge answered malformed JSON');
    }
  }
}

const CHECK_NAMES: readonly JudgeCheck[] = ['policy_violation', 'bias', 'relevancy', 'hallucination'];
const isCategory = (name: string): name is ModerationCategory => (MODERATION_CATEGORIES as readonly string[]).includes(name);

/**
 * Split a raw verdict into our result: the gray-band decision (block when a moderation category is
 * named, or block with nothing named), the requested checks that failed, and checked citations.
 */
function toResult(
  raw: { decision: 'allow' | 'block' | 'review'; categories: string[]; rationale: string; citations: JudgeCitation[] },
  text: string,
  asked: readonly JudgeCheck[],
): JudgeResult {
  const names = [...new Set(raw.categories.map((c) => c.trim().toLowerCase()))];
  const categories = names.filter(isCategory);
  const failed = asked.filter((check) => names.includes(check));
  const unnamed = categories.length === 0 && failed.length === 0;
  const decision = categories.length > 0 || (raw.decision === 'block' && unnamed) ? 'block' : raw.decision === 'review' ? 'soft_block' : 'allow';
  const rationale = raw.rationale.trim().slice(0, MAX_RATIONALE_CHARS);
  return {
    decision,
    categories: [...categories, ...failed],
    ...(rationale ? { rationale } : {}),
    citations: anchorCitations(text, raw.citations),
    checks: Object.fromEntries(asked.map((check) => [check, failed.includes(check)])),
  };
}

/** Parse our JSON rubric's verdict for `text`; the checks asked decide which names count as failed checks. */
export function parseJsonVerdict(content: string, text: string, asked: readonly JudgeCheck[]): JudgeResult {
  const parsed = VerdictSchema.safeParse(extractJson(content));
  if (!parsed.success) throw new JudgeAnswerError(`the judge's verdict has the wrong shape: ${parsed.error.issues[0]?.path.join('.') || 'root'} ${parsed.error.issues[0]?.message ?? ''}`.trim());
  return toResult(parsed.data, text, asked);
}

/**
 * Llama Guard 3's hazard taxonomy (MLCommons S1..S14) onto our categories. Codes with no
 * counterpart (S6 specialized advice, S7 privacy, S8 intellectual property, S13 elections, S14 code
 * interpreter abuse) still make an unsafe verdict, reported by code.
 */
export const LLAMA_GUARD_CATEGORIES: Readonly<Record<string, readonly ModerationCategory[]>> = {
  S1: ['violence', 'illicit/violent'],
  S2: ['illicit'],
  S3: ['illicit/violent'],
  S4: ['sexual/minors'],
  S5: ['harassment'],
  S6: [],
  S7: [],
  S8: [],
  S9: ['illicit/violent'],
  S10: ['hate'],
  S11: ['self-harm'],
  S12: ['sexual'],
  S13: [],
  S14: [],
};

/** `safe`, or `unsafe` and a line of codes (`S1,S10`). */
export function parseLlamaGuardVerdict(content: string): JudgeResult {
  const lines = content.trim().split(/\r?\n/).map((line) => line.trim()).filter((line) => line.length > 0);
  const head = lines[0]?.toLowerCase();
  if (head === 'safe') return { decision: 'allow', categories: [], citations: [] };
  if (head !== 'unsafe') throw new JudgeAnswerError('the judge did not answer "safe" or "unsafe"');
  const codes = [...new Set((lines[1] ?? '').toUpperCase().match(/S\d{1,2}/g) ?? [])];
  const categories = [...new Set(codes.flatMap((code) => LLAMA_GUARD_CATEGORIES[code] ?? []))];
  const unmapped = codes.filter((code) => (LLAMA_GUARD_CATEGORIES[code]?.length ?? 0) === 0).map((code) => `llama_guard/${code}`);
  return {
    decision: 'block',
    categories: [...categories, ...unmapped],
    rationale: codes.length > 0 ? `Llama Guard: unsafe (${codes.join(', ')})` : 'Llama Guard: unsafe',
    citations: [],
  };
}

export { CHECK_NAMES };
