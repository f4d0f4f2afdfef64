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
    slots[1]!.write(body, 'mail [EMAIL]');
    slots[3]!.write(body, 'call [PHONE]');
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
