// Loads threshold profiles: parses the shipped profiles and tenants' overrides (policy files' text,
// no file system), deep-merges `extends`, enforces the sexual/minors floor, and resolves each
// profile ONCE into thresholds, detector options and actions the cascade uses as they are.

import { MODERATION_CATEGORIES, type ModerationCategory } from '../../categories.ts';
import { PolicyLoadError } from '../errors.ts';
import type { PolicyFile } from '../types.ts';
import { describeSchemaIssue, parsePolicyFile, type FieldPath, type ParsedPolicyFile } from '../yaml.ts';
import { PII_TYPES, SECRET_TYPES, type DetectorSuiteOptions, type PiiType, type SecretType } from './detector-options.ts';
import { findFloorViolations, MINORS_BLOCK_CEILING, MINORS_CATEGORY, requireMinorsRules } from './floor.ts';
import type { PrefilterStage, ProfileRegistry, ResolvedBand, ResolvedDirection, ResolvedJudgePolicy, ResolvedProfile, ResolvedRule, StagePolicy } from './types.ts';
import { interpolateDocument, type EnvMap } from '../interpolate.ts';
import { missingSecret, parseSecretReference } from '../secrets.ts';
import {
  ProfileSchema,
  type ChatRole,
  type DetectorsConfig,
  type MatchAction,
  type Mode,
  type OnError,
  type ProfileConfig,
  type RuleAction,
  type SensitiveDataAction,
} from './schema.ts';

export const SHIPPED_PROFILE_NAMES = ['default', 'strict', 'kids', 'research', 'internal'] as const;

// ---- Defaults (applied when a profile leaves a field out) -----------------------------------

const DEFAULT_PREFILTER: StagePolicy = { timeoutMs: 50, onError: 'block', mode: 'enforce' };
const DEFAULT_CLASSIFIER: StagePolicy = { timeoutMs: 250, onError: 'block', mode: 'enforce' };
const DEFAULT_JUDGE: StagePolicy = { timeoutMs: 3_000, onError: 'fallback', mode: 'enforce' };
const JUDGE_DEFAULTS = { maxTokensJson: 400, maxTokensLlamaGuard: 20, temperature: 0, maxInputChars: 16_000, cacheTtlMs: 600_000, cacheMaxEntries: 10_000, concurrency: 8, maxQueue: 64, streamTimeoutMs: 1_500 };
const DEFAULT_INJECTION_THRESHOLD = 0.8;
// Longer than any PII or secret the detectors match in one piece (an email, an IBAN, a JWT header),
// and than a classifier window of text: what a later chunk could still change.
const DEFAULT_STREAM_HOLD_BACK_CHARS = 256;
// Leak detectors: five-word grams are rare enough by chance; three shared keep a stock phrase from counting.
const DEFAULT_SYSTEM_PROMPT_OVERLAP = { threshold: 0.5, ngram: 5, minShared: 3 };
const DEFAULT_COPYRIGHT_OVERLAP = { threshold: 0.5, ngram: 8, minShared: 3 };
const DEFAULT_TOPIC_MIN_SCORE = 0.5;
const DEFAULT_TOPIC_MIN_WORDS = 3;
const DEFAULT_SPONGE = { maxChars: 20_000, maxRepeatedRatio: 0.5 };
// Everything a client can write: assistant history is client-supplied too (forged prefill, or an
// answer whose placeholders were restored and is now sent back). system/developer come from the app.
const DEFAULT_INPUT_ROLES: readonly ChatRole[] = ['user', 'assistant', 'tool'];

// ---- Error location ----------------------------------------------------------------------------

/** Error at `path`, blamed on the file (nearest first) where most of that path is written. */
function errorAt(chain: readonly ParsedPolicyFile[], path: FieldPath, message: string): PolicyLoadError {
  let best = { source: chain[0]!, depth: -1 };
  for (const source of chain) {
    const { depth } = source.locate(path);
    if (depth > best.depth) best = { source, depth };
  }
  return new PolicyLoadError([best.source.problemAt(path, message)]);
}

function validate(merged: unknown, chain: readonly ParsedPolicyFile[]): ProfileConfig {
  // reportInput: an issue then says whether the field was missing or had the wrong type.
  const result = ProfileSchema.safeParse(merged, { reportInput: true });
  if (result.success) return result.data;
  const { path, message } = describeSchemaIssue(result.error.issues[0]!);
  throw errorAt(chain, path, message);
}

