// Count limits checked before a body is validated or guarded: how many messages, content parts
// and moderation inputs one request may carry. Each is a cheap length read, so a request with
// 30,000 messages is refused before zod or a detector walks any of them. Where OpenAI has a limit
// we default to it (2,048 messages, 2,048 moderation inputs) and word the 400 the way it does.

import { HttpError } from '../errors.ts';
import type { JsonObject } from '../http/json.ts';

export interface RequestCountLimits {
  /** `messages` entries of a chat completion (OpenAI: 2,048). */
  maxMessages: number;
  /** Content parts across all messages of a chat completion (ours: OpenAI documents none). */
  maxContentParts: number;
  /** Entries of a `/v1/moderations` `input` array (OpenAI: 2,048). */
  maxModerationInputs: number;
}

export const DEFAULT_REQUEST_COUNT_LIMITS: RequestCountLimits = { maxMessages: 2048, maxContentParts: 2048, maxModerationInputs: 2048 };

function arrayTooLong(param: string, max: number, length: number): HttpError {
  return new HttpError(400, `Invalid '${param}': array too long. Expected an array with maximum length ${max}, but got an array with length ${length} instead.`, {
    param,
    code: 'array_above_max_length',
  });
}

/** A chat completion's `messages` and content parts within the limits (shapes are zod's to check). */
export function assertChatCounts(body: JsonObject, limits: RequestCountLimits): void {
  const messages = body['messages'];
  if (!Array.isArray(messages)) return;
  if (messages.length > limits.maxMessages) throw arrayTooLong('messages', limits.maxMessages, messages.length);
  let parts = 0;
  for (let i = 0; i < messages.length; i++) {
    const content = (messages[i] as { content?: unknown } | null)?.content;
    if (!Array.isArray(content)) continue;
    parts += content.length;
    if (parts > limits.maxContentParts) {
      throw new HttpError(400, `Invalid 'messages[${i}].content': too many content parts. A request may carry at most ${limits.maxContentParts} content parts across its messages.`, {
        param: `messages[${i}].content`,
        code: 'array_above_max_length',
      });
    }
  }
}

/** A moderation request's `input` array within the limit. */
export function assertModerationCounts(body: JsonObject, limits: RequestCountLimits): void {
  const input = body['input'];
  if (Array.isArray(input) && input.length > limits.maxModerationInputs) throw arrayTooLong('input', limits.maxModerationInputs, input.length);
}
