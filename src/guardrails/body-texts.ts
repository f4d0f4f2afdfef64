// Where the texts the guardrails check live in OpenAI request and answer bodies (declared with
// text-slots.ts). The rule: every text the model reads goes through the PII and secret detectors,
// whatever its role: messages of every role (content, text/refusal parts joined as one text,
// `name`, `refusal`, tool-call arguments, legacy `function_call`), tool and function definitions
// (names, descriptions, every text of their parameter schemas), the response format's schema and
// `prediction.content`. Which of them the classifier and injection rules judge is the profile's
// `input.roles` (tool definitions and the response format follow `system`, a prediction follows
// `assistant`); the rest is checked for sensitive data only. Content a judged message carries that
// the guard cannot read is refused rather than passed, and every text of every answer choice the
// client (or its tool runner) reads is checked on the way back, reasoning included.

import { HttpError } from '../errors.ts';
import type { CheckScope } from '../guard/types.ts';
import { isJsonObject, type JsonObject, type JsonValue } from '../http/json.ts';
import { formatFieldPath } from '../validation/field-path.ts';
import type { GuardedEndpoint } from './seam.ts';
import { joinedSlot, schemaSlots, stringSlot, type FieldPath, type TextSlot } from './text-slots.ts';

export type { TextSlot } from './text-slots.ts';

function unsupported(what: string, param: string): HttpError {
  return new HttpError(400, `${what} cannot be checked by the guardrails; send text instead.`, { param, code: 'unsupported_guarded_input' });
}

/**
 * The text and refusal parts of a message's content, joined as the model reads them. Images are
 * forwarded unclassified (documented); any other type is refused in a judged message (audio, files
 * and anything newer would reach the model unread) and skipped in one checked for data only.
 */
function contentSlots(body: JsonObject, at: FieldPath, content: JsonValue[], scope: CheckScope): TextSlot[] {
  const paths: FieldPath[] = [];
  content.forEach((part, j) => {
    if (!isJsonObject(part)) return;
    const path = [...at, 'content', j];
    if (part['type'] === 'text') paths.push([...path, 'text']);
    else if (part['type'] === 'refusal') paths.push([...path, 'refusal']);
    else if (part['type'] !== 'image_url' && scope === 'full') throw unsupported(`Content parts of type '${String(part['type'])}'`, formatFieldPath(path));
  });
  return joinedSlot(body, paths, formatFieldPath([...at, 'content']), scope);
}

/**
 * The role a message is checked as. Legacy `function` messages carry a function's result, exactly
 * what `tool` messages carry today, so they follow the `tool` setting.
 */
function policyRole(role: string): string {
  return role === 'function' ? 'tool' : role;
}

/** `full` when the profile judges `role`, else checked for sensitive data only. */
function scopeOf(roles: readonly string[], role: string): CheckScope {
  return roles.includes(policyRole(role)) ? 'full' : 'sensitive_data';
}

/** Texts of one chat message (a request message or an answer's `message`) at `at`. */
function chatMessageSlots(body: JsonObject, at: FieldPath, message: JsonObject, scope: CheckScope = 'full'): TextSlot[] {
  const slots: TextSlot[] = [];
  const content = message['content'];
  if (Array.isArray(content)) slots.push(...contentSlots(body, at, content, scope));
  else slots.push(...stringSlot(body, [...at, 'content'], scope));
  slots.push(...stringSlot(body, [...at, 'name'], scope), ...stringSlot(body, [...at, 'refusal'], scope));
  const toolCalls = message['tool_calls'];
  if (Array.isArray(toolCalls)) {
    toolCalls.forEach((_call, j) => {
      const call: FieldPath = [...at, 'tool_calls', j];
      // Arguments are JSON: the detectors' data view decodes their \u escapes (src/text/fold.ts).
      slots.push(
        ...stringSlot(body, [...call, 'function', 'name'], scope),
        ...stringSlot(body, [...call, 'function', 'arguments'], scope),
        ...stringSlot(body, [...call, 'custom', 'name'], scope),
        ...stringSlot(body, [...call, 'custom', 'input'], scope),
      );
    });
  }
  slots.push(...stringSlot(body, [...at, 'function_call', 'name'], scope), ...stringSlot(body, [...at, 'function_call', 'arguments'], scope));
  return slots;
}

/** Tool and function definitions: name, description and every text of the parameter schema. */
function definitionSlots(body: JsonObject, at: FieldPath, scope: CheckScope): TextSlot[] {
  return [...stringSlot(body, [...at, 'name'], scope), ...stringSlot(body, [...at, 'description'], scope), ...schemaSlots(body, [...at, 'parameters'], scope)];
}

/** What the model reads besides the messages: tools, legacy functions, the response format, a prediction. */
function requestExtraSlots(body: JsonObject, roles: readonly string[]): TextSlot[] {
  const definitions = scopeOf(roles, 'system');
  const slots: TextSlot[] = [];
  const tools = body['tools'];
  if (Array.isArray(tools)) {
    tools.forEach((_tool, i) => slots.push(...definitionSlots(body, ['tools', i, 'function'], definitions), ...definitionSlots(body, ['tools', i, 'custom'], definitions)));
  }
  const functions = body['functions'];
  if (Array.isArray(functions)) functions.forEach((_fn, i) => slots.push(...definitionSlots(body, ['functions', i], definitions)));
  slots.push(
    ...stringSlot(body, ['response_format', 'json_schema', 'name'], definitions),
    ...stringSlot(body, ['response_format', 'json_schema', 'description'], definitions),
    ...schemaSlots(body, ['response_format', 'json_schema', 'schema'], definitions),
  );
  // Predicted Outputs: text the model is told to expect in its answer (a string or text parts).
  const prediction = isJsonObject(body['prediction']) ? body['prediction']['content'] : undefined;
  const predicted = scopeOf(roles, 'assistant');
  if (Array.isArray(prediction)) {
    const paths = prediction.flatMap((part, j) => (isJsonObject(part) && part['type'] === 'text' ? [['prediction', 'content', j, 'text'] as FieldPath] : []));
    slots.push(...joinedSlot(body, paths, 'prediction.content', predicted));
  } else slots.push(...stringSlot(body, ['prediction', 'content'], predicted));
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
  const slots: TextSlot[] = [];
  if (Array.isArray(messages)) {
    messages.forEach((message, i) => {
      if (!isJsonObject(message) || typeof message['role'] !== 'string') return;
      slots.push(...chatMessageSlots(body, ['messages', i], message, scopeOf(roles, message['role'])));
    });
  }
  return [...slots, ...requestExtraSlots(body, roles)];
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

/** Every text of a request body the input guard checks (messages first), each with the scope it is checked in (Responses bodies: responses-texts.ts). */
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
