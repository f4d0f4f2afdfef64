// POST /v1/moderations end to end with the official openai client: OpenAI's shape for all 13
// categories, our extensions, one classifier batch per request, honest image handling, and
// profiles scoped to the caller's tenant.

import { describe, expect, it } from 'vitest';
import { MODERATION_CATEGORIES } from '../../src/categories.ts';
import type { ModerationResult } from '../../src/guardrails/report.ts';
import { ACME_KEY, GLOBEX_KEY, useTestStack } from '../helpers/server.ts';

const stack = useTestStack();

/** Texts the classifier has not seen yet, so the shared cache cannot answer for it. */
let counter = 0;
const fresh = (text: string) => `${text} (#${++counter}-${Date.now()})`;
const extended = (result: unknown) => result as ModerationResult;

describe('POST /v1/moderations', () => {
  it('answers a string input in OpenAI’s shape, with all 13 categories and our extensions', async () => {
    const { data, response } = await stack.client(ACME_KEY).moderations.create({ input: 'you useless idiot, again?' }).withResponse();
    expect(data.id).toMatch(/^modr-[0-9a-f]{32}$/);
    expect(data.model).toBe('omni-moderation-latest');
    expect(data.results).toHaveLength(1);
    const result = data.results[0]!;
    for (const field of [result.categories, result.category_scores, result.category_applied_input_types]) {
      expect(Object.keys(field).sort()).toEqual([...MODERATION_CATEGORIES].sort());
    }
    expect(result.flagged).toBe(true);
    expect(result.categories.harassment).toBe(true);
    expect(result.category_scores.harassment).toBe(0.8);
    expect(result.category_applied_input_types.harassment).toEqual(['text']);
    expect(extended(result)).toMatchObject({ decision: 'soft_block', profile: 'default', policy_version: stack.proxy.policies.current().version, unclassified_inputs: [] });
    expect(response.headers.get('x-guard-policy-version')).toBe(stack.proxy.policies.current().version);
  });

  it('echoes the requested model and reports redactions with offsets into the original string', async () => {
    const input = '🙂🙂 write to jane.doe@example.com';
    const { results, model } = await stack.client(ACME_KEY).moderations.create({ model: 'omni-moderation-2024-09-26', input });
    const result = extended(results[0]);
    const start = input.indexOf('jane');
    expect(model).toBe('omni-moderation-2024-09-26');
    expect(result.redactions).toEqual([{ type: 'pii/email', start, end: input.length, replacement: '[EMAIL]' }]);
    expect(result.redacted_input).toBe('🙂🙂 write to [EMAIL]');
    expect(result.decision).toBe('allow_with_redaction');
    expect(result.flagged).toBe(false);
    expect(result.detections).toContainEqual(expect.objectContaining({ detector: 'pii', rule_id: 'pii.email', category: 'pii/email', score: 1, span: { start, end: input.length } }));
  });

  it('classifies an array input in ONE classifier batch, one result per input', async () => {
    const inputs = [fresh('first harmless text'), fresh('second harmless text'), fresh('you stupid moron')];
    const before = stack.classifier.batches.length;
    const { results } = await stack.client(ACME_KEY).moderations.create({ input: inputs });
    expect(stack.classifier.batches.length - before).toBe(1);
    expect(stack.classifier.batches.at(-1)).toEqual(inputs);
    expect(results.map((r) => r.flagged)).toEqual([false, false, true]);
  });

  it('says honestly that image parts were not classified', async () => {
    const { results } = await stack.client(ACME_KEY).moderations.create({
      input: [
        { type: 'text', text: 'a picture of my cat' },
        { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } },
      ],
    });
    expect(results).toHaveLength(1);
    const result = extended(results[0]);
    expect(result.category_applied_input_types.violence).toEqual(['text']);
    expect(result.unclassified_inputs).toEqual([{ type: 'image_url', count: 1, reason: expect.stringContaining('not classified') }]);

    const imageOnly = await stack.client(ACME_KEY).moderations.create({ input: [{ type: 'image_url', image_url: { url: 'https://example.com/x.png' } }] });
    expect(imageOnly.results[0]!.category_applied_input_types.violence).toEqual([]);
    expect(extended(imageOnly.results[0]).unclassified_inputs[0]!.count).toBe(1);
  });

  it('uses a profile the tenant can see, and refuses another tenant’s or an unknown one alike', async () => {
    const strict = { input: 'hello', model_extras: { profile: 'strict' } };
    expect(extended((await stack.client(ACME_KEY).moderations.create(strict)).results[0]).profile).toBe('strict');
    const own = { input: 'hello', model_extras: { profile: 'globex-private' } };
    expect(extended((await stack.client(GLOBEX_KEY).moderations.create(own)).results[0]).profile).toBe('globex-private');

    const other = await stack.client(ACME_KEY).moderations.create(own).catch((caught: unknown) => caught);
    const nope = { input: 'hello', model_extras: { profile: 'nope' } };
    const unknown = await stack.client(ACME_KEY).moderations.create(nope).catch((caught: unknown) => caught);
    expect(other).toMatchObject({ status: 400, param: 'model_extras.profile', code: 'profile_not_found' });
    expect(unknown).toMatchObject({ status: 400, param: 'model_extras.profile', code: 'profile_not_found' });
    expect((other as Error).message.replace('globex-private', 'X')).toBe((unknown as Error).message.replace('nope', 'X'));
  });

  it('defaults to the named deployment’s input profile, else the tenant’s default', async () => {
    const named = await stack.client(ACME_KEY, { 'X-Guard-Deployment': 'monitor' }).moderations.create({ input: 'hello' });
    expect(extended(named.results[0]).profile).toBe('acme-monitor');
    const plain = await stack.client(ACME_KEY).moderations.create({ input: 'hello' });
    expect(extended(plain.results[0]).profile).toBe('default');
  });

  it('reports a classifier failure as degraded, in the result and the header', async () => {
    stack.classifier.setFailure('throw');
    const { data, response } = await stack.client(ACME_KEY).moderations.create({ input: fresh('is this fine') }).withResponse();
    expect(response.headers.get('x-guard-degraded')).toBe('input:classifier=error/blocked');
    expect(extended(data.results[0])).toMatchObject({ decision: 'block', degraded: [{ stage: 'classifier', reason: 'error', outcome: 'blocked' }] });
    expect(data.results[0]!.flagged).toBe(true);
  });

  it('validates the input with a param', async () => {
    const error = await stack.client(ACME_KEY).moderations.create({ input: [] }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 400, param: 'input' });
  });
});
