// The LLM judge end to end: the real proxy on loopback, the official openai client, the fake
// upstream and the fake judge, both real HTTP servers from fixtures/.

import OpenAI from 'openai';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeJudge, type FakeJudge } from '../../fixtures/fake-judge.ts';
import { ACME_KEY, startTestStack, type TestStack } from '../helpers/server.ts';

const JUDGE_DIR = fileURLToPath(new URL('../../fixtures/policies/judge', import.meta.url));
const JUDGE_KEY = 'sk-fake-judge-key-e2e';

let judge: FakeJudge;
let stack: TestStack;

beforeAll(async () => {
  judge = await startFakeJudge({ apiKey: JUDGE_KEY });
  stack = await startTestStack({ policyDir: JUDGE_DIR, env: { FAKE_JUDGE_URL: judge.baseUrl, FAKE_JUDGE_KEY: JUDGE_KEY } });
});
afterAll(async () => {
  await stack?.close();
  await judge?.close();
});
beforeEach(() => {
  stack.reset();
  judge.reset();
});

interface Report {
  decision: string;
  detections: Array<{ detector: string; rule_id: string; category: string; rationale?: string; citations?: Array<{ start: number; end: number }>; span: unknown }>;
  details: Record<string, Record<string, unknown>>;
}
interface Body {
  error?: { code: string; param: string | null };
  choices?: Array<{ finish_reason: string; message: { content: string } }>;
  policy_detections: { input_guardrails: Report | null; output_guardrails: Report | null };
}

const chat = (content: string) => ({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] });

describe('gray band', () => {
  it('the judge blocks a gray-band insult: the SDK gets content_policy_violation and nothing goes upstream', async () => {
    const client = stack.client(ACME_KEY);
    const error = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'you useless idiot' }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).code).toBe('content_policy_violation');
    expect(stack.upstream.requests).toHaveLength(0);
    expect(judge.requests.map((r) => r.text)).toEqual(['you useless idiot']);

    const { response, body } = await stack.postJson<Body>('/v1/chat/completions', chat('you useless idiot'));
    expect(response.status).toBe(400);
    expect(response.headers.get('x-guard-decision')).toBe('block');
    const detection = body.policy_detections.input_guardrails!.detections.find((d) => d.detector === 'judge')!;
    expect(detection).toMatchObject({ rule_id: 'judge.gray_band.block', category: 'harassment', citations: [{ start: 12, end: 17 }], span: { start: 12, end: 17 } });
    expect(detection.rationale).toMatch(/harassment/);
    // The cached verdict answered the second request.
    expect(judge.requests).toHaveLength(1);
  });

  it('the judge clears a gray-band text the classifier was unsure about: it is forwarded without a warning', async () => {
    const client = stack.client(ACME_KEY);
    const { data, response } = await client.chat.completions.create(chat('[harassment=0.8] friendly banter') as OpenAI.ChatCompletionCreateParamsNonStreaming).withResponse();
    expect(data.choices[0]!.message.content).toBe('You said: [harassment=0.8] friendly banter');
    expect(response.headers.get('x-guard-decision')).toBe('allow');
    expect(response.headers.get('x-guard-warning')).toBeNull();
    expect(judge.requests[0]!.headers.authorization).toBe(`Bearer ${JUDGE_KEY}`);
    // The client's proxy key never reaches the judge.
    expect(JSON.stringify(judge.requests)).not.toContain(ACME_KEY);
  });

  it('a streamed gray-band window waits for the judge, which ends the choice with content_filter', async () => {
    const client = stack.client(ACME_KEY);
    stack.upstream.scriptStream({
      events: ['Well, ', 'you ', 'useless ', 'idiot', '.'].map((content, i, all) => ({
        id: 'chatcmpl-s', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini',
        choices: [{ index: 0, delta: { content }, logprobs: null, finish_reason: i === all.length - 1 ? 'stop' : null }],
      })),
    });
    const relayed = await client.chat.completions.create({ ...chat('say something'), stream: true } as OpenAI.ChatCompletionCreateParamsStreaming);
    let text = '';
    let finish: string | null = null;
    for await (const chunk of relayed) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(finish).toBe('content_filter');
    expect(text).not.toContain('idiot');
    expect(judge.requests.some((r) => r.text.includes('useless idiot'))).toBe(true);
  });

  it('a streamed window whose judge is slower than stream_timeout_ms gets on_error (block) instead of waiting', async () => {
    judge.setDelay(1_000);
    stack.upstream.scriptStream({
      events: [{ id: 'chatcmpl-s', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta: { content: '[harassment=0.8] hmm' }, logprobs: null, finish_reason: 'stop' }] }],
    });
    const client = stack.client(ACME_KEY, { 'X-Guard-Deployment': 'slow-judge' });
    const relayed = await client.chat.completions.create({ ...chat('hello'), stream: true } as OpenAI.ChatCompletionCreateParamsStreaming);
    let finish: string | null = null;
    let report: Body['policy_detections'] | undefined;
    for await (const chunk of relayed) {
      finish = chunk.choices[0]?.finish_reason ?? finish;
      report = (chunk as unknown as Partial<Body>).policy_detections ?? report;
    }
    expect(finish).toBe('content_filter');
    expect((report!.output_guardrails as unknown as { degraded: unknown[] }).degraded).toEqual([{ message_index: 0, stage: 'judge', reason: 'timeout', on_error: 'block', outcome: 'blocked' }]);
  });
});