// ---- Merging -----------------------------------------------------------------------------------

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Objects merge key by key; arrays and scalars in `override` replace the base value. */
export function deepMerge(base: unknown, override: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(override)) return override === undefined ? base : override;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) out[key] = key in base ? deepMerge(base[key], value) : value;
  return out;
}

// ---- Resolution --------------------------------------------------------------------------------

function stage(config: { mode?: Mode; on_error?: OnError; timeout_ms?: number } | undefined, defaults: StagePolicy): StagePolicy {
  return { timeoutMs: config?.timeout_ms ?? defaults.timeoutMs, onError: config?.on_error ?? defaults.onError, mode: config?.mode ?? defaults.mode };
}

function resolveBands(config: ProfileConfig, direction: 'input' | 'output', chain: readonly ParsedPolicyFile[]): Record<ModerationCategory, ResolvedBand> {
  const bands = {} as Record<ModerationCategory, ResolvedBand>;
  for (const category of MODERATION_CATEGORIES) {
    const base = config.categories?.[category];
    const override = config[direction]?.categories?.[category];
    const review = override?.review ?? base?.review ?? null;
    let block = override?.block ?? base?.block ?? null;
    if (category === MINORS_CATEGORY) block = Math.min(block ?? MINORS_BLOCK_CEILING, MINORS_BLOCK_CEILING);
    if (review !== null && block !== null && review > block) {
      const where = override?.review !== undefined ? [direction, 'categories', category, 'review'] : ['categories', category, 'review'];
      throw errorAt(chain, where, `review ${review} is above the ${direction} block threshold ${block}`);
    }
    const mode = category === MINORS_CATEGORY ? 'enforce' : (override?.mode ?? base?.mode ?? 'enforce');
    bands[category] = { review, block, mode };
  }
  return bands;
}

