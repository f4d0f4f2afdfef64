// Which texts of Responses bodies the guardrails check (responses-texts.ts): request slots by
// role with their param paths, every readable output item text, and the blocked-answer shape.

import { describe, expect, it } from 'vitest';
import { blockResponse, responsesInputSlots, responsesOutputSlots, responsesSystemTexts } from '../../src/guardrails/responses-texts.ts';
import type { JsonObject } from '../../src/http/json.ts';

const ROLES = ['user', 'assistant', 'tool'];

describe('Responses request texts', () => {
  const body: JsonObject = {
    instructions: 'Be brief.',
    input: [
      { role: 'system', content: 'You are a bot.' },
      { role: 'user', content: [{ type: 'input_text', text: 'hello' }, { type: 'input_image', image_url: 'https://x/y.png' }] },
      { type: 'function_call', call_id: 'c', name: 'f', arguments: '{"a":1}' },
      { type: 'function_call_output', call_id: 'c', output: [{ type: 'input_text', text: 'result' }] },
      { type: 'reasoning', id: 'rs', summary: [{ type: 'summary_text', text: 'thinking' }], encrypted_content: 'opaque' },
      { type: 'item_reference', id: 'msg_1' },
    ],
    tools: [{ type: 'function', name: 'f', description: 'does f' }],
    prompt: { id: 'pmpt_1', variables: { city: 'Paris' } },
  };

  it('lists instructions, role-checked items, tool descriptions and prompt variables with their paths', () => {
    const slots = responsesInputSlots(body, ROLES);
    expect(slots.map((s) => [s.param, s.text])).toEqual([
      ['instructions', 'Be brief.'],
      // A role the profile does not judge is still checked for PII and secrets (issue 12).
      ['input[0].content', 'You are a bot.'],
      ['input[1].content[0].text', 'hello'],
      ['input[2].name', 'f'],
      ['input[2].arguments', '{"a":1}'],
      ['input[3].output[0].text', 'result'],
      ['input[4].summary[0].text', 'thinking'],
      ['tools[0].description', 'does f'],
      ['prompt.variables.city', 'Paris'],
    ]);
    expect(slots.find((s) => s.param === 'input[0].content')!.scope).toBe('sensitive_data');
    expect(responsesInputSlots(body, ['system', ...ROLES]).find((s) => s.param === 'input[0].content')!.scope).toBe('full');
  });

  it('writes a redacted text back to its field', () => {
    const copy = structuredClone(body);
    const slot = responsesInputSlots(copy, ROLES).find((s) => s.param === 'input[3].output[0].text')!;
    slot.write(copy, [{ type: 'pii/email', start: 0, end: slot.text.length, replacement: '[EMAIL]' }]);
    expect((copy['input'] as any)[3].output[0].text).toBe('[EMAIL]');
  });

  it('reads a string input as one slot, and the instructions a leak check compares against', () => {
    expect(responsesInputSlots({ input: 'hi' }, ROLES).map((s) => s.param)).toEqual(['input']);
    expect(responsesSystemTexts(body)).toEqual(['Be brief.', 'You are a bot.']);
  });
});

describe('Responses answer texts', () => {
  const answer = (): JsonObject => ({
    id: 'resp_1',
    status: 'completed',
    output: [
      { type: 'reasoning', id: 'rs', summary: [{ type: 'summary_text', text: 'plan' }] },
      { type: 'message', id: 'msg_1', role: 'assistant', content: [{ type: 'output_text', text: 'answer', logprobs: [{ token: 'answer' }] }, { type: 'refusal', refusal: 'no' }] },
      { type: 'function_call', call_id: 'c', name: 'send', arguments: '{}' },
      { type: 'web_search_call', id: 'ws', status: 'completed' },
    ],
  });

  it('lists every text the client reads, in output order', () => {
    expect(responsesOutputSlots(answer()).map((s) => s.param)).toEqual([
      'output[0].summary[0].text',
      'output[1].content[0].text',
      'output[1].content[1].refusal',
      'output[2].name',
      'output[2].arguments',
    ]);
  });

  it('drops logprobs beside a rewritten text', () => {
    const body = answer();
    responsesOutputSlots(body)[1]!.write(body, [{ type: 'x', start: 0, end: 6, replacement: 'redacted' }]);
    expect((body['output'] as any)[1].content[0]).toMatchObject({ text: 'redacted', logprobs: [] });
  });

  it('blocks as the API filters: status incomplete, content_filter, one refusal message', () => {
    const body = answer();
    blockResponse(body, 'Blocked by the output guardrails: violence.');
    expect(body).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'content_filter' } });
    expect(body['output']).toEqual([{ type: 'message', id: 'msg_1', status: 'incomplete', role: 'assistant', content: [{ type: 'refusal', refusal: 'Blocked by the output guardrails: violence.' }] }]);
  });
});
