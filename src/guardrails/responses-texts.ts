// Where the texts live in Responses API bodies (POST /v1/responses, https://platform.openai.com/docs/api-reference/responses):
// every text the model reads from a request (`instructions`, `input` as a string or items:
// message text parts, function and custom tool call outputs, a replayed call's arguments,
// reasoning summaries, tool descriptions, prompt variables), and every text of an answer's `output`
// items the client or its tool runner reads. Content the guardrails cannot read is refused, not
// passed. Texts are found by their path inside an item so the stream guard can name the same field
// whether it arrives as deltas, in an item, or in the final response.

import { HttpError } from '../errors.ts';
import { isJsonObject, type JsonObject, type JsonValue } from '../http/json.ts';
import { formatFieldPath } from '../validation/field-path.ts';
import type { CheckScope } from '../guard/types.ts';
import { applyRedactions, type TextSlot } from './text-slots.ts';

type FieldPath = readonly (string | number)[];

/** One text inside an item (or the body), by its path there. */
export interface ItemText {
  readonly path: FieldPath;
  readonly text: string;
}

function stringAt(root: JsonValue, path: FieldPath): string | undefined {
  let node: JsonValue | undefined = root;
  for (const key of path) {
    if (typeof key === 'number') node = Array.isArray(node) ? node[key] : undefined;
    else node = isJsonObject(node) ? node[key] : undefined;
    if (node === undefined) return undefined;
  }
  return typeof node === 'string' ? node : undefined;
}

/**
 * Writes `text` at `path` inside `root` (the field exists: it was read from a copy of the same
 * body). Logprobs beside a rewritten text would spell out the original tokens, so they go.
 */
export function writeAt(root: JsonValue, path: FieldPath, text: string): void {
  let node = root as Record<string | number, JsonValue>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, JsonValue>;
  const key = path[path.length - 1]!;
  if (node[key] === text) return;
  node[key] = text;
  if (Array.isArray(node['logprobs']) && node['logprobs'].length > 0) node['logprobs'] = [];
}

function texts(item: JsonValue, paths: readonly FieldPath[]): ItemText[] {
  return paths.flatMap((path) => {
    const text = stringAt(item, path);
    return text === undefined ? [] : [{ path, text }];
  });
}

function listed<T>(value: JsonValue | undefined, each: (entry: JsonValue, index: number) => T[]): T[] {
  return Array.isArray(value) ? value.flatMap(each) : [];
}

function unsupported(what: string, param: string): HttpError {
  return new HttpError(400, `${what} cannot be checked by the guardrails; send text instead.`, { param, code: 'unsupported_guarded_input' });
}

// ---- Requests ------------------------------------------------------------------------------------

/** Texts of a content part the model reads; images are forwarded unclassified (as on chat), files and audio refused. */
function inputPartTexts(part: JsonValue, at: FieldPath): ItemText[] {
  if (!isJsonObject(part)) return [];
  switch (part['type']) {
    case 'input_text':
    case 'output_text':
    case 'text':
    case 'summary_text':
    case 'reasoning_text':
      return texts(part, [['text']]);
    case 'refusal':
      return texts(part, [['refusal']]);
    case 'input_image':
      return [];
    default:
      throw unsupported(`Content parts of type '${String(part['type'])}'`, formatFieldPath(at));
  }
}

function contentTexts(item: JsonObject, key: string, at: FieldPath): ItemText[] {
  const value = item[key];
  if (typeof value === 'string') return [{ path: [key], text: value }];
  return listed(value, (part, j) => inputPartTexts(part, [...at, key, j]).map((t) => ({ path: [key, j, ...t.path], text: t.text })));
}

/** Item types that carry nothing the model reads as text from the client (ids, stored results). */
const TEXTLESS_ITEMS = new Set(['item_reference', 'web_search_call', 'image_generation_call']);

/** The chat role an input item is checked as (the profile's `input.roles`), and its texts. */
function inputItemTexts(item: JsonValue, at: FieldPath): { role: string; texts: ItemText[] } {
  if (!isJsonObject(item)) return { role: 'user', texts: [] };
  const type = item['type'] ?? 'message';
  switch (type) {
    case 'message':
      return { role: typeof item['role'] === 'string' ? item['role'] : 'user', texts: contentTexts(item, 'content', at) };
    case 'function_call_output':
    case 'custom_tool_call_output':
    case 'local_shell_call_output':
      return { role: 'tool', texts: contentTexts(item, 'output', at) };
    case 'function_call':
    case 'mcp_call':
      return { role: 'assistant', texts: texts(item, [['name'], ['arguments'], ['output']]) };
    case 'custom_tool_call':
      return { role: 'assistant', texts: texts(item, [['name'], ['input']]) };
    case 'reasoning':
      // encrypted_content is opaque to everyone but the model provider; the summary is readable text.
      return {
        role: 'assistant',
        texts: [
          ...listed(item['summary'], (_part, j) => texts(item, [['summary', j, 'text']])),
          ...listed(item['content'], (_part, j) => texts(item, [['content', j, 'text']])),
        ],
      };
    default:
      if (typeof type === 'string' && TEXTLESS_ITEMS.has(type)) return { role: 'assistant', texts: [] };
      // Computer screenshots, MCP approvals, file search results...: the model would read them unchecked.
      throw unsupported(`Input items of type '${String(type)}'`, formatFieldPath([...at, 'type']));
  }
}

