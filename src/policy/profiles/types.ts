// The resolved shape of a threshold profile: what resolve.ts turns a profile file into, once per
// load, and what the guard engine reads as it is (thresholds, stage policies, actions, rules).

import type { ModerationCategory } from '../../categories.ts';
import type { DetectorSuiteOptions, PiiType, SecretType } from './detector-options.ts';
import type { ChatRole, MatchAction, Mode, OnError, RuleAction, SensitiveDataAction } from './schema.ts';

export interface StagePolicy {
  readonly timeoutMs: number;
  readonly onError: OnError;
  readonly mode: Mode;
}

export interface ResolvedBand {
  /** Gray band start (soft_block, judge); null: no gray band. */
  readonly review: number | null;
  /** Block at or above; null: the score alone never blocks. */
  readonly block: number | null;
  readonly mode: Mode;
}

/** How a keyword or regex rule's findings are treated. */
export interface ResolvedRule {
  readonly id: string;
  readonly category: string;
  readonly action: MatchAction;
}

export type PrefilterStage = 'input_sanity' | 'pii' | 'secrets' | 'injection_attack' | 'sponge_attack' | 'keyword_detector' | 'regex' | 'system_prompt' | 'copyright_ip' | 'topic' | 'harm_phrases';

/** One topic of the topic stage, resolved. */
export interface ResolvedTopic {
  readonly id: string;
  readonly kind: 'banned' | 'allowed';
  readonly keywords: readonly string[];
  readonly categories: readonly ModerationCategory[];
  readonly minScore: number;
}

export interface ResolvedDirection {
  readonly direction: 'input' | 'output';
  readonly bands: Readonly<Record<ModerationCategory, ResolvedBand>>;
  /** What `buildDetectors` gets for this direction. */
  readonly detectorOptions: DetectorSuiteOptions;
  /** Time budget, on_error and mode per pre-filter stage that runs. */
  readonly stages: Readonly<Partial<Record<PrefilterStage, StagePolicy>>>;
  readonly classifier: StagePolicy;
  readonly piiActions: Readonly<Record<PiiType, SensitiveDataAction>>;
  readonly secretActions: Readonly<Record<SecretType, SensitiveDataAction>>;
  readonly injection: { readonly action: RuleAction; readonly threshold: number };
  readonly sponge: { readonly action: RuleAction };
  readonly sanity: { readonly action: RuleAction };
  readonly systemPrompt: { readonly action: RuleAction };
  readonly copyright: { readonly action: RuleAction };
  /** Banned and allowed topics (the topic stage, after the classifier). */
  readonly topic: { readonly action: RuleAction; readonly topics: readonly ResolvedTopic[]; readonly minWords: number };
  /** Keyword lists and tenant regex rules by id. The built-in `minors.*` rules need no entry: any sexual/minors finding blocks. */
  readonly rules: Readonly<Record<string, ResolvedRule>>;
  /** Input only: which chat roles are checked. Output checks the assistant's answer. */
  readonly roles: readonly ChatRole[];
}

export interface ResolvedJudgePolicy extends StagePolicy {
  readonly enabled: boolean;
  readonly model: string | null;
  /** OpenAI-compatible base URL without a trailing slash (`.../v1`); set whenever enabled. */
  readonly baseUrl: string | null;
  /** The environment variable holding the judge's key (never the key itself); null: no Authorization. */
  readonly apiKeyEnv: string | null;
  readonly verdict: 'json' | 'llama_guard';
  readonly maxTokens: number;
  readonly temperature: number;
  readonly maxInputChars: number;
  /** Gray bands set for the judge; a category not listed uses the direction's review..block band. */
  readonly grayBand: Readonly<Partial<Record<ModerationCategory, { readonly from: number; readonly to: number }>>>;
  readonly cacheTtlMs: number;
  readonly cacheMaxEntries: number;
  readonly concurrency: number;
  readonly maxQueue: number;
  readonly streamTimeoutMs: number;
}

export interface ResolvedProfile {
  readonly name: string;
  readonly description: string;
  /** null for a shipped profile. */
  readonly tenant: string | null;
  /** This profile and its bases, nearest first: ['acme-kids', 'kids']. */
  readonly lineage: readonly string[];
  /** Files it was built from, for error messages and audits. */
  readonly files: readonly string[];
  readonly softBlock: 'block' | 'warn';
  readonly judge: ResolvedJudgePolicy;
  /** Language identification: the classifier's languages and what a text in another one gets. */
  readonly languages: { readonly classifier: readonly string[]; readonly unsupportedAction: 'allow' | 'review' | 'judge' | 'block' };
  readonly input: ResolvedDirection;
  readonly output: ResolvedDirection;
  /** Streamed answers: characters held back per text until they are decided. */
  readonly streamHoldBackChars: number;
}

export type ProfileRegistry = ReadonlyMap<string, ResolvedProfile>;
