// Where the texts the guardrails check live in OpenAI request and answer bodies, and how to write a
// redacted text back to exactly that field. The rule: every text the model reads from a checked
// message is checked (content and its text/refusal parts, `name`, `refusal`, tool-call arguments,
// legacy `function_call`), content it cannot read is refused rather than passed, and every text
// of every answer choice the client (or its tool runner) reads is checked on the way back,
// reasoning included.

import { HttpError } from '../errors.ts';
import { isJsonObject, type JsonObject, type JsonValue } from '../http/json.ts';
import { formatFieldPath } from '../validation/field-path.ts';
import type { GuardedEndpoint } from './seam.ts';

/** One checked text and how to write it back: `write` replaces it in a (copied) body. */
export interface TextSlot {
  readonly text: string;
  /** OpenAI-style path of the field (`messages[1].tool_calls[0].function.arguments`), for `param`. */
  readonly param: string;
  readonly write: (body: JsonObject, text: string) => void;
}

type FieldPath = readonly (string | number)[];

function valueAt(root: JsonValue, path: FieldPath): JsonValue | undefined {
  let node: JsonValue | undefined = root;
  for (const key of path) {
    if (typeof key === 'number') node = Array.isArray(node) ? node[key] : undefined;
    else node = isJsonObject(node) ? node[key] : undefined;
    if (node === undefined) return undefined;
  }
  return node;
}

/** The string at `path` as a slot, or nothing when that field is absent or not a string. */
function stringSlot(body: JsonObject, path: FieldPath): TextSlot[] {
  const text = valueAt(body, path);
  if (typeof text !== 'string') return [];
  const parentPath = path.slice(0, -1);
  const key = path[path.length - 1]!;
  return [
    {
      text,
      param: formatFieldPath(path),
      write: (target, redacted) => {
        const parent = valueAt(target, parentPath) as JsonObject | JsonValue[];
        (parent as Record<string | number, JsonValue>)[key] = redacted;
      },
    },
  ];
}

function unsupported(what: string, param: string): HttpError {
  return new HttpError(400, `${what} cannot be checked by the guardrails; send text instead.`, { param, code: 'unsupported_guarded_input' });
}

/** Texts of one content part. Images are forwarded unclassified (documented); any other type is refused. */
function contentPartSlots(body: JsonObject, path: FieldPath, part: JsonValue): TextSlot[] {
  if (!isJsonObject(part)) return [];
  switch (part['type']) {
    case 'text':
      return stringSlot(body, [...path, 'text']);
    case 'refusal':
      return stringSlot(body, [...path, 'refusal']);
    case 'image_url':
      return [];
    default:
      // Audio, files and anything newer would reach the model unread: fail closed and say why.
      throw unsupported(`Content parts of type '${String(part['type'])}'`, formatFieldPath(path));
  }
}

/**
 * The role a message is checked as. Legacy `function` messages carry a function's result, exactly
 * what `tool` messages carry today, so they follow the `tool` setting.
 */
function policyRole(role: string): string {
  return role === 'function' ? 'tool' : role;
}

/** Texts of one chat message (a request message or an answer's `message`) at `at`. */
function chatMessageSlots(body: JsonObject, at: FieldPath, message: JsonObject): TextSlot[] {
  const slots: TextSlot[] = [];
  const content = message['content'];
  if (Array.isArray(content)) content.forEach((part, j) => slots.push(...contentPartSlots(body, [...at, 'content', j], part)));
  else slots.push(...stringSlot(body, [...at, 'content']));
  slots.push(...stringSlot(body, [...at, 'name']), ...stringSlot(body, [...at, 'refusal']));
  const toolCalls = message['tool_calls'];
  if (Array.isArray(toolCalls)) {
    toolCalls.forEach((_call, j) => {
      const call: FieldPath = [...at, 'tool_calls', j];
      slots.push(
        ...stringSlot(body, [...call, 'function', 'name']),
        ...stringSlot(body, [...call, 'function', 'arguments']),
        ...stringSlot(body, [...call, 'custom', 'name']),
        ...stringSlot(body, [...call, 'custom', 'input']),
      );
    });
  }
  slots.push(...stringSlot(body, [...at, 'function_call', 'name']), ...stringSlot(body, [...at, 'function_call', 'arguments']));
  return slots;
}

/** Spoken answers (`modalities: ["audio"]`) reach the client as audio the output guard cannot read. */
function refuseAudioOutput(body: JsonObject): void {
  const modalities = body['modalities'];
  if (Array.isArray(modalities) && modalities.some((modality) => modality !== 'text')) throw unsupported('Answers in modalities other than text', 'modalities');
  if (body['audio'] !== undefined && body['audio'] !== null) throw unsupported('Audio answers', 'audio');
}