function resolveDirection(config: ProfileConfig, direction: 'input' | 'output', chain: readonly ParsedPolicyFile[]): ResolvedDirection {
  const policy = config[direction];
  const detectors: DetectorsConfig = policy?.detectors ?? {};
  const options: DetectorSuiteOptions = {};
  const stages: Partial<Record<PrefilterStage, StagePolicy>> = {};

  if (detectors.sanity) {
    options.sanity = { maxChars: detectors.sanity.max_chars, rejectControlChars: detectors.sanity.reject_control_chars ?? true };
    stages.input_sanity = stage(detectors.sanity, DEFAULT_PREFILTER);
  }

  const piiActions = Object.fromEntries(PII_TYPES.map((type) => [type, detectors.pii?.[type] ?? 'allow'])) as Record<PiiType, SensitiveDataAction>;
  const piiTypes = PII_TYPES.filter((type) => piiActions[type] !== 'allow');
  if (piiTypes.length > 0) {
    options.pii = { types: piiTypes };
    stages.pii = stage(detectors.pii, DEFAULT_PREFILTER);
  }

  const secretDefault = detectors.secrets?.action ?? 'allow';
  const secretActions = Object.fromEntries(SECRET_TYPES.map((type) => [type, detectors.secrets?.[type] ?? secretDefault])) as Record<SecretType, SensitiveDataAction>;
  const secretTypes = SECRET_TYPES.filter((type) => secretActions[type] !== 'allow');
  if (secretTypes.length > 0) {
    options.secrets = { types: secretTypes };
    stages.secrets = stage(detectors.secrets, DEFAULT_PREFILTER);
  }

  const injection = { action: detectors.injection?.action ?? 'allow', threshold: detectors.injection?.threshold ?? DEFAULT_INJECTION_THRESHOLD };
  if (injection.action !== 'allow') {
    options.injection = { enabled: true };
    stages.injection_attack = stage(detectors.injection, DEFAULT_PREFILTER);
  }

  // On for what the client writes unless switched off; the model's answers may quote such phrases
  // (a helpline page), so output opts in.
  if (detectors.harm_phrases?.enabled ?? direction === 'input') {
    options.harmPhrases = { enabled: true };
    stages.harm_phrases = stage(detectors.harm_phrases, DEFAULT_PREFILTER);
  }

  const sponge = { action: detectors.sponge?.action ?? 'allow' };
  if (sponge.action !== 'allow') {
    options.sponge = {
      maxChars: detectors.sponge?.max_chars ?? DEFAULT_SPONGE.maxChars,
      maxRepeatedRatio: detectors.sponge?.max_repeated_ratio ?? DEFAULT_SPONGE.maxRepeatedRatio,
    };
    stages.sponge_attack = stage(detectors.sponge, DEFAULT_PREFILTER);
  }

  const overlap = (config: { threshold?: number; ngram?: number; min_shared?: number } | undefined, defaults: { threshold: number; ngram: number; minShared: number }) => ({
    threshold: config?.threshold ?? defaults.threshold,
    ngram: config?.ngram ?? defaults.ngram,
    minShared: config?.min_shared ?? defaults.minShared,
  });
  const systemPrompt = { action: detectors.system_prompt?.action ?? 'allow' };
  if (systemPrompt.action !== 'allow') {
    options.systemPrompt = overlap(detectors.system_prompt, DEFAULT_SYSTEM_PROMPT_OVERLAP);
    stages.system_prompt = stage(detectors.system_prompt, DEFAULT_PREFILTER);
  }
  const copyright = { action: detectors.copyright_ip?.action ?? 'allow' };
  if (copyright.action !== 'allow' && detectors.copyright_ip) {
    options.copyright = { ...overlap(detectors.copyright_ip, DEFAULT_COPYRIGHT_OVERLAP), texts: detectors.copyright_ip.texts.map((t) => ({ id: t.id, text: t.text })) };
    stages.copyright_ip = stage(detectors.copyright_ip, DEFAULT_PREFILTER);
  }
  const topicConfig = detectors.topic;
  const topicOf = (kind: 'banned' | 'allowed') => (t: NonNullable<NonNullable<typeof topicConfig>['banned']>[number]) => ({
    id: t.id,
    kind,
    keywords: [...(t.keywords ?? [])],
    categories: [...(t.categories ?? [])],
    minScore: t.min_score ?? DEFAULT_TOPIC_MIN_SCORE,
  });
  const topic = {
    action: topicConfig?.action ?? 'allow',
    topics: [...(topicConfig?.banned ?? []).map(topicOf('banned')), ...(topicConfig?.allowed ?? []).map(topicOf('allowed'))],
    minWords: topicConfig?.min_words ?? DEFAULT_TOPIC_MIN_WORDS,
  };
  if (topic.action !== 'allow') stages.topic = stage(topicConfig, DEFAULT_PREFILTER);

  const rules: Record<string, ResolvedRule> = {};
  const addRule = (rule: ResolvedRule, path: FieldPath) => {
    if (rules[rule.id]) throw errorAt(chain, path, `rule id '${rule.id}' is used twice in ${direction}`);
    rules[rule.id] = rule;
  };
  if (detectors.keywords && detectors.keywords.lists.length > 0) {
    options.keywordLists = detectors.keywords.lists.map((list, i) => {
      addRule({ id: list.id, category: list.category, action: list.action }, [direction, 'detectors', 'keywords', 'lists', i, 'id']);
      return { id: list.id, category: list.category, keywords: [...list.keywords] };
    });
    stages.keyword_detector = stage(detectors.keywords, DEFAULT_PREFILTER);
  }
  // The regex stage always runs: it carries the built-in sexual/minors hard rules (the floor),
  // which requireMinorsRules switches on below.
  const tenantRegex = detectors.regex?.rules ?? [];
  options.regexRules = tenantRegex.map((rule, i) => {
    addRule({ id: rule.id, category: rule.category, action: rule.action }, [direction, 'detectors', 'regex', 'rules', i, 'id']);
    return { id: rule.id, pattern: rule.pattern, category: rule.category, ...(rule.flags ? { flags: rule.flags } : {}), ...(rule.normalized === undefined ? {} : { normalized: rule.normalized }) };
  });
  stages.regex = stage(detectors.regex, DEFAULT_PREFILTER);

  const roles = direction === 'input' ? (config.input?.roles ?? DEFAULT_INPUT_ROLES) : (['assistant'] as const);
  return {
    direction,
    bands: resolveBands(config, direction, chain),
    detectorOptions: requireMinorsRules(options),
    stages,
    classifier: stage(policy?.classifier, DEFAULT_CLASSIFIER),
    piiActions,
    secretActions,
    injection,
    sponge,
    sanity: { action: detectors.sanity?.action ?? 'block' },
    systemPrompt,
    copyright,
    topic,
    rules,
    roles: [...new Set(roles)],
  };
}

