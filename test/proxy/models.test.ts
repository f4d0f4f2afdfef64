// A deployment's model policy: `allow` globs, `override`, the default model, and OpenAI's
// 404 model_not_found for a refused model.

import { describe, expect, it } from 'vitest';
import { createKeyScrubber } from '../../src/logging/key-scrub.ts';
import { HttpError } from '../../src/errors.ts';
import type { LoadedDeployment, LoadedModelPolicy } from '../../src/policy/types.ts';
import { isModelAllowed, modelNotFound, resolveRequestModel } from '../../src/proxy/models.ts';

const policy = (models: Partial<LoadedModelPolicy>): LoadedModelPolicy => ({ allow: [], override: null, defaultModel: null, categories: [], ...models });

const deployment = (models: Partial<LoadedModelPolicy>): LoadedDeployment => ({
  name: 'main',
  tenant: 'acme',
  upstream: { baseUrl: 'https://upstream.test/v1', apiKey: null, timeoutMs: 1000, streamIdleTimeoutMs: 1000, keyScrubber: createKeyScrubber([]) },
  models: policy(models),
  guardrails: { profile: 'default', inputProfile: 'default', outputProfile: 'default', softBlock: null, streamMode: 'moderate' },
});

function refusal(run: () => unknown): HttpError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(HttpError);
    return error as HttpError;
  }
  throw new Error('expected a refusal');
}

describe('isModelAllowed', () => {
  const allow = policy({ allow: ['gpt-4o*', 'text-embedding-3-small', 'ft:*:acme:*'] });

  it.each(['gpt-4o', 'gpt-4o-mini', 'gpt-4o-2024-08-06', 'text-embedding-3-small', 'ft:gpt-4o:acme:support'])('allows %s', (model) => {
    expect(isModelAllowed(allow, model)).toBe(true);
  });

  it.each(['my-gpt-4o', 'gpt-4', 'text-embedding-3-smallish', 'ft:gpt-4o:globex:x', ''])('refuses %j: globs are anchored', (model) => {
    expect(isModelAllowed(allow, model)).toBe(false);
  });

  it('treats regex metacharacters in a pattern literally', () => {
    const dotted = policy({ allow: ['gpt-4.1', 'o(1)+'] });
    expect(isModelAllowed(dotted, 'gpt-4.1')).toBe(true);
    expect(isModelAllowed(dotted, 'gpt-4x1')).toBe(false);
    expect(isModelAllowed(dotted, 'o(1)+')).toBe(true);
    expect(isModelAllowed(dotted, 'o11')).toBe(false);
  });

  it('allows nothing with an empty allow list', () => {
    expect(isModelAllowed(policy({}), 'gpt-4o')).toBe(false);
  });

  it('allows exactly the override when one is set', () => {
    const forced = policy({ override: 'gpt-4o-mini', allow: ['*'] });
    expect(isModelAllowed(forced, 'gpt-4o-mini')).toBe(true);
    expect(isModelAllowed(forced, 'gpt-4o')).toBe(false);
  });
});

describe('resolveRequestModel', () => {
  it('keeps an allowed requested model', () => {
    expect(resolveRequestModel(deployment({ allow: ['gpt-*'], defaultModel: 'gpt-4o-mini' }), 'gpt-4o')).toBe('gpt-4o');
  });

  it('uses the override whatever was requested, even a model outside any allow list', () => {
    const forced = deployment({ override: 'gpt-4o-mini' });
    expect(resolveRequestModel(forced, 'o1-preview')).toBe('gpt-4o-mini');
    expect(resolveRequestModel(forced, undefined)).toBe('gpt-4o-mini');
  });

  it('falls back to the default model when none was requested', () => {
    expect(resolveRequestModel(deployment({ allow: ['gpt-*'], defaultModel: 'gpt-4o-mini' }), undefined)).toBe('gpt-4o-mini');
  });

  it('still checks the default model against the allow list', () => {
    const error = refusal(() => resolveRequestModel(deployment({ allow: ['gpt-4o'], defaultModel: 'gpt-3.5-turbo' }), undefined));
    expect(error).toMatchObject({ status: 404, code: 'model_not_found' });
  });

  it('answers 400 on model when neither a request nor the deployment names one', () => {
    const error = refusal(() => resolveRequestModel(deployment({ allow: ['*'] }), undefined));
    expect(error).toMatchObject({ status: 400, param: 'model', type: 'invalid_request_error', message: "Invalid 'model': is required." });
  });

  it('refuses a model outside the allow list with 404 model_not_found', () => {
    const error = refusal(() => resolveRequestModel(deployment({ allow: ['gpt-4o*'] }), 'o1'));
    expect(error.toEnvelope()).toEqual(modelNotFound('o1').toEnvelope());
  });
});

describe('modelNotFound', () => {
  it('is OpenAI’s own envelope for an unavailable model', () => {
    const error = modelNotFound('o1');
    expect(error.status).toBe(404);
    expect(error.toEnvelope()).toEqual({
      error: { message: 'The model `o1` does not exist or you do not have access to it.', type: 'invalid_request_error', param: 'model', code: 'model_not_found' },
    });
  });
});
