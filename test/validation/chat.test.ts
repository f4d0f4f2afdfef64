// Chat-completions validation: one failure per field family of the README's table, each reported
// with OpenAI's `param` path; valid bodies (with unknown fields) pass.

import { describe, expect, it } from 'vitest';
import { HttpError } from '../../src/errors.ts';
import { chatCompletionRequestSchema } from '../../src/validation/chat.ts';
import { completionRequestSchema } from '../../src/validation/completions.ts';
import { embeddingRequestSchema } from '../../src/validation/embeddings.ts';
import { assertValid } from '../../src/validation/issues.ts';
import { moderationRequestSchema } from '../../src/validation/moderations.ts';

const base = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] };
const tool = { type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } };

function paramOf(schema: Parameters<typeof assertValid>[0], body: unknown): string | null | undefined {
  try {
    assertValid(schema, body);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(HttpError);
    expect((error as HttpError).status).toBe(400);
    return (error as HttpError).param;
  }
}

/** The 400's message for `body`, or null when it is valid. */
function messageOf(schema: Parameters<typeof assertValid>[0], body: unknown): string | null {
  try {
    assertValid(schema, body);
    return null;
  } catch (error) {
    return (error as HttpError).message;
  }
}

describe('chat completions validation', () => {
  it.each([
    ['model', { ...base, model: '' }, 'model'],
    ['model missing', { messages: base.messages }, 'model'],
    ['messages empty', { ...base, messages: [] }, 'messages'],
    ['role', { ...base, messages: [{ role: 'wizard', content: 'x' }] }, 'messages[0].role'],
    ['content string', { ...base, messages: [{ role: 'system', content: 'a' }, { role: 'user', content: 'b' }, { role: 'user', content: 42 }] }, 'messages[2].content'],
    ['content part', { ...base, messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x', detail: 'ultra' } }] }] }, 'messages[0].content[0].image_url.detail'],
    ['tool message', { ...base, messages: [{ role: 'tool', content: 'x' }] }, 'messages[0].tool_call_id'],
    ['temperature', { ...base, temperature: 2.5 }, 'temperature'],
    ['top_p', { ...base, top_p: -0.1 }, 'top_p'],
    ['n', { ...base, n: 0 }, 'n'],
    ['max_tokens', { ...base, max_tokens: 1.5 }, 'max_tokens'],
    ['max_completion_tokens', { ...base, max_completion_tokens: 0 }, 'max_completion_tokens'],
    ['stop', { ...base, stop: ['a', 'b', 'c', 'd', 'e'] }, 'stop'],
    ['presence_penalty', { ...base, presence_penalty: 2.1 }, 'presence_penalty'],
    ['frequency_penalty', { ...base, frequency_penalty: -3 }, 'frequency_penalty'],
    ['logit_bias value', { ...base, logit_bias: { '50256': -101 } }, 'logit_bias.50256'],
    ['tool name', { ...base, tools: [{ type: 'function', function: { name: 'bad name!' } }] }, 'tools[0].function.name'],
    ['tool_choice', { ...base, tools: [tool], tool_choice: 'sometimes' }, 'tool_choice'],
    ['tool_choice without tools', { ...base, tool_choice: 'required' }, 'tool_choice'],
    ['response_format', { ...base, response_format: { type: 'yaml' } }, 'response_format.type'],
    ['json_schema name', { ...base, response_format: { type: 'json_schema', json_schema: { name: 'has space' } } }, 'response_format.json_schema.name'],
    ['stream', { ...base, stream: 'yes' }, 'stream'],
    ['stream_options without stream', { ...base, stream_options: { include_usage: true } }, 'stream_options'],
    ['stream_options field', { ...base, stream: true, stream_options: { include_usage: 'yes' } }, 'stream_options.include_usage'],
  ])('rejects a bad %s', (_family, body, param) => {
    expect(paramOf(chatCompletionRequestSchema, body)).toBe(param);
  });

  it('accepts a full valid request and leaves unknown fields alone', () => {
    const body = {
      ...base,
      messages: [
        { role: 'developer', content: [{ type: 'text', text: 'rules' }] },
        { role: 'user', content: [{ type: 'text', text: 'look' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }] },
        { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'c1', content: 'sunny' },
      ],
      temperature: 0,
      top_p: 1,
      n: 1,
      max_completion_tokens: 100,
      stop: 'END',
      presence_penalty: -2,
      frequency_penalty: 2,
      logit_bias: { '50256': -100 },
      tools: [tool],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      response_format: { type: 'json_schema', json_schema: { name: 'weather', schema: { type: 'object' }, strict: true } },
      stream: true,
      stream_options: { include_usage: true },
      seed: 7,
      some_future_field: { anything: true },
    };
    expect(paramOf(chatCompletionRequestSchema, body)).toBeUndefined();
  });

  it('tells a field of the wrong type from a missing one', () => {
    const message = (body: unknown) => messageOf(chatCompletionRequestSchema, body);
    expect(message({ ...base, temperature: '0.5' })).toBe("Invalid 'temperature': expected number, received string.");
    expect(message({ messages: base.messages })).toBe("Invalid 'model': is required.");
  });

  it('explains a failed union by the branch that matched the type, and a missing union field as required', () => {
    const message = (body: unknown) => messageOf(moderationRequestSchema, body);
    expect(message({ input: [] })).toBe("Invalid 'input': Too small: expected array to have >=1 items.");
    expect(message({})).toBe("Invalid 'input': is required.");
    expect(message({ input: 5 })).toBe("Invalid 'input': expected string or array.");
  });

  it('reports the path in the message too', () => {
    expect(() => assertValid(chatCompletionRequestSchema, { ...base, temperature: 9 })).toThrow(/Invalid 'temperature'/);
  });
});

describe('legacy completions and embeddings validation', () => {
  it('requires a prompt of a supported shape', () => {
    expect(paramOf(completionRequestSchema, { model: 'm' })).toBe('prompt');
    expect(paramOf(completionRequestSchema, { model: 'm', prompt: [1, 'a'] })).toMatch(/^prompt/);
    expect(paramOf(completionRequestSchema, { model: 'm', prompt: 'ok', logprobs: 9 })).toBe('logprobs');
    expect(paramOf(completionRequestSchema, { model: 'm', prompt: ['a', 'b'], stream: true })).toBeUndefined();
  });

  it('requires a non-empty embeddings input and a known encoding', () => {
    expect(paramOf(embeddingRequestSchema, { model: 'm', input: '' })).toBe('input');
    expect(paramOf(embeddingRequestSchema, { model: 'm', input: 'x', encoding_format: 'hex' })).toBe('encoding_format');
    expect(paramOf(embeddingRequestSchema, { model: 'm', input: [[1, 2], [3]] })).toBeUndefined();
  });
});
