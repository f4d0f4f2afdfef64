// What a Workers deployment binds (wrangler.toml): the model bucket, and the vars and secrets that
// policy files read through `${NAME}` references, exactly as Node reads its process environment.

import type { EnvMap } from '../policy/interpolate.ts';

export interface WorkersEnv {
  /** R2 bucket holding the ONNX model under `modelObjectKey(metadata)`. */
  readonly MODELS: R2Bucket;
  /** Overrides the model's object key (default: from the bundled metadata). */
  readonly CLASSIFIER_MODEL_KEY?: string;
  readonly LOG_LEVEL?: string;
  readonly MAX_BODY_BYTES?: string;
  /** Any other var or secret (`PROXY_API_KEYS`, `UPSTREAM_API_KEY`, …), for policy references. */
  readonly [name: string]: unknown;
}

/** The string-valued bindings (vars and secrets) as the environment of `${NAME}` references. */
export function policyEnvironment(env: WorkersEnv): EnvMap {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

/** MAX_BODY_BYTES as on Node: an integer from 1 KiB to 1 GiB; absent or blank keeps the default. */
export function readMaxBodyBytes(env: WorkersEnv): number | undefined {
  const raw = env.MAX_BODY_BYTES;
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1024 || value > 1024 * 1024 * 1024) {
    throw new Error(`MAX_BODY_BYTES must be an integer between 1024 and ${1024 * 1024 * 1024}, got "${raw}"`);
  }
  return value;
}
