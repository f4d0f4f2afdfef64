// POST /v1/moderations/stream in memory: interim events per window of a long text, a final event
// equal to /v1/moderations' answer for the same body, [DONE], guard headers, and the JSON error
// envelopes of a request refused before the stream starts.

import { describe, expect, it } from 'vitest';
import type { FinalEvent, InterimEvent, ModerationStreamEvent } from '../../src/guardrails/moderation-stream.ts';
import { MODERATION_WINDOW_CHARS } from '../../src/guardrails/moderation-stream.ts';
import type { ModerationResult } from '../../src/guardrails/report.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { ACME_KEY } from '../helpers/server.ts';

const SYLLABLES = ['ba', 'ke', 'lo', 'mi', 'nu', 'pa', 're', 'so', 'ti', 'vu'];

/** Plain prose of exactly `length` characters, every word distinct: nothing any detector or rule scores. */
function prose(length: number): string {
  let text = '';
  for (let i = 0; text.length < length; i++) {
    const word = [1000, 100, 10, 1].map((unit) => SYLLABLES[Math.floor(i / unit) % 10]).join('');
    text += i % 12 === 11 ? `${word}. ` : `${word} `;
  }
  return text.slice(0, length);
}

interface StreamAnswer {
  response: Response;
  events: ModerationStreamEvent[];
  /** The raw `data:` payloads, `[DONE]` included. */
  data: string[];
}

async function moderateStream(testApp: TestApp, body: unknown, headers?: Record<string, string>): Promise<StreamAnswer> {
  const response = await testApp.post('/v1/moderations/stream', body, headers);
  const text = await response.text();
  const blocks = text.split('\n\n').filter((block) => block !== '');
  const data = blocks.map((block) => {
    expect(block.startsWith('data: ')).toBe(true);
    return block.slice('data: '.length);
  });
  const events = data.filter((item) => item !== '[DONE]').map((item) => JSON.parse(item) as ModerationStreamEvent);
  return { response, events, data };
}

const interims = (events: ModerationStreamEvent[]) => events.filter((event): event is InterimEvent => event.type === 'interim');
const finalOf = (events: ModerationStreamEvent[]) => events.find((event): event is FinalEvent => event.type === 'final')!;

