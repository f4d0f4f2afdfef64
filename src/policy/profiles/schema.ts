// The threshold-profile file format (policies/profiles/*.yaml and tenants' own profile files):
// a strict zod schema, so a typo in a hand-edited file is a load error naming the field, never a
// silently ignored key. Keys are snake_case; every value a trust-and-safety editor can set is here.

import { z } from 'zod';
import { MODERATION_CATEGORIES } from '../../categories.ts';
import { ENV_REFERENCE } from '../secrets.ts';
import { PII_TYPES, SECRET_TYPES } from './detector-options.ts';

const Probability = z.number().min(0).max(1);

/** enforce: the finding can change the decision. monitor: evaluated and reported, never enforced (shadow mode). */
export const ModeSchema = z.enum(['enforce', 'monitor']);
export type Mode = z.infer<typeof ModeSchema>;

/** What a stage does when it throws or runs past `timeout_ms`: block the text, let it pass, or hand it to the next stage. */
export const OnErrorSchema = z.enum(['block', 'allow', 'fallback']);
export type OnError = z.infer<typeof OnErrorSchema>;

/** Controls every stage accepts. */
const stageControls = {
  mode: ModeSchema.optional(),
  on_error: OnErrorSchema.optional(),
  timeout_ms: z.number().int().positive().max(60_000).optional(),
};

/** A score band per moderation category: `review ≤ score < block` is the gray band (soft_block / judge), `≥ block` blocks. */
export const CategoryBandSchema = z
  .strictObject({
    review: Probability.optional(),
    block: Probability.optional(),
    mode: ModeSchema.optional(),
  })
  .refine((band) => band.review === undefined || band.block === undefined || band.review <= band.block, {
    message: 'review must not be above block',
    path: ['review'],
  });

export const CategoriesSchema = z.partialRecord(z.enum(MODERATION_CATEGORIES), CategoryBandSchema);

/**
 * What happens to a PII or secret finding. redact: replaced by its type label (`[EMAIL]`).
 * placeholder: replaced by a reversible token (`[EMAIL_1]`), restored in the answer to the client.
 * block: the text is blocked. monitor: reported only. allow: not detected at all.
 */
export const SensitiveDataActionSchema = z.enum(['redact', 'placeholder', 'block', 'monitor', 'allow']);
export type SensitiveDataAction = z.infer<typeof SensitiveDataActionSchema>;

/** What a rule-like detector (injection, sponge, sanity, keyword, regex) does when it fires. */
export const RuleActionSchema = z.enum(['block', 'soft_block', 'monitor', 'allow']);
export type RuleAction = z.infer<typeof RuleActionSchema>;

/** Keyword and regex rules may also redact what they matched. */
export const MatchActionSchema = z.enum(['block', 'soft_block', 'redact', 'monitor']);
export type MatchAction = z.infer<typeof MatchActionSchema>;

const piiTypeActions = Object.fromEntries(PII_TYPES.map((type) => [type, SensitiveDataActionSchema.optional()])) as {
  [K in (typeof PII_TYPES)[number]]: z.ZodOptional<typeof SensitiveDataActionSchema>;
};
const secretTypeActions = Object.fromEntries(SECRET_TYPES.map((type) => [type, SensitiveDataActionSchema.optional()])) as {
  [K in (typeof SECRET_TYPES)[number]]: z.ZodOptional<typeof SensitiveDataActionSchema>;
};

/** `pii: { email: redact, phone: placeholder, ip_address: allow }`; unlisted types are allowed (not detected). */
export const PiiDetectorSchema = z.strictObject({ ...stageControls, ...piiTypeActions });

/** `secrets: { action: redact, private_key: block }`: `action` for every type not listed. */
export const SecretsDetectorSchema = z.strictObject({
  ...stageControls,
  action: SensitiveDataActionSchema.optional(),
  ...secretTypeActions,
});

export const InjectionDetectorSchema = z.strictObject({
  ...stageControls,
  action: RuleActionSchema,
  /** Minimum score (heuristic finding or the classifier's prompt_injection head) that counts as an attack. */
  threshold: Probability.optional(),
});

/** The built-in harm phrases: on for input unless `enabled: false`, off for output unless `enabled: true`. */
export const HarmPhrasesDetectorSchema = z.strictObject({
  ...stageControls,
  enabled: z.boolean(),
});

export const SpongeDetectorSchema = z.strictObject({
  ...stageControls,
  action: RuleActionSchema,
  max_chars: z.number().int().positive().optional(),
  /** Share of the text made of one repeated unit above which it counts as a sponge attack. */
  max_repeated_ratio: Probability.optional(),
});

