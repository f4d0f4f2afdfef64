// The loaded, immutable policy snapshot the app serves from: tenants, their key hashes and deployments.
// Built by `loadPolicySnapshot` from YAML files; swapped whole on reload, never mutated.

import type { DeploymentGuardrails, TenantFile } from './schema.ts';

export interface LoadedUpstream {
  /** Base URL without a trailing slash, e.g. `https://api.openai.com/v1`. */
  readonly baseUrl: string;
  /** The deployment's own upstream key; null when none is configured (no Authorization is sent). */
  readonly apiKey: string | null;
  readonly timeoutMs: number;
}

export interface LoadedModelPolicy {
  /** Allowed model ids; `*` matches any run of characters. Empty when `override` is set. */
  readonly allow: readonly string[];
  /** When set, every request uses this model whatever it asked for. */
  readonly override: string | null;
  /** Used when a request names no model (the Enkrypt alias allows that). */
  readonly defaultModel: string | null;
}

export interface LoadedDeployment {
  readonly name: string;
  readonly tenant: string;
  readonly upstream: LoadedUpstream;
  readonly models: LoadedModelPolicy;
  readonly guardrails: DeploymentGuardrails;
}

export interface LoadedTenant {
  readonly name: string;
  /** The policy file it came from, relative to the policy directory. */
  readonly file: string;
  /** SHA-256 digests of the tenant's proxy keys (never the keys themselves). */
  readonly apiKeyHashes: readonly Uint8Array[];
  readonly defaultDeployment: LoadedDeployment;
  readonly deployments: ReadonlyMap<string, LoadedDeployment>;
  /** The schema-parsed file, for later loaders (profiles, rules) that extend the tenant schema. */
  readonly definition: TenantFile;
}

export interface PolicySnapshot {
  /** sha256 over every loaded file (sorted by path): changes whenever any policy byte changes. */
  readonly version: string;
  readonly loadedAt: Date;
  readonly tenants: ReadonlyMap<string, LoadedTenant>;
  /** False when no tenant has any proxy key: requests are then served as `anonymousTenant`. */
  readonly authEnabled: boolean;
  /** With auth off: the tenant named `default`, else the only tenant; null otherwise. */
  readonly anonymousTenant: LoadedTenant | null;
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

/** Holds the current snapshot; `reload()` re-reads the source and swaps it atomically. */
export interface PolicyStore {
  current(): PolicySnapshot;
  reload(): Promise<PolicySnapshot>;
}
