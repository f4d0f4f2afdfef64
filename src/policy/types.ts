// The loaded, immutable policy snapshot the app serves from: tenants, their key hashes, deployments
// and profiles. Built by `loadPolicySnapshot` from YAML files; swapped whole on reload, never mutated.
// `G` is what the injected factory builds per profile at load (the guard engine's Guard on a
// server); the policy wing never looks inside it.

import type { KeyScrubber } from '../logging/key-scrub.ts';
import type { PolicyProblem } from './errors.ts';
import type { ProfileRegistry, ResolvedProfile } from './profiles/types.ts';
import type { TenantFile } from './schema.ts';

export interface LoadedUpstream {
  /** Base URL without a trailing slash, e.g. `https://api.openai.com/v1`. */
  readonly baseUrl: string;
  /** The deployment's own upstream key; null when none is configured (no Authorization is sent). */
  readonly apiKey: string | null;
  readonly timeoutMs: number;
  /** Longest wait between two chunks of a streamed answer. */
  readonly streamIdleTimeoutMs: number;
  /** Scrubs runs of `apiKey` from the upstream's errors before they are relayed; built at load. */
  readonly keyScrubber: KeyScrubber;
}

export interface LoadedModelPolicy {
  /** Allowed model ids; `*` matches any run of characters. Empty when `override` is set. */
  readonly allow: readonly string[];
  /** When set, every request uses this model whatever it asked for. */
  readonly override: string | null;
  /** Used when a request names no model (the Enkrypt alias allows that). */
  readonly defaultModel: string | null;
  /** `models.categories` in file order: the first glob matching a model id gives its category. */
  readonly categories: ReadonlyArray<{ readonly pattern: string; readonly category: string }>;
}

/** A deployment's guardrail settings with defaults applied. */
export interface LoadedGuardrails {
  /** The deployment's default profile (also what /v1/moderations uses for it). */
  readonly profile: string;
  readonly inputProfile: string;
  readonly outputProfile: string;
  /** Overrides the profiles' `soft_block`; null: each profile decides. */
  readonly softBlock: 'block' | 'warn' | null;
  readonly streamMode: 'moderate' | 'buffer' | 'refuse';
  /** Judge-backed checks (`guardrails.judge_checks`); each null when not configured. */
  readonly judgeChecks?: LoadedJudgeChecks;
}

export type JudgeCheckAction = 'block' | 'soft_block' | 'monitor';

export interface LoadedJudgeChecks {
  readonly policyViolation: { readonly name: string; readonly policy: string; readonly input: boolean; readonly output: boolean; readonly action: JudgeCheckAction } | null;
  readonly bias: { readonly action: JudgeCheckAction } | null;
  readonly relevancy: { readonly action: JudgeCheckAction } | null;
  readonly hallucination: { readonly action: JudgeCheckAction } | null;
}

/** Token-bucket limits per minute; null where unset. */
export interface LoadedRateLimit {
  readonly requestsPerMinute: number | null;
  readonly tokensPerMinute: number | null;
}

export interface LoadedTenantRateLimits {
  /** The tenant's whole traffic together. */
  readonly tenant: LoadedRateLimit | null;
  /** Each proxy key on its own, unless `keys` has its own entry. */
  readonly perKey: LoadedRateLimit | null;
  /** Hex SHA-256 of a proxy key → its own per-key limit. */
  readonly keys: ReadonlyMap<string, LoadedRateLimit>;
}

export interface LoadedDeployment {
  readonly name: string;
  readonly tenant: string;
  readonly upstream: LoadedUpstream;
  readonly models: LoadedModelPolicy;
  readonly guardrails: LoadedGuardrails;
  /** The deployment's own limits over all the tenant's keys; null or absent when none. */
  readonly rateLimits?: LoadedRateLimit | null;
}

export interface LoadedTenant<G = unknown> {
  readonly name: string;
  /** The policy file it came from, relative to the policy directory. */
  readonly file: string;
  /** SHA-256 digests of the tenant's proxy keys (never the keys themselves). */
  readonly apiKeyHashes: readonly Uint8Array[];
  readonly defaultDeployment: LoadedDeployment;
  readonly deployments: ReadonlyMap<string, LoadedDeployment>;
  /** The schema-parsed file, for later loaders (profiles, rules) that extend the tenant schema. */
  readonly definition: TenantFile;
  /** `rate_limits` of the tenant file; absent when none. */
  readonly rateLimits?: LoadedTenantRateLimits;
  /** Shipped profiles plus the tenant's own (`tenants/<tenant>/profiles/*.yaml`); never another tenant's. */
  readonly profiles: ProfileRegistry;
  /** One guard per profile in `profiles`, built at load; empty when the loader had no guard factory. */
  readonly guards: ReadonlyMap<string, G>;
}

/**
 * Builds the guard for one resolved profile, at policy load (the runtime wires classifier and regex
 * engine). Throws ProfileBuildError for a profile it cannot build.
 */
export type GuardFactory<G> = (profile: ResolvedProfile, policyVersion: string) => G;

/** A parsed tenant file before its profiles are attached, with a locator for later problems. */
export interface ParsedTenant {
  readonly tenant: Omit<LoadedTenant, 'profiles' | 'guards'>;
  /** A problem at `path` of the tenant's file. */
  readonly locate: (path: readonly PropertyKey[], message: string) => PolicyProblem;
}

export interface PolicySnapshot<G = unknown> {
  /** sha256 over every loaded file (sorted by path): changes whenever any policy byte changes. */
  readonly version: string;
  readonly loadedAt: Date;
  readonly tenants: ReadonlyMap<string, LoadedTenant<G>>;
  /** False when no tenant has any proxy key: requests are then served as `anonymousTenant`. */
  readonly authEnabled: boolean;
  /** With auth off: the tenant named `default`, else the only tenant; null otherwise. */
  readonly anonymousTenant: LoadedTenant<G> | null;
  /** Scrubs runs of every upstream key and enabled judge key of this snapshot (for log lines). */
  readonly keyScrubber: KeyScrubber;
}

/** One policy file as read from disk (or bundled): path relative to the policy root, and its text. */
export interface PolicyFile {
  readonly path: string;
  readonly content: string;
}

/** Where policy files come from: the file system on Node, bundled text on Workers. */
export interface PolicySource {
  read(): Promise<PolicyFile[]>;
}

export interface ReloadOptions {
  /** Reload only this tenant's files (`tenants/<tenant>.yaml`, `tenants/<tenant>/**`); others stay as last loaded. */
  readonly tenant?: string;
}

/** Holds the current snapshot; `reload()` re-reads the source and swaps it atomically. */
export interface PolicyStore<G = unknown> {
  current(): PolicySnapshot<G>;
  /** Rejects with PolicyLoadError (the previous snapshot stays) when a file is invalid. */
  reload(options?: ReloadOptions): Promise<PolicySnapshot<G>>;
}