export const SanityDetectorSchema = z.strictObject({
  ...stageControls,
  action: RuleActionSchema.optional(),
  max_chars: z.number().int().positive(),
  reject_control_chars: z.boolean().optional(),
});

const RuleId = z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/, 'rule ids are lower-case letters, digits, dot, dash, underscore');
/** A moderation category or a tenant's own label such as `brand/competitor`. */
const RuleCategory = z.string().min(1).max(80);

export const KeywordListSchema = z.strictObject({
  id: RuleId,
  category: RuleCategory,
  action: MatchActionSchema,
  keywords: z.array(z.string().min(1)).min(1),
});

export const RegexRuleSchema = z.strictObject({
  id: RuleId,
  category: RuleCategory,
  action: MatchActionSchema,
  pattern: z.string().min(1),
  flags: z.string().regex(/^[ims]*$/, 'flags are i, m, s').optional(),
  /** Match against the folded text (homoglyphs, zero-width, leetspeak). Default true. */
  normalized: z.boolean().optional(),
});

/** Word n-gram overlap: `ngram` words per gram, a leak at overlap ≥ `threshold` with at least `min_shared` grams. */
const overlapFields = {
  ...stageControls,
  action: RuleActionSchema,
  threshold: Probability.optional(),
  ngram: z.number().int().min(2).max(20).optional(),
  min_shared: z.number().int().min(1).max(1000).optional(),
};

/** An answer that leaks the request's system/developer instructions (output only). */
export const SystemPromptDetectorSchema = z.strictObject(overlapFields);

/** Text reproducing one of the tenant's protected texts (by id). */
export const CopyrightDetectorSchema = z.strictObject({
  ...overlapFields,
  texts: z.array(z.strictObject({ id: RuleId, text: z.string().min(1) })).min(1),
});

/** A topic by keywords (whole words, folded) and/or moderation categories the classifier scores ≥ min_score. */
export const TopicSchema = z
  .strictObject({
    id: RuleId,
    keywords: z.array(z.string().min(1)).optional(),
    categories: z.array(z.enum(MODERATION_CATEGORIES)).optional(),
    min_score: Probability.optional(),
  })
  .refine((topic) => (topic.keywords?.length ?? 0) + (topic.categories?.length ?? 0) > 0, { message: 'a topic needs keywords or categories', path: ['keywords'] });

/** Banned topics, and optionally the allowed ones (then a text on none of them is off-topic). */
export const TopicDetectorSchema = z.strictObject({
  ...stageControls,
  action: RuleActionSchema,
  banned: z.array(TopicSchema).optional(),
  allowed: z.array(TopicSchema).optional(),
  /** Texts shorter than this many words are never off-topic ("hi", "thanks"). */
  min_words: z.number().int().min(1).max(1000).optional(),
});

export const KeywordsDetectorSchema = z.strictObject({ ...stageControls, lists: z.array(KeywordListSchema) });
export const RegexDetectorSchema = z.strictObject({ ...stageControls, rules: z.array(RegexRuleSchema) });

export const DetectorsSchema = z.strictObject({
  sanity: SanityDetectorSchema.optional(),
  pii: PiiDetectorSchema.optional(),
  secrets: SecretsDetectorSchema.optional(),
  injection: InjectionDetectorSchema.optional(),
  harm_phrases: HarmPhrasesDetectorSchema.optional(),
  sponge: SpongeDetectorSchema.optional(),
  keywords: KeywordsDetectorSchema.optional(),
  regex: RegexDetectorSchema.optional(),
  system_prompt: SystemPromptDetectorSchema.optional(),
  copyright_ip: CopyrightDetectorSchema.optional(),
  topic: TopicDetectorSchema.optional(),
});
export type DetectorsConfig = z.infer<typeof DetectorsSchema>;

export const ClassifierStageSchema = z.strictObject({
  ...stageControls,
  enabled: z.boolean().optional(),
});

export const ChatRoleSchema = z.enum(['system', 'developer', 'user', 'assistant', 'tool']);
export type ChatRole = z.infer<typeof ChatRoleSchema>;

const directionFields = {
  detectors: DetectorsSchema.optional(),
  /** Per-direction band overrides, merged over the profile's top-level `categories`. */
  categories: CategoriesSchema.optional(),
  classifier: ClassifierStageSchema.optional(),
};

export const InputPolicySchema = z.strictObject({
  ...directionFields,
  /** Which chat roles' messages the input guardrails check. */
  roles: z.array(ChatRoleSchema).min(1).optional(),
});
export const OutputPolicySchema = z.strictObject({
  ...directionFields,
  /** Streamed answers: characters of each text held back until later text can no longer change them (a pattern's or window's reach). */
  stream_hold_back_chars: z.number().int().min(16).max(100_000).optional(),
});

