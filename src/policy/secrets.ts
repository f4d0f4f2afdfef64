// Secrets in policy files are `${NAME}` references read from the environment at load. `${NAME}`
// must be set and non-empty (an unset one is a load error naming the variable, rather than a key
// that silently fails every request); `${NAME:-}` says the secret may be unset or empty.

import type { EnvMap } from './interpolate.ts';

/**
 * `${NAME}`: a reference to an environment variable, the only way a secret may appear in a file.
 * `${NAME:-}` marks one that may be unset or empty; no other default is allowed.
 */
export const ENV_REFERENCE = /^\$\{([A-Za-z_][A-Za-z0-9_]*)(:-)?\}$/;

export interface SecretReference {
  readonly variable: string;
  /** Written `${NAME:-}`: unset or empty is allowed and means "no secret". */
  readonly optional: boolean;
}

/** The variable a reference names; null for anything that is not a `${NAME}` / `${NAME:-}` reference. */
export function parseSecretReference(reference: string): SecretReference | null {
  const match = ENV_REFERENCE.exec(reference);
  return match ? { variable: match[1]!, optional: match[2] !== undefined } : null;
}

/** The secret's value, trimmed; '' when the variable is unset or the text is not a reference. */
export function readSecret(reference: string, env: EnvMap): string {
  const parsed = parseSecretReference(reference);
  return parsed ? (env[parsed.variable] ?? '').trim() : '';
}

/** Why a required reference cannot be read, or null when it can (or may be empty). */
export function missingSecret(reference: string, env: EnvMap): string | null {
  const parsed = parseSecretReference(reference);
  if (!parsed || parsed.optional || readSecret(reference, env) !== '') return null;
  const state = env[parsed.variable] === undefined ? 'is not set' : 'is empty';
  return `environment variable ${parsed.variable} ${state}; set it, or write \${${parsed.variable}:-} if this secret may be absent`;
}
