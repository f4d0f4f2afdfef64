// Reads one policy file's YAML and locates fields in it: the line and column of a field path (or
// of its nearest existing ancestor, for a missing field), and one issue formatter for schema
// failures, shared by tenant files and profiles.

import { LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { formatFieldPath } from '../validation/field-path.ts';
import { resolveIssue } from '../validation/issues.ts';
import { PolicyLoadError, type PolicyProblem } from './errors.ts';
import type { PolicyFile } from './types.ts';

export type FieldPath = readonly PropertyKey[];

export interface ParsedPolicyFile {
  readonly path: string;
  readonly data: unknown;
  /** How much of `path` exists in the document, and the position of the deepest node that does. */
  locate(path: FieldPath): { depth: number; line: number | null; column: number | null };
  /** A problem at `path` of this file. */
  problemAt(path: FieldPath, message: string): PolicyProblem;
}

/** Parses `file`; a YAML syntax error throws PolicyLoadError with every error's line and column. */
export function parsePolicyFile(file: PolicyFile): ParsedPolicyFile {
  const lines = new LineCounter();
  const document: Document = parseDocument(file.content, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new PolicyLoadError(
      document.errors.map((error) => {
        const position = lines.linePos(error.pos[0]);
        return { file: file.path, line: position.line, column: position.col, field: '', message: `invalid YAML: ${error.message.split('\n')[0] ?? 'syntax error'}` };
      }),
    );
  }
  const locate = (path: FieldPath) => {
    for (let depth = path.length; depth >= 0; depth--) {
      const node = depth === 0 ? document.contents : document.getIn(path.slice(0, depth) as unknown[], true);
      const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
      if (range) {
        const position = lines.linePos(range[0]);
        return { depth, line: position.line, column: position.col };
      }
    }
    return { depth: 0, line: null, column: null };
  };
  return {
    path: file.path,
    data: document.toJS(),
    locate,
    problemAt(path, message) {
      const { line, column } = locate(path);
      return { file: file.path, line, column, field: formatFieldPath(path), message };
    },
  };
}

/** Where a schema issue points (an unknown key at the key itself, not its parent) and what it says. */
export function describeSchemaIssue(issue: z.core.$ZodIssue): { path: FieldPath; message: string } {
  const resolved = resolveIssue(issue);
  if (issue.code === 'unrecognized_keys' && issue.keys.length === 1) return { path: [...resolved.path, issue.keys[0]!], message: resolved.message };
  return resolved;
}