describe('policy_violation', () => {
  it('checks the input against the tenant policy in plain language, reported in the Enkrypt shape', async () => {
    const client = stack.client(ACME_KEY, { 'X-Guard-Deployment': 'policy' });
    const error = await client.chat.completions.create(chat('What is Globex pricing these days?') as OpenAI.ChatCompletionCreateParamsNonStreaming).catch((e: unknown) => e);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).code).toBe('content_policy_violation');
    expect(judge.requests[0]!.system).toContain('Forbidden topic: Globex pricing.');

    const { body } = await stack.postJson<Body>('/v1/chat/completions', chat('What is Globex pricing these days?'), { 'X-Guard-Deployment': 'policy' });
    const report = body.policy_detections.input_guardrails!;
    expect(report.details['policy_violation']).toMatchObject({ violating_policy: 'policy/acme-conduct', explanation: expect.stringContaining('policy_violation') });
    expect(report.detections).toContainEqual(expect.objectContaining({ detector: 'policy_violation', rule_id: 'judge.policy_violation', category: 'policy/acme-conduct' }));

    const allowed = await client.chat.completions.create(chat('What does Acme sell?') as OpenAI.ChatCompletionCreateParamsNonStreaming);
    expect(allowed.choices[0]!.message.content).toBe('You said: What does Acme sell?');
  });

  it('checks the answer on output, and relevancy against the question', async () => {
    const client = stack.client(ACME_KEY, { 'X-Guard-Deployment': 'policy-output' });
    const { body, response } = await stack.postJson<Body>('/v1/chat/completions', chat('Tell me about Globex pricing'), { 'X-Guard-Deployment': 'policy-output' });
    expect(response.status).toBe(200);
    expect(body.choices![0]!.finish_reason).toBe('content_filter');
    expect(body.policy_detections.input_guardrails!.decision).toBe('allow');
    expect(body.policy_detections.output_guardrails!.details['policy_violation']).toMatchObject({ violating_policy: 'policy/acme-conduct' });
    // The echo answers the question (shares its words), so relevancy passes.
    expect(body.policy_detections.output_guardrails!.detections.map((d) => d.rule_id)).toEqual(['judge.policy_violation']);
    const fine = await client.chat.completions.create(chat('Tell me about Acme widgets') as OpenAI.ChatCompletionCreateParamsNonStreaming);
    expect(fine.choices[0]!.finish_reason).toBe('stop');
  });

  it('checks the answer against enkrypt_context for hallucination (the context never goes upstream)', async () => {
    const context = { enkrypt_context: 'Acme launched its widget in 2004.' };
    const { body } = await stack.postJson<Body>('/v1/chat/completions', { ...chat('Acme launched its widget in 1999, right?'), ...context }, { 'X-Guard-Deployment': 'policy-output' });
    expect(body.choices![0]!.finish_reason).toBe('content_filter');
    expect(body.policy_detections.output_guardrails!.detections.map((d) => d.rule_id)).toContain('judge.hallucination');
    expect(judge.requests.at(-1)!.user).toContain('2004');
    expect(JSON.stringify(stack.upstream.requests.at(-1)!.body)).not.toContain('enkrypt_context');
    const { body: consistent } = await stack.postJson<Body>('/v1/chat/completions', { ...chat('Acme launched its widget in 2004, right?'), ...context }, { 'X-Guard-Deployment': 'policy-output' });
    expect(consistent.choices![0]!.finish_reason).toBe('stop');
  });
});