/** `secretEnv`: where an enabled judge's required `${NAME}` key must be set; undefined skips the check (a lint). */
function resolveJudge(config: ProfileConfig, chain: readonly ParsedPolicyFile[], secretEnv: EnvMap | undefined): ResolvedJudgePolicy {
  const judge = config.judge;
  const onError = judge?.on_error === 'classifier' ? 'fallback' : judge?.on_error;
  const base = stage({ mode: judge?.mode, on_error: onError, timeout_ms: judge?.timeout_ms }, DEFAULT_JUDGE);
  const enabled = judge?.enabled === 'auto' ? judge.base_url !== undefined : (judge?.enabled ?? false);
  if (enabled && judge?.base_url === undefined) {
    throw errorAt(chain, ['judge', 'base_url'], 'an enabled judge needs base_url, an OpenAI-compatible endpoint such as http://127.0.0.1:8000/v1');
  }
  if (enabled && judge?.model === undefined) throw errorAt(chain, ['judge', 'model'], 'an enabled judge needs model');
  const missingKey = enabled && secretEnv && judge?.api_key ? missingSecret(judge.api_key, secretEnv) : null;
  if (missingKey) throw errorAt(chain, ['judge', 'api_key'], missingKey);
  const verdict = judge?.verdict ?? 'json';
  return {
    ...base,
    enabled,
    model: judge?.model ?? null,
    baseUrl: judge?.base_url?.replace(/\/+$/, '') ?? null,
    apiKeyEnv: (judge?.api_key && parseSecretReference(judge.api_key)?.variable) || null,
    verdict,
    maxTokens: judge?.max_tokens ?? (verdict === 'json' ? JUDGE_DEFAULTS.maxTokensJson : JUDGE_DEFAULTS.maxTokensLlamaGuard),
    temperature: judge?.temperature ?? JUDGE_DEFAULTS.temperature,
    maxInputChars: judge?.max_input_chars ?? JUDGE_DEFAULTS.maxInputChars,
    grayBand: { ...judge?.gray_band },
    cacheTtlMs: judge?.cache_ttl_ms ?? JUDGE_DEFAULTS.cacheTtlMs,
    cacheMaxEntries: judge?.cache_max_entries ?? JUDGE_DEFAULTS.cacheMaxEntries,
    concurrency: judge?.concurrency ?? JUDGE_DEFAULTS.concurrency,
    maxQueue: judge?.max_queue ?? JUDGE_DEFAULTS.maxQueue,
    streamTimeoutMs: judge?.stream_timeout_ms ?? Math.min(base.timeoutMs, JUDGE_DEFAULTS.streamTimeoutMs),
  };
}

/**
 * The judge's connection fields may read the environment (`base_url: ${JUDGE_BASE_URL:-}`); only
 * the `judge` block of a profile file is interpolated, and its api_key stays a reference.
 */
function withJudgeEnv(parsed: ParsedPolicyFile, env: EnvMap): ParsedPolicyFile {
  if (!isPlainObject(parsed.data) || !isPlainObject(parsed.data.judge)) return parsed;
  const { value, problems } = interpolateDocument(parsed.data.judge, { env, isVerbatim: (path) => path.length === 1 && path[0] === 'api_key' });
  if (problems.length > 0) throw new PolicyLoadError(problems.map((problem) => parsed.problemAt(['judge', ...problem.path], problem.message)));
  return { ...parsed, data: { ...parsed.data, judge: value } };
}

function resolveProfile(
  config: ProfileConfig,
  meta: { tenant: string | null; lineage: string[]; chain: readonly ParsedPolicyFile[]; secretEnv: EnvMap | undefined },
): ResolvedProfile {
  const violation = findFloorViolations(config)[0];
  if (violation) throw errorAt(meta.chain, violation.path, violation.message);
  return {
    name: config.profile,
    description: config.description ?? '',
    tenant: meta.tenant,
    lineage: meta.lineage,
    files: meta.chain.map((source) => source.path),
    softBlock: config.soft_block ?? 'block',
    judge: resolveJudge(config, meta.chain, meta.secretEnv),
    languages: { classifier: config.languages?.classifier ?? ['en'], unsupportedAction: config.languages?.unsupported_action ?? 'allow' },
    input: resolveDirection(config, 'input', meta.chain),
    output: resolveDirection(config, 'output', meta.chain),
    streamHoldBackChars: config.output?.stream_hold_back_chars ?? DEFAULT_STREAM_HOLD_BACK_CHARS,
  };
}

// ---- Public entry points -------------------------------------------------------------------------

interface LoadedProfile {
  readonly raw: unknown;
  readonly chain: readonly ParsedPolicyFile[];
  readonly resolved: ResolvedProfile;
}

/** Internal: the raw merged documents behind a registry, so tenant profiles can extend them. */
const rawByRegistry = new WeakMap<ProfileRegistry, ReadonlyMap<string, LoadedProfile>>();

