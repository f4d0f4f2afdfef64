// How a route declares where the texts the guardrails check live in a JSON body, and how a
// redacted text goes back to exactly those fields: one string field (`stringSlot`), several
// fields the model reads as one text (`joinedSlot`: content parts of one message, so a number
// split over two parts is one number), and every text of a JSON schema (`schemaSlots`: tool and
// response-format parameters). body-texts.ts declares the chat, completions and embeddings slots
// with these; a new route (the Responses API) declares its own the same way.

import { isJsonObject, type JsonObject, type JsonValue } from '../http/json.ts';
import type { Redaction } from '../guard/redaction.ts';
import type { CheckScope } from '../guard/types.ts';
import { formatFieldPath } from '../validation/field-path.ts';

export type FieldPath = readonly (string | number)[];

/** One checked text and how to write it back into a (copied) body. */
export interface TextSlot {
  readonly text: string;
  /** OpenAI-style path of the field (`messages[1].tool_calls[0].function.arguments`), for `param`. */
  readonly param: string;
  /** `full`: every stage judges it. `sensitive_data`: PII and secrets only (a role the profile does not judge). */
  readonly scope: CheckScope;
  /**
   * Writes the text back with `redactions` (offsets into `text`, merged, left to right) applied;
   * `finish` maps each written field's new text (placeholders restored on the way back).
   */
  readonly write: (body: JsonObject, redactions: readonly Redaction[], finish?: (text: string) => string) => void;
}

export function valueAt(root: JsonValue, path: FieldPath): JsonValue | undefined {
  let node: JsonValue | undefined = root;
  for (const key of path) {
    if (typeof key === 'number') node = Array.isArray(node) ? node[key] : undefined;
    else node = isJsonObject(node) ? node[key] : undefined;
    if (node === undefined) return undefined;
  }
  return node;
}

function setAt(body: JsonObject, path: FieldPath, text: string): void {
  const parent = valueAt(body, path.slice(0, -1)) as JsonObject | JsonValue[];
  (parent as Record<string | number, JsonValue>)[path[path.length - 1]!] = text;
}

/** text[from, to) with the redactions that touch it applied; a redaction starting before `from` leaves only its removal here. */
function redactRange(text: string, from: number, to: number, redactions: readonly Redaction[]): string {
  let out = '';
  let position = from;
  for (const r of redactions) {
    if (r.end <= from || r.start >= to) continue;
    if (r.start >= position) out += text.slice(position, r.start);
    if (r.start >= from) out += r.replacement;
    position = Math.max(position, Math.min(to, r.end));
  }
  return out + text.slice(position, to);
}

const identity = (text: string) => text;

/** `text` with merged, left-to-right redactions (offsets into it) applied. */
export function applyRedactions(text: string, redactions: readonly Redaction[]): string {
  return redactRange(text, 0, text.length, redactions);
}

/** The string at `path` as a slot, or nothing when that field is absent or not a string. */
export function stringSlot(body: JsonObject, path: FieldPath, scope: CheckScope = 'full'): TextSlot[] {
  const text = valueAt(body, path);
  if (typeof text !== 'string') return [];
  return [
    {
      text,
      param: formatFieldPath(path),
      scope,
      write: (target, redactions, finish = identity) => setAt(target, path, finish(redactRange(text, 0, text.length, redactions))),
    },
  ];
}

/**
 * The strings at `paths` read as ONE text, concatenated in order (as a chat template puts a
 * message's text parts together), reported at `param`. A redaction across two fields replaces the
 * text in both: the replacement goes where it starts, the rest of it is removed from the next.
 */
export function joinedSlot(body: JsonObject, paths: readonly FieldPath[], param: string, scope: CheckScope = 'full'): TextSlot[] {
  const segments: { path: FieldPath; start: number; end: number }[] = [];
  let text = '';
  for (const path of paths) {
    const value = valueAt(body, path);
    if (typeof value !== 'string') continue;
    segments.push({ path, start: text.length, end: text.length + value.length });
    text += value;
  }
  if (segments.length === 0) return [];
  if (segments.length === 1) return stringSlot(body, segments[0]!.path, scope);
  return [
    {
      text,
      param,
      scope,
      write: (target, redactions, finish = identity) => {
        for (const segment of segments) setAt(target, segment.path, finish(redactRange(text, segment.start, segment.end, redactions)));
      },
    },
  ];
}

/** JSON Schema keywords whose values are structure, not prose the model reads as instructions or data. */
const SCHEMA_STRUCTURE_KEYS = new Set(['type', 'format', '$ref', '$schema', '$id', 'required']);
const MAX_SCHEMA_DEPTH = 32;

/**
 * Every string a JSON schema at `path` carries (descriptions, titles, enum values, defaults,
 * examples, patterns), each as a slot of its own; keys and structural keywords (`type`, `format`,
 * `$ref`, `required`) are left out.
 */
export function schemaSlots(body: JsonObject, path: FieldPath, scope: CheckScope = 'full'): TextSlot[] {
  const slots: TextSlot[] = [];
  const walk = (node: JsonValue | undefined, at: FieldPath, depth: number) => {
    if (depth > MAX_SCHEMA_DEPTH || node === undefined || node === null) return;
    if (typeof node === 'string') slots.push(...stringSlot(body, at, scope));
    else if (Array.isArray(node)) node.forEach((item, i) => walk(item, [...at, i], depth + 1));
    else if (isJsonObject(node)) {
      for (const [key, value] of Object.entries(node)) {
        if (SCHEMA_STRUCTURE_KEYS.has(key) && (typeof value === 'string' || Array.isArray(value))) continue;
        walk(value, [...at, key], depth + 1);
      }
    }
  };
  walk(valueAt(body, path), path, 0);
  return slots;
}
