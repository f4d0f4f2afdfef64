// Where the guardrails find an answer's texts (body-texts.ts): every choice's content, tool calls
// and reasoning (`reasoning_content`, `reasoning`, `reasoning_details`), each with its param path
// and a write-back to exactly that field, and a blocked choice keeping none of them.

import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/http/json.ts';
import { answerChoices, blockChoice, inputTextSlots } from '../../src/guardrails/body-texts.ts';

function answer(message: JsonObject): JsonObject {
  return { id: 'chatcmpl-1', object: 'chat.completion', choices: [{ index: 0, message, logprobs: null, finish_reason: 'stop' }] };
}

describe('answerChoices', () => {
  it('lists a message’s reasoning after its content, with param paths', () => {
    const body = answer({ role: 'assistant', content: 'the answer', reasoning_content: 'deepseek thinking', reasoning: 'openrouter thinking' });
    const [choice] = answerChoices('chat.completions', body);
    expect(choice!.slots.map((slot) => [slot.param, slot.text])).toEqual([
      ['choices[0].message.content', 'the answer'],
      ['choices[0].message.reasoning_content', 'deepseek thinking'],
      ['choices[0].message.reasoning', 'openrouter thinking'],
    ]);
  });

  it('lists the readable parts of reasoning_details, not encrypted ones', () => {
    const body = answer({
      role: 'assistant',
      content: null,
      reasoning_details: [
        { type: 'reasoning.summary', summary: 'a summary' },
        { type: 'reasoning.text', text: 'step by step', signature: 'sig' },
        { type: 'reasoning.encrypted', data: 'b64==' },
      ],
    });
    expect(answerChoices('chat.completions', body)[0]!.slots.map((slot) => slot.param)).toEqual(['choices[0].message.reasoning_details[0].summary', 'choices[0].message.reasoning_details[1].text']);
  });

  it('skips reasoning that is absent, null or not a string', () => {
    for (const reasoning of [undefined, null, 42, { text: 'x' }]) {
      const message: JsonObject = { role: 'assistant', content: 'hi' };
      if (reasoning !== undefined) message['reasoning_content'] = reasoning as JsonObject;
      expect(answerChoices('chat.completions', answer(message))[0]!.slots.map((slot) => slot.param)).toEqual(['choices[0].message.content']);
    }
  });

  it('writes a redacted reasoning text back to its own field of each choice', () => {
    const body: JsonObject = {
      choices: [
        { index: 0, message: { role: 'assistant', content: 'a', reasoning_content: 'mail jane@example.com' } },
        { index: 1, message: { role: 'assistant', content: 'b', reasoning: 'call 555' } },
      ],
    };
    const slots = answerChoices('chat.completions', body).flatMap((choice) => choice.slots);
    expect(slots.map((slot) => slot.param)).toEqual(['choices[0].message.content', 'choices[0].message.reasoning_content', 'choices[1].message.content', 'choices[1].message.reasoning']);
    slots[1]!.write(body, [{ type: 'pii/email', start: 5, end: 21, replacement: '[EMAIL]' }]);
    slots[3]!.write(body, [{ type: 'pii/phone', start: 5, end: 8, replacement: '[PHONE]' }]);
    expect(body['choices']).toMatchObject([{ message: { content: 'a', reasoning_content: 'mail [EMAIL]' } }, { message: { content: 'b', reasoning: 'call [PHONE]' } }]);
  });

  it('leaves completions answers as they were: one text per choice', () => {
    const body: JsonObject = { choices: [{ index: 0, text: 'done', reasoning: 'not a chat message' }] };
    expect(answerChoices('completions', body)[0]!.slots.map((slot) => slot.param)).toEqual(['choices[0].text']);
  });

  it('does not add reasoning to the texts of request messages', () => {
    const body: JsonObject = { messages: [{ role: 'assistant', content: 'earlier', reasoning_content: 'old thoughts' }] };
    expect(inputTextSlots('chat.completions', body, ['assistant']).map((slot) => slot.param)).toEqual(['messages[0].content']);
  });
});

describe('blockChoice', () => {
  it('keeps no reasoning, tool call or logprobs of a blocked chat choice', () => {
    const body = answer({
      role: 'assistant',
      content: 'fine',
      reasoning_content: 'bad thoughts',
      reasoning: 'bad thoughts',
      reasoning_details: [{ type: 'reasoning.text', text: 'bad thoughts' }],
      tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: '{}' } }],
    });
    const [choice] = answerChoices('chat.completions', body);
    (choice!.choice as JsonObject)['logprobs'] = { content: [] };
    blockChoice('chat.completions', choice!.choice, 'Blocked.');
    expect((body['choices'] as JsonObject[])[0]).toEqual({ index: 0, message: { role: 'assistant', content: 'Blocked.', refusal: null }, logprobs: null, finish_reason: 'content_filter' });
  });
});

describe('text slots', () => {
  it('joins the text parts of one message and writes a redaction across two parts into both', () => {
    const body: JsonObject = { messages: [{ role: 'user', content: [{ type: 'text', text: 'card 4111 1111 ' }, { type: 'image_url', image_url: { url: 'x' } }, { type: 'text', text: '1111 1111 ok' }] }] };
    const [slot] = inputTextSlots('chat.completions', body, ['user']);
    expect(slot!.text).toBe('card 4111 1111 1111 1111 ok');
    expect(slot!.param).toBe('messages[0].content');
    slot!.write(body, [{ type: 'pii/credit_card', start: 5, end: 24, replacement: '[CREDIT_CARD]' }]);
    const parts = (body['messages'] as JsonObject[])[0]!['content'] as JsonObject[];
    expect([parts[0]!['text'], parts[2]!['text']]).toEqual(['card [CREDIT_CARD]', ' ok']);
  });

  it('checks messages of roles the profile does not judge for sensitive data only', () => {
    const body: JsonObject = { messages: [{ role: 'system', content: 's' }, { role: 'user', content: 'u' }], prediction: { type: 'content', content: 'p' } };
    expect(inputTextSlots('chat.completions', body, ['user']).map((slot) => [slot.param, slot.scope])).toEqual([
      ['messages[0].content', 'sensitive_data'],
      ['messages[1].content', 'full'],
      ['prediction.content', 'sensitive_data'],
    ]);
  });

  it('reads every prose string of a tool schema, not its structure', () => {
    const body: JsonObject = {
      messages: [],
      tools: [{ type: 'function', function: { name: 'f', description: 'd', parameters: { type: 'object', properties: { a: { type: 'string', description: 'pd', enum: ['e1'] } }, required: ['a'] } } }],
    };
    expect(inputTextSlots('chat.completions', body, ['system']).map((slot) => slot.param)).toEqual([
      'tools[0].function.name',
      'tools[0].function.description',
      'tools[0].function.parameters.properties.a.description',
      'tools[0].function.parameters.properties.a.enum[0]',
    ]);
  });
});