describe('POST /v1/moderations/stream', () => {
  it('streams interim events per window of a long text, then the final answer, then [DONE]', async () => {
    const testApp = await createTestApp();
    const text = prose(3 * MODERATION_WINDOW_CHARS);
    const { response, events, data } = await moderateStream(testApp, { input: text });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(response.headers.get('x-guard-policy-version')).toBe(testApp.policies.current().version);
    expect(data.at(-1)).toBe('[DONE]');
    expect(events.at(-1)!.type).toBe('final');
    const interim = interims(events);
    expect(interim.length).toBeGreaterThanOrEqual(3);
    expect(events.slice(0, interim.length)).toEqual(interim);
    const checked = interim.map((event) => event.chars_checked);
    expect(checked).toEqual([...checked].sort((a, b) => a - b));
    expect(checked.at(-1)).toBe(text.length);
    for (const event of interim) {
      expect(event).toMatchObject({ index: 0, decision: 'allow' });
      expect(Object.keys(event.category_scores)).toHaveLength(13);
    }
    expect(finalOf(events)).toMatchObject({ id: expect.stringMatching(/^modr-[0-9a-f]{32}$/), model: 'omni-moderation-latest', results: [{ decision: 'allow', detections: [] }] });
    expect(testApp.upstream.calls).toHaveLength(0);
    expect(testApp.logger.records.find((record) => record.message === 'request')!.fields).toMatchObject({ status: 200, stream: true, model: 'omni-moderation-latest' });
  });

  it('ends with exactly the result /v1/moderations gives for the same body', async () => {
    const testApp = await createTestApp();
    const body = { input: [prose(5000), 'you useless idiot, again?', `${prose(2500)} write to jane.doe@example.com`], model: 'text-moderation-stable' };
    const { events } = await moderateStream(testApp, body);
    const plain = (await (await testApp.post('/v1/moderations', body)).json()) as { id: string; model: string; results: ModerationResult[] };
    const final = finalOf(events);
    expect({ ...final, type: undefined, id: 'modr-X', decision_id: 'dec-X' }).toEqual({ ...plain, id: 'modr-X', decision_id: 'dec-X' });
    expect(final.id).not.toBe(plain.id);
    // Every input got its interims, in input order.
    const indexes = interims(events).map((event) => event.index);
    expect(new Set(indexes)).toEqual(new Set([0, 1, 2]));
    expect(indexes).toEqual([...indexes].sort((a, b) => a - b));
  });

  it('shows an e-mail address in a long text in the final redactions, even across a window edge', async () => {
    const testApp = await createTestApp();
    const email = 'jane.doe@example.com';
    // The address straddles the first window's end.
    const before = `${prose(MODERATION_WINDOW_CHARS - 11)} `;
    const text = `${before}${email} ${prose(3000)}`;
    const { events } = await moderateStream(testApp, { input: text });
    const [result] = finalOf(events).results;
    expect(result!.decision).toBe('allow_with_redaction');
    expect(result!.redactions).toEqual([expect.objectContaining({ type: 'pii/email', start: before.length, end: before.length + email.length })]);
    expect(result!.redacted_input).not.toContain(email);
    // The overlap lets the second window see it whole.
    expect(interims(events).map((event) => event.decision)).toEqual(['allow', 'allow_with_redaction', 'allow_with_redaction']);
  });

  it('shows a blocked text’s decision in the interim events from its window on, and in the final', async () => {
    const testApp = await createTestApp();
    const text = `${prose(2 * MODERATION_WINDOW_CHARS)} and then: I will kill you. ${prose(500)}`;
    const { events } = await moderateStream(testApp, { input: text });
    const interim = interims(events);
    expect(interim[0]).toMatchObject({ decision: 'allow', category_scores: { violence: 0 } });
    expect(interim.at(-1)).toMatchObject({ decision: 'block', category_scores: { violence: 0.95 } });
    const decisions = interim.map((event) => event.decision);
    expect(decisions.slice(decisions.indexOf('block'))).toEqual(decisions.slice(decisions.indexOf('block')).map(() => 'block'));
    expect(finalOf(events).results[0]).toMatchObject({ flagged: true, decision: 'block', categories: { violence: true } });
  });

  it('checks a short text in one window and a multi-modal input as one input', async () => {
    const testApp = await createTestApp();
    const parts = [
      { type: 'text', text: 'first part' },
      { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } },
      { type: 'text', text: 'second part' },
    ];
    const { events } = await moderateStream(testApp, { input: parts });
    expect(interims(events)).toEqual([expect.objectContaining({ index: 0, chars_checked: 'first part\nsecond part'.length })]);
    expect(finalOf(events).results[0]!.unclassified_inputs).toEqual([expect.objectContaining({ type: 'image_url', count: 1 })]);
  });

  it('fails closed in the events when the classifier fails', async () => {
    const testApp = await createTestApp();
    testApp.classifier.setFailure('throw');
    const { response, events } = await moderateStream(testApp, { input: 'is this fine' });
    expect(response.status).toBe(200);
    expect(interims(events)[0]!.decision).toBe('block');
    expect(finalOf(events).results[0]).toMatchObject({ decision: 'block', degraded: [{ stage: 'classifier', reason: 'error', outcome: 'blocked' }] });
  });

  it.each([
    ['a body that is not JSON', '{"input": ', 'invalid_request_error'],
    ['an empty input array', { input: [] }, 'input'],
    ['a missing input', { model: 'omni-moderation-latest' }, 'input'],
  ])('answers %s with the 400 JSON envelope, before any stream', async (_case, body, expected) => {
    const testApp = await createTestApp();
    const response =
      typeof body === 'string'
        ? await testApp.app.request('/v1/moderations/stream', { method: 'POST', headers: { authorization: `Bearer ${ACME_KEY}`, 'content-type': 'application/json' }, body })
        : await testApp.post('/v1/moderations/stream', body);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const answer = (await response.json()) as { error: { type: string; param: string | null } };
    expect(answer.error.type).toBe('invalid_request_error');
    if (expected !== 'invalid_request_error') expect(answer.error.param).toBe(expected);
    expect(testApp.classifier.batches).toHaveLength(0);
  });

  it('answers an unknown profile with 400 profile_not_found', async () => {
    const testApp = await createTestApp();
    const response = await testApp.post('/v1/moderations/stream', { input: 'hello', model_extras: { profile: 'nope' } });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { param: 'model_extras.profile', code: 'profile_not_found' } });
  });

  it('needs the proxy key like every /v1 route', async () => {
    const testApp = await createTestApp();
    const response = await testApp.post('/v1/moderations/stream', { input: 'hello' }, { authorization: 'Bearer sk-not-a-key' });
    expect(response.status).toBe(401);
  });
});
