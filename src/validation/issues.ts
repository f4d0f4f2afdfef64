// Turns zod issues into OpenAI's 400 envelope with `param` set to the offending field path
// (`messages[2].content`), descending into union branches to find the field that actually failed.
// `resolveIssue` is the one issue formatter: policy files (src/policy/yaml.ts) word theirs with it too.

import type { z } from 'zod';
import { HttpError } from '../errors.ts';
import { formatFieldPath } from './field-path.ts';

type Issue = z.core.$ZodIssue;

interface ResolvedIssue {
  path: PropertyKey[];
  message: string;
}

/** The most specific explanation of an issue: for a union, the branch that got furthest. */
export function resolveIssue(issue: Issue, base: readonly PropertyKey[] = []): ResolvedIssue {
  const path = [...base, ...issue.path];
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    // With reportInput the issue carries the input: none at all means the field is missing.
    if ('input' in issue && issue.input === undefined) return { path, message: 'is required' };
    // The branch that got furthest; on a tie, one whose type matched but broke a constraint.
    const rank = (first: Issue) => first.path.length * 2 + (first.code === 'invalid_type' ? 0 : 1);
    let best: Issue | undefined;
    for (const branch of issue.errors) {
      const first = branch[0];
      if (first && (!best || rank(first) > rank(best))) best = first;
    }
    if (best && best.path.length > 0) return resolveIssue(best, path);
    const expected = issue.errors
      .map((branch) => branch[0])
      .filter((first): first is Issue => first?.code === 'invalid_type')
      .map((first) => (first as { expected?: string }).expected);
    if (expected.length === issue.errors.length) return { path, message: `expected ${[...new Set(expected)].join(' or ')}` };
    if (best) return resolveIssue(best, path);
  }
  return { path, message: describe(issue) };
}

function describe(issue: Issue): string {
  if (issue.code === 'invalid_type' && issue.input === undefined) return 'is required';
  // Request schemas keep unknown fields (they are forwarded); policy schemas are strict.
  if (issue.code === 'unrecognized_keys') return `unknown field(s) ${issue.keys.map((key) => `"${key}"`).join(', ')} (a typo?)`;
  return issue.message.replace(/^Invalid input: /, '');
}

/** The 400 a client gets for the first failing field, the way OpenAI reports one at a time. */
export function validationError(error: z.ZodError): HttpError {
  const first = error.issues[0];
  if (!first) return new HttpError(400, 'Invalid request body.');
  const { path, message } = resolveIssue(first);
  const param = path.length > 0 ? formatFieldPath(path) : null;
  return new HttpError(400, param ? `Invalid '${param}': ${message}.` : `Invalid request body: ${message}.`, { param });
}

/** Parses with `schema`, throwing the OpenAI-shaped 400 on failure. */
export function parseValid<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  // reportInput: an issue then tells a missing field ("is required") from one of the wrong type.
  const result = schema.safeParse(body, { reportInput: true });
  if (!result.success) throw validationError(result.error);
  return result.data;
}

/** Validates with `schema`, throwing the OpenAI-shaped 400 on failure; the caller forwards the original. */
export function assertValid(schema: z.ZodType, body: unknown): void {
  parseValid(schema, body);
}
