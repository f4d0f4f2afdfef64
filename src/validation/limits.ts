// Count limits checked before a body is parsed, validated or guarded: how many messages, content
// parts and moderation inputs one request may carry. They are read from the body's text
// (http/json-shape.ts), so a request with 30,000 messages is refused before JSON.parse builds
// them or zod or a detector walks any of them. Where OpenAI has a limit
// we default to it (2,048 messages, 2,048 moderation inputs) and word the 400 the way it does.

import { HttpError } from '../errors.ts';
import type { BodyCountCheck } from '../http/json-body.ts';
import type { CountedArray } from '../http/json-shape.ts';

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

/** Content parts across a counted array's elements over the limit: the index where the running total passed it, or -1. */
function partsOverLimit(arrays: readonly CountedArray[] | undefined, max: number): number {
  for (const array of arrays ?? []) {
    let parts = 0;
    for (let i = 0; i < array.parts.length; i++) {
      parts += array.parts[i]!;
      if (parts > max) return i;
    }
  }
  return -1;
}

/** The longest of a member's arrays (a duplicated key counts at its worst). */
function longest(arrays: readonly CountedArray[] | undefined): number {
  return Math.max(0, ...(arrays ?? []).map((array) => array.length));
}

/**
 * `member`'s entries within MAX_MESSAGES and the content parts across them within
 * MAX_CONTENT_PARTS: `partsParam(i)` names the entry where the parts ran over, `entries` what the
 * message calls them.
 */
export function entriesAndParts(limits: RequestCountLimits, member: string, nested: readonly string[], partsParam: (at: number) => string, entries: string): BodyCountCheck {
  return {
    query: { members: [member], nested },
    check(shape) {
      const arrays = shape.arrays.get(member);
      const length = longest(arrays);
      if (length > limits.maxMessages) throw arrayTooLong(member, limits.maxMessages, length);
      const at = partsOverLimit(arrays, limits.maxContentParts);
      if (at < 0) return;
      const param = partsParam(at);
      throw new HttpError(400, `Invalid '${param}': too many content parts. A request may carry at most ${limits.maxContentParts} content parts across its ${entries}.`, {
        param,
        code: 'array_above_max_length',
      });
    },
  };
}

/** A chat completion's `messages` and their content parts within the limits (shapes are zod's to check). */
export function chatCounts(limits: RequestCountLimits): BodyCountCheck {
  return entriesAndParts(limits, 'messages', ['content'], (at) => `messages[${at}].content`, 'messages');
}

/** A moderation request's `input` array within the limit. */
export function moderationCounts(limits: RequestCountLimits): BodyCountCheck {
  return {
    query: { members: ['input'], nested: [] },
    check(shape) {
      const length = longest(shape.arrays.get('input'));
      if (length > limits.maxModerationInputs) throw arrayTooLong('input', limits.maxModerationInputs, length);
    },
  };
}