function chatInputSlots(body: JsonObject, roles: readonly string[]): TextSlot[] {
  refuseAudioOutput(body);
  const messages = body['messages'];
  if (!Array.isArray(messages)) return [];
  return messages.flatMap((message, i) => {
    if (!isJsonObject(message) || typeof message['role'] !== 'string' || !roles.includes(policyRole(message['role']))) return [];
    return chatMessageSlots(body, ['messages', i], message);
  });
}

/** `prompt` (completions) or `input` (embeddings): a string or strings. Token ids cannot be read, so they are refused. */
function stringOrStringsSlots(body: JsonObject, key: 'prompt' | 'input'): TextSlot[] {
  const value = body[key];
  if (typeof value === 'string') return stringSlot(body, [key]);
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value.flatMap((_item, i) => stringSlot(body, [key, i]));
  if (value === undefined || value === null) return [];
  // Token-id input would pass unchecked: fail closed and say why.
  throw unsupported(`Token-id '${key}'`, key);
}

/** Every text of a request body the input guard checks, in body order (Responses bodies: responses-texts.ts). */
export function inputTextSlots(endpoint: Exclude<GuardedEndpoint, 'responses'>, body: JsonObject, roles: readonly string[]): TextSlot[] {
  switch (endpoint) {
    case 'chat.completions':
      return chatInputSlots(body, roles);
    case 'completions':
      // The model reads `suffix` as well as the prompt (it completes the text between them).
      return [...stringOrStringsSlots(body, 'prompt'), ...stringSlot(body, ['suffix'])];
    case 'embeddings':
      return stringOrStringsSlots(body, 'input');
  }
}

/** One choice of an answer and the texts in it; a block replaces the whole choice. */
export interface AnswerChoice {
  readonly choice: JsonObject;
  readonly slots: TextSlot[];
}

/**
 * Reasoning an answer's `message` carries beside its content, which the client reads too: not
 * OpenAI's shape, but what reasoning upstreams return: `reasoning_content` (DeepSeek, vLLM),
 * `reasoning` (OpenRouter, Ollama) and OpenRouter's `reasoning_details` parts (`text` of
 * `reasoning.text`, `summary` of `reasoning.summary`; `reasoning.encrypted` data nobody can read).
 */
function reasoningSlots(body: JsonObject, at: FieldPath, message: JsonObject): TextSlot[] {
  const slots = [...stringSlot(body, [...at, 'reasoning_content']), ...stringSlot(body, [...at, 'reasoning'])];
  const details = message['reasoning_details'];
  if (Array.isArray(details)) {
    details.forEach((_detail, j) => slots.push(...stringSlot(body, [...at, 'reasoning_details', j, 'text']), ...stringSlot(body, [...at, 'reasoning_details', j, 'summary'])));
  }
  return slots;
}

/** Every choice of a chat or completions answer (all `n` of them) with its texts. */
export function answerChoices(endpoint: GuardedEndpoint, body: JsonObject): AnswerChoice[] {
  const choices = body['choices'];
  if (endpoint === 'embeddings' || !Array.isArray(choices)) return [];
  return choices.flatMap((choice, k) => {
    if (!isJsonObject(choice)) return [];
    if (endpoint === 'completions') return [{ choice, slots: stringSlot(body, ['choices', k, 'text']) }];
    const message = choice['message'];
    if (!isJsonObject(message)) return [];
    const at: FieldPath = ['choices', k, 'message'];
    return [{ choice, slots: [...chatMessageSlots(body, at, message), ...reasoningSlots(body, at, message)] }];
  });
}

/**
 * Replaces a blocked choice by `message`: nothing of the original is kept that a client or its
 * tool runner would act on or read (tool calls, function call, audio, reasoning), and
 * `finish_reason` says why.
 */
export function blockChoice(endpoint: GuardedEndpoint, choice: JsonObject, message: string): void {
  if (endpoint === 'completions') choice['text'] = message;
  else choice['message'] = { role: 'assistant', content: message, refusal: null };
  choice['finish_reason'] = 'content_filter';
  dropLogprobs(choice);
}

/**
 * Logprobs spell out the generated tokens (`token`, `bytes`, `top_logprobs`; `tokens` on legacy
 * completions): once the guard blocked or redacted a choice's text they would give it back.
 */
export function dropLogprobs(choice: JsonObject): void {
  if (choice['logprobs'] !== undefined && choice['logprobs'] !== null) choice['logprobs'] = null;
}
