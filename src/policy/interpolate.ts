// `${NAME}` and `${NAME:-default}` interpolation of string values in a parsed policy document.
// Secrets (`api_keys`, `upstream.api_key`) are left as references here and resolved by the loader,
// so the schema can insist that they are references.

export type EnvMap = Readonly<Record<string, string | undefined>>;

const PLACEHOLDER = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export interface InterpolationProblem {
  path: (string | number)[];
  message: string;
}

export interface InterpolateOptions {
  env: EnvMap;
  /** Paths whose values are kept verbatim (compared by key names, array indices ignored). */
  isVerbatim: (path: readonly (string | number)[]) => boolean;
}

/** Returns a copy of `value` with placeholders replaced, and every unresolved variable as a problem. */
export function interpolateDocument(
  value: unknown,
  options: InterpolateOptions,
): { value: unknown; problems: InterpolationProblem[] } {
  const problems: InterpolationProblem[] = [];
  const walk = (node: unknown, path: (string | number)[]): unknown => {
    if (options.isVerbatim(path)) return node;
    if (typeof node === 'string') return interpolateString(node, options.env, path, problems);
    if (Array.isArray(node)) return node.map((item, index) => walk(item, [...path, index]));
    if (typeof node === 'object' && node !== null) {
      return Object.fromEntries(Object.entries(node).map(([key, item]) => [key, walk(item, [...path, key])]));
    }
    return node;
  };
  return { value: walk(value, []), problems };
}

function interpolateString(
  text: string,
  env: EnvMap,
  path: (string | number)[],
  problems: InterpolationProblem[],
): string {
  return text.replace(PLACEHOLDER, (_match, variable: string, fallback: string | undefined) => {
    const resolved = env[variable];
    if (resolved !== undefined && resolved !== '') return resolved;
    if (fallback !== undefined) return fallback;
    problems.push({ path, message: `environment variable ${variable} is not set and has no default (write \${${variable}:-value})` });
    return '';
  });
}