/** `${NAME}` (or `${NAME:-}`, optional): the judge's key must be an environment reference, never a plain key in a file. */
const JudgeKeyReference = z.string().regex(ENV_REFERENCE, 'must be an environment reference "${NAME}" (or "${NAME:-}" when it may be unset); plain keys are not allowed in policy files');
/** Empty (an unset `${VAR:-}`) counts as absent. */
const blankAsAbsent = <T extends z.ZodType>(schema: T) => z.preprocess((value) => (value === '' ? undefined : value), schema.optional());

/**
 * The LLM judge (src/judge/): an OpenAI-compatible chat model asked about texts in a category's
 * gray band and for the judge-backed checks (policy_violation, bias, relevancy, hallucination).
 * `base_url`, `model` and `verdict` may use `${ENV}` references; `api_key` must be one.
 */
export const JudgeSchema = z.strictObject({
  mode: ModeSchema.optional(),
  /** classifier (= fallback): the cascade's decision without the judge stands; block: fail closed; allow: fail open. */
  on_error: z.enum(['classifier', 'fallback', 'block', 'allow']).optional(),
  timeout_ms: z.number().int().positive().max(60_000).optional(),
  /** true, false, or auto: on exactly when `base_url` is set (the shipped default tenant's quick start). */
  enabled: z.union([z.boolean(), z.literal('auto')]).optional(),
  base_url: blankAsAbsent(z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' })),
  model: blankAsAbsent(z.string().min(1)),
  api_key: blankAsAbsent(JudgeKeyReference),
  /** json: our rubric, answered as {decision, categories, rationale, citations}; llama_guard: `safe` / `unsafe\nS1,S10`. */
  verdict: blankAsAbsent(z.enum(['json', 'llama_guard'])),
  max_tokens: z.number().int().min(1).max(8192).optional(),
  temperature: z.number().min(0).max(2).optional(),
  /** Texts longer than this are not sent to the judge (its on_error applies). */
  max_input_chars: z.number().int().min(1).max(1_000_000).optional(),
  /** Per category: where the judge is asked, `from <= score < to`. Default: the profile's review..block band. */
  gray_band: z.partialRecord(z.enum(MODERATION_CATEGORIES), z.strictObject({ from: Probability, to: Probability }).refine((b) => b.from <= b.to, { message: 'from must not be above to', path: ['from'] })).optional(),
  /** How long a verdict is reused for the same text, profile, policy version and model; 0 turns the cache off. */
  cache_ttl_ms: z.number().int().min(0).max(86_400_000).optional(),
  cache_max_entries: z.number().int().min(1).max(1_000_000).optional(),
  /** Judge calls in flight at once, and how many more may wait; beyond that the text gets on_error. */
  concurrency: z.number().int().min(1).max(1024).optional(),
  max_queue: z.number().int().min(0).max(100_000).optional(),
  /** Streamed answers: how long a gray-band window may hold the stream for the judge before on_error. */
  stream_timeout_ms: z.number().int().positive().max(60_000).optional(),
});

/**
 * Language identification (seed 000's pre-filter). `classifier`: the languages the classifier was
 * trained for (ISO 639-1; the shipped model: English). A text reliably identified as another
 * language cannot be judged by it; `unsupported_action` says what happens then: allow (reported
 * only), review (soft_block), judge (soft_block the LLM judge, when enabled, settles), block.
 */
export const LanguagesSchema = z.strictObject({
  classifier: z.array(z.string().regex(/^[a-z]{2,3}$/, 'ISO 639-1 codes, e.g. en')).min(1).optional(),
  unsupported_action: z.enum(['allow', 'review', 'judge', 'block']).optional(),
});

const ProfileName = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'profile names are lower-case letters, digits, dash, underscore');

export const ProfileSchema = z.strictObject({
  profile: ProfileName,
  description: z.string().optional(),
  /** Tenant profiles only: the profile this one starts from (deep merge; lists are replaced, not appended). */
  extends: ProfileName.optional(),
  /** What a soft_block verdict does unless the deployment says otherwise: block, or pass with a warning. */
  soft_block: z.enum(['block', 'warn']).optional(),
  categories: CategoriesSchema.optional(),
  input: InputPolicySchema.optional(),
  output: OutputPolicySchema.optional(),
  judge: JudgeSchema.optional(),
  languages: LanguagesSchema.optional(),
});
export type ProfileConfig = z.infer<typeof ProfileSchema>;
