// A non-streamed chat answer's reasoning (`reasoning_content` from DeepSeek/vLLM, `reasoning` from
// OpenRouter) through the real output guardrails in memory: redacted in place like content, and a
// threat in it blocks the whole choice, reasoning and all.

import { describe, expect, it } from 'vitest';
import { createProxyGuardrails } from '../../src/guardrails/proxy-guardrails.ts';
import type { PolicyDetections } from '../../src/guardrails/report.ts';
import { createTestApp, type UpstreamAnswer } from '../helpers/app.ts';

const CHAT = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'think it through' }] };

function answering(message: Record<string, unknown>): UpstreamAnswer {
  return () =>
    Response.json({
      id: 'chatcmpl-reasoning',
      object: 'chat.completion',
      created: 1_700_000_000,
      model: 'gpt-4o-mini',
      choices: [{ index: 0, message: { role: 'assistant', refusal: null, ...message }, logprobs: null, finish_reason: 'stop' }],
    });
}

interface Answer {
  choices: Array<{ message: Record<string, unknown>; finish_reason: string }>;
  policy_detections: PolicyDetections;
}

async function chat(message: Record<string, unknown>): Promise<{ response: Response; answer: Answer }> {
  const testApp = await createTestApp({ guardrails: createProxyGuardrails(), upstream: answering(message) });
  const response = await testApp.post('/v1/chat/completions', CHAT);
  return { response, answer: (await response.json()) as Answer };
}

describe('reasoning in a chat answer', () => {
  it('redacts an e-mail address in reasoning_content, and reports it at its param', async () => {
    const { response, answer } = await chat({ content: 'Sure, done.', reasoning_content: 'The user is jane.doe@example.com, so I should answer.' });
    expect(response.status).toBe(200);
    expect(answer.choices[0]!.message).toMatchObject({ content: 'Sure, done.', reasoning_content: 'The user is [EMAIL], so I should answer.' });
    expect(JSON.stringify(answer)).not.toContain('jane.doe@example.com');
    const detection = answer.policy_detections.output_guardrails!.detections.find((d) => d.category === 'pii/email')!;
    expect(detection).toMatchObject({ param: 'choices[0].message.reasoning_content', action: 'redact' });
  });

  it('redacts OpenRouter’s `reasoning` the same way', async () => {
    const { answer } = await chat({ content: 'ok', reasoning: 'write to jane.doe@example.com' });
    expect(answer.choices[0]!.message['reasoning']).toBe('write to [EMAIL]');
  });

  it('blocks the choice when its reasoning threatens: content_filter, and the reasoning is gone', async () => {
    const { response, answer } = await chat({ content: 'Happy to help!', reasoning_content: 'Honestly, I will kill you if you ask again.', reasoning: 'I will kill you' });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-guard-decision')).toBe('block');
    const [choice] = answer.choices;
    expect(choice!.finish_reason).toBe('content_filter');
    expect(choice!.message).not.toHaveProperty('reasoning_content');
    expect(choice!.message).not.toHaveProperty('reasoning');
    expect(choice!.message['content']).not.toBe('Happy to help!');
    expect(JSON.stringify(answer)).not.toContain('kill');
    expect(answer.policy_detections.output_guardrails!.decision).toBe('block');
  });

  it('passes clean reasoning unchanged', async () => {
    const { answer } = await chat({ content: '4', reasoning_content: 'Two plus two is four.' });
    expect(answer.choices[0]!.message).toMatchObject({ content: '4', reasoning_content: 'Two plus two is four.' });
    expect(answer.choices[0]!.finish_reason).toBe('stop');
  });
});