function slotsFor(base: FieldPath, found: readonly ItemText[], scope: CheckScope = 'full'): TextSlot[] {
  return found.map(({ path, text }) => {
    const full = [...base, ...path];
    return { text, param: formatFieldPath(full), scope, write: (body, redactions, finish = (t) => t) => writeAt(body, full, finish(applyRedactions(text, redactions))) };
  });
}

/**
 * Every text of a Responses request the input guard checks, in body order. `instructions`, tool
 * descriptions and prompt variables are checked whatever `roles` says: they reach the model as
 * instructions, and on this API any client may set them per request. Message and tool items
 * follow `roles` as chat messages do (function_call_output as `tool`, replayed calls as `assistant`).
 */
export function responsesInputSlots(body: JsonObject, roles: readonly string[]): TextSlot[] {
  const slots = slotsFor([], texts(body, [['instructions']]));
  const input = body['input'];
  if (typeof input === 'string') slots.push(...slotsFor([], [{ path: ['input'], text: input }]));
  else if (Array.isArray(input)) {
    input.forEach((item, i) => {
      const found = inputItemTexts(item, ['input', i]);
      // Roles the profile does not judge are still checked for PII and secrets (issue 12).
      slots.push(...slotsFor(['input', i], found.texts, roles.includes(found.role) ? 'full' : 'sensitive_data'));
    });
  }
  listed(body['tools'], (tool, i) => (isJsonObject(tool) ? slotsFor(['tools', i], texts(tool, [['description']])) : [])).forEach((s) => slots.push(s));
  const prompt = body['prompt'];
  if (isJsonObject(prompt) && isJsonObject(prompt['variables'])) {
    for (const [name, value] of Object.entries(prompt['variables'])) {
      if (typeof value === 'string') slots.push(...slotsFor(['prompt', 'variables', name], [{ path: [], text: value }]));
      else if (isJsonObject(value)) slots.push(...slotsFor(['prompt', 'variables', name], inputPartTexts(value, ['prompt', 'variables', name])));
    }
  }
  return slots;
}

/** The instructions a request gives the model (`instructions`, system and developer items), e.g. for a system-prompt leak check. */
export function responsesSystemTexts(body: JsonObject): string[] {
  const found = texts(body, [['instructions']]).map((t) => t.text);
  listed(body['input'], (item) => (isJsonObject(item) && (item['role'] === 'system' || item['role'] === 'developer') ? [item] : [])).forEach((item) => {
    const content = item['content'];
    if (typeof content === 'string') found.push(content);
    else listed(content, (part) => (isJsonObject(part) && typeof part['text'] === 'string' ? [part['text']] : [])).forEach((t) => found.push(t));
  });
  return found;
}

// ---- Answers -------------------------------------------------------------------------------------

/** Texts of one output item the client (or its tool runner) reads, by path inside the item. */
export function outputItemTexts(item: JsonValue): ItemText[] {
  if (!isJsonObject(item)) return [];
  switch (item['type']) {
    case 'message':
      return listed(item['content'], (part, j) => {
        if (!isJsonObject(part)) return [];
        if (part['type'] === 'refusal') return texts(item, [['content', j, 'refusal']]);
        return texts(item, [['content', j, 'text']]);
      });
    case 'function_call':
    case 'mcp_call':
      return texts(item, [['name'], ['arguments'], ['output']]);
    case 'custom_tool_call':
      return texts(item, [['name'], ['input']]);
    case 'code_interpreter_call':
      return [...texts(item, [['code']]), ...listed(item['outputs'], (_o, j) => texts(item, [['outputs', j, 'logs']]))];
    case 'reasoning':
      return [
        ...listed(item['summary'], (_part, j) => texts(item, [['summary', j, 'text']])),
        ...listed(item['content'], (_part, j) => texts(item, [['content', j, 'text']])),
      ];
    default:
      return [];
  }
}

/** Every text of a Responses answer (a response object) the output guard checks, in output order. */
export function responsesOutputSlots(body: JsonObject): TextSlot[] {
  const slots = listed(body['output'], (item, o) => slotsFor(['output', o], outputItemTexts(item)));
  // Not on the wire from OpenAI (the SDKs compute it), but some compatible servers send it.
  slots.push(...slotsFor([], texts(body, [['output_text']])));
  return slots;
}

/** The output that replaces a blocked answer: one assistant message refusing with `message`. */
export function blockedOutput(message: string, id = 'msg_guardrails_blocked'): JsonValue[] {
  return [{ type: 'message', id, status: 'incomplete', role: 'assistant', content: [{ type: 'refusal', refusal: message }] }];
}

/**
 * Ends a blocked answer the way the API ends a filtered one: `status: "incomplete"` with
 * `incomplete_details.reason: "content_filter"`; nothing of the original output is kept.
 */
export function blockResponse(body: JsonObject, message: string): void {
  const first = listed(body['output'], (item) => (isJsonObject(item) && item['type'] === 'message' && typeof item['id'] === 'string' ? [item['id']] : []))[0];
  body['status'] = 'incomplete';
  body['incomplete_details'] = { reason: 'content_filter' };
  body['output'] = blockedOutput(message, first);
  if ('output_text' in body) body['output_text'] = '';
}
