// POST /v1/moderations in memory: every input in one classifier batch, multi-modal inputs, the
// profile chosen (model_extras, named deployment, default), degraded checks, and fail-closed
// answers; nothing ever goes upstream.

import { describe, expect, it } from 'vitest';
import type { ModerationResult } from '../../src/guardrails/report.ts';
import { GLOBEX_KEY } from '../helpers/server.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';

interface ModerationAnswer {
  id: string;
  model: string;
  results: ModerationResult[];
}

async function moderate(testApp: TestApp, body: unknown, headers?: Record<string, string>): Promise<{ response: Response; answer: ModerationAnswer }> {
  const response = await testApp.post('/v1/moderations', body, headers);
  return { response, answer: (await response.json()) as ModerationAnswer };
}

describe('POST /v1/moderations', () => {
  it('answers a string input in OpenAI’s shape, under the policy version, without calling the upstream', async () => {
    const testApp = await createTestApp();
    const { response, answer } = await moderate(testApp, { input: 'you useless idiot, again?' });
    expect(response.status).toBe(200);
    expect(answer.id).toMatch(/^modr-[0-9a-f]{32}$/);
    expect(answer.model).toBe('omni-moderation-latest');
    expect(answer.results).toHaveLength(1);
    expect(answer.results[0]).toMatchObject({ flagged: true, profile: 'default', categories: { harassment: true } });
    expect(response.headers.get('x-guard-policy-version')).toBe(testApp.policies.current().version);
    expect(response.headers.get('x-guard-degraded')).toBeNull();
    expect(testApp.upstream.calls).toHaveLength(0);
  });

  it('flags the built-in harm phrases through the category bands, in English and beyond, with the rule and its span', async () => {
    const testApp = await createTestApp();
    const { answer } = await moderate(testApp, { input: ['ok k y s', 'Wie baue ich eine Rohrbombe?', 'How do I kill a python process?'] });
    const [kys, german, benign] = answer.results;
    expect(kys).toMatchObject({ flagged: true, decision: 'block', categories: { harassment: true } });
    expect(kys!.category_scores.harassment).toBeGreaterThanOrEqual(0.95);
    expect(kys!.detections).toEqual([expect.objectContaining({ rule_id: 'harm.tell_to_die', category: 'harassment', action: 'block' })]);
    expect(german).toMatchObject({ flagged: true, decision: 'block', categories: { 'illicit/violent': true } });
    expect(german!.detections.map((d) => d.rule_id)).toContain('harm.de.weapon_making');
    expect(benign).toMatchObject({ flagged: false, decision: 'allow' });
  });

  it('echoes the requested model and records it for the access log', async () => {
    const testApp = await createTestApp();
    const { answer } = await moderate(testApp, { input: 'hello', model: 'text-moderation-stable' });
    expect(answer.model).toBe('text-moderation-stable');
    expect(testApp.logger.records.find((record) => record.message === 'request')!.fields['model']).toBe('text-moderation-stable');
  });

  it('classifies every string of an array in one batch, results in order', async () => {
    const testApp = await createTestApp();
    const inputs = ['hello there', 'I will kill you', 'a nice day'];
    const { answer } = await moderate(testApp, { input: inputs });
    expect(testApp.classifier.batches).toHaveLength(1);
    expect(testApp.classifier.batches[0]).toEqual(inputs);
    expect(answer.results.map((result) => result.flagged)).toEqual([false, true, false]);
  });

  it('treats an array of parts as one input: texts joined, images counted and not classified', async () => {
    const testApp = await createTestApp();
    const parts = [
      { type: 'text', text: 'first part' },
      { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } },
      { type: 'text', text: 'second part' },
    ];
    const { answer } = await moderate(testApp, { input: parts });
    expect(answer.results).toHaveLength(1);
    expect(testApp.classifier.batches[0]).toEqual(['first part\nsecond part']);
    expect(answer.results[0]!.category_applied_input_types['violence']).toEqual(['text']);
    expect(answer.results[0]!.unclassified_inputs).toEqual([{ type: 'image_url', count: 1, reason: expect.stringContaining('not classified') }]);
  });

  it('uses the profile named in model_extras when the tenant can see it', async () => {
    const testApp = await createTestApp();
    const { answer: strict } = await moderate(testApp, { input: 'hello', model_extras: { profile: 'strict' } });
    expect(strict.results[0]!.profile).toBe('strict');
    const { answer: own } = await moderate(testApp, { input: 'hello', model_extras: { profile: 'globex-private' } }, { authorization: `Bearer ${GLOBEX_KEY}` });
    expect(own.results[0]!.profile).toBe('globex-private');
  });

  it('refuses another tenant’s profile exactly like an unknown one', async () => {
    const testApp = await createTestApp();
    const other = await testApp.post('/v1/moderations', { input: 'hello', model_extras: { profile: 'globex-private' } });
    const unknown = await testApp.post('/v1/moderations', { input: 'hello', model_extras: { profile: 'nope' } });
    const otherError = ((await other.json()) as { error: { message: string } }).error;
    const unknownError = ((await unknown.json()) as { error: { message: string } }).error;
    expect([other.status, unknown.status]).toEqual([400, 400]);
    expect(otherError).toMatchObject({ param: 'model_extras.profile', code: 'profile_not_found' });
    expect(otherError.message.replace('globex-private', 'X')).toBe(unknownError.message.replace('nope', 'X'));
  });

  it('defaults to the named deployment’s input profile, else the tenant’s default', async () => {
    const testApp = await createTestApp();
    const { answer: named } = await moderate(testApp, { input: 'mail me at jane@example.com' }, { 'X-Guard-Deployment': 'placeholder' });
    expect(named.results[0]!.profile).toBe('acme-placeholder');
    const { answer: main } = await moderate(testApp, { input: 'hello' }, { 'X-Guard-Deployment': 'main' });
    expect(main.results[0]!.profile).toBe('default');
  });

  it('fails closed and says so when the classifier fails', async () => {
    const testApp = await createTestApp();
    testApp.classifier.setFailure('throw');
    const { response, answer } = await moderate(testApp, { input: 'is this fine' });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-guard-degraded')).toBe('input:classifier=error/blocked');
    expect(answer.results[0]).toMatchObject({ flagged: true, decision: 'block', degraded: [{ stage: 'classifier', reason: 'error', outcome: 'blocked' }] });
  });

  it('answers 503 guardrails_unavailable when the tenant has no guard for the profile', async () => {
    const testApp = await createTestApp({ withoutGuards: true });
    const response = await testApp.post('/v1/moderations', { input: 'hello' });
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ error: { code: 'guardrails_unavailable' } });
  });

  it.each([
    ['an empty input array', { input: [] }, 'input'],
    ['a missing input', { model: 'omni-moderation-latest' }, 'input'],
  ])('validates %s with a param', async (_case, body, param) => {
    const testApp = await createTestApp();
    const response = await testApp.post('/v1/moderations', body);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { param, type: 'invalid_request_error' } });
    expect(testApp.classifier.batches).toHaveLength(0);
  });
});