/**
 * Load the shipped profiles (policies/profiles/*.yaml). Each must be complete (no `extends`) and
 * all five names must be present.
 */
export function loadShippedProfiles(sources: readonly PolicyFile[], env: EnvMap = {}, secretEnv?: EnvMap): ProfileRegistry {
  const loaded = new Map<string, LoadedProfile>();
  for (const source of sources) {
    const parsed = withJudgeEnv(parsePolicyFile(source), env);
    const config = validate(parsed.data, [parsed]);
    if (config.extends !== undefined) throw errorAt([parsed], ['extends'], 'shipped profiles are complete and cannot extend another');
    if (loaded.has(config.profile)) throw errorAt([parsed], ['profile'], `profile '${config.profile}' is defined twice`);
    const resolved = resolveProfile(config, { tenant: null, lineage: [config.profile], chain: [parsed], secretEnv });
    loaded.set(config.profile, { raw: parsed.data, chain: [parsed], resolved });
  }
  const missing = SHIPPED_PROFILE_NAMES.filter((name) => !loaded.has(name));
  if (missing.length > 0) throw new PolicyLoadError([{ file: 'policies/profiles', line: null, column: null, field: '', message: `missing shipped profile(s): ${missing.join(', ')}` }]);
  return registryOf(loaded);
}

/**
 * Load one tenant's profiles over the shipped ones. A tenant profile either `extends` a shipped
 * profile (or another of the tenant's, in any order) and overrides fields by deep merge, or is
 * complete on its own. A tenant profile may reuse a shipped name to replace it for that tenant.
 * The result holds the shipped profiles plus the tenant's.
 */
export function resolveTenantProfiles(
  tenant: string,
  sources: readonly PolicyFile[],
  shipped: ProfileRegistry,
  env: EnvMap = {},
  secretEnv?: EnvMap,
): ProfileRegistry {
  const base = rawByRegistry.get(shipped);
  if (!base) throw new Error('resolveTenantProfiles needs the registry returned by loadShippedProfiles');
  const pending = new Map<string, ParsedPolicyFile>();
  for (const source of sources) {
    const parsed = withJudgeEnv(parsePolicyFile(source), env);
    const name = isPlainObject(parsed.data) ? parsed.data.profile : undefined;
    if (typeof name !== 'string') throw errorAt([parsed], ['profile'], 'a profile file needs a `profile:` name');
    if (pending.has(name)) throw errorAt([parsed], ['profile'], `profile '${name}' is defined twice for tenant '${tenant}'`);
    pending.set(name, parsed);
  }

  const loaded = new Map(base);
  const done = new Map<string, LoadedProfile>();
  const visiting = new Set<string>();
  const load = (name: string): LoadedProfile => {
    const finished = done.get(name);
    if (finished) return finished;
    const parsed = pending.get(name)!;
    if (visiting.has(name)) throw errorAt([parsed], ['extends'], `profile '${name}' extends itself through a cycle`);
    visiting.add(name);
    const data = parsed.data as Record<string, unknown>;
    const parentName = data.extends;
    let merged: unknown = data;
    let chain: readonly ParsedPolicyFile[] = [parsed];
    let lineage = [name];
    if (parentName !== undefined) {
      if (typeof parentName !== 'string') throw errorAt([parsed], ['extends'], 'extends names a profile');
      // A tenant profile named like its parent (e.g. its own `default`) extends the shipped one.
      const parent = parentName !== name && pending.has(parentName) ? load(parentName) : base.get(parentName);
      if (!parent) throw errorAt([parsed], ['extends'], `unknown profile '${parentName}' (known: ${[...new Set([...base.keys(), ...pending.keys()])].join(', ')})`);
      const { extends: _dropped, ...override } = data;
      merged = deepMerge(parent.raw, override);
      chain = [parsed, ...parent.chain];
      lineage = [name, ...parent.resolved.lineage];
    }
    const config = validate(merged, chain);
    const resolved = resolveProfile(config, { tenant, lineage, chain, secretEnv });
    const entry = { raw: merged, chain, resolved };
    visiting.delete(name);
    done.set(name, entry);
    return entry;
  };
  for (const name of pending.keys()) loaded.set(name, load(name));
  return registryOf(loaded);
}

function registryOf(loaded: Map<string, LoadedProfile>): ProfileRegistry {
  const registry: ProfileRegistry = new Map([...loaded].map(([name, entry]) => [name, entry.resolved]));
  rawByRegistry.set(registry, loaded);
  return registry;
}
