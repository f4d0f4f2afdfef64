// The /v1/moderations adapter on the engine: which profile a request gets, and how its inputs map
// onto ONE guard.check batch and back onto OpenAI's results and the X-Guard-* headers.

import { describe, expect, it } from 'vitest';
import { HttpError } from '../../src/errors.ts';
import { createGuard } from '../../src/guard/cascade.ts';
import type { Guard, GuardedTenant } from '../../src/guard/types.ts';
import { moderateInputs, moderationProfile } from '../../src/guardrails/moderation.ts';
import { fakeBuildDetectors, fakeClassifier, scoresFromMarkers, shippedProfiles } from '../guard/fakes.ts';

const shipped = shippedProfiles();

function guard(): { guard: Guard; calls: string[][] } {
  const { classifier, calls } = fakeClassifier(scoresFromMarkers);
  const built = createGuard({ profile: shipped.get('default')!, buildDetectors: fakeBuildDetectors().build, classifier, policyVersion: 'v1', now: () => 0 });
  return { guard: built, calls };
}

const tenant = { profiles: shipped } as unknown as GuardedTenant;
const deployment = { guardrails: { inputProfile: 'strict' } } as never;

describe('moderationProfile', () => {
  it('model_extras.profile first, else the named deployment’s input profile, else default', () => {
    expect(moderationProfile({ tenant, deployment, namedDeployment: true, requested: 'kids' })).toBe('kids');
    expect(moderationProfile({ tenant, deployment, namedDeployment: true, requested: undefined })).toBe('strict');
    expect(moderationProfile({ tenant, deployment, namedDeployment: false, requested: undefined })).toBe('default');
  });

  it('answers an unknown profile like another tenant’s: 400 profile_not_found on model_extras.profile', () => {
    let caught: unknown;
    try {
      moderationProfile({ tenant, deployment, namedDeployment: false, requested: 'globex-private' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(HttpError);
    expect((caught as HttpError).toEnvelope().error).toMatchObject({ param: 'model_extras.profile', code: 'profile_not_found' });
  });
});

describe('moderateInputs', () => {
  it('checks every string input in one batch and returns one result each', async () => {
    const { guard: g, calls } = guard();
    const { results, headers } = await moderateInputs(g, ['hello', 'mail a@example.com', 'world']);
    expect(results).toHaveLength(3);
    expect(calls).toHaveLength(1);
    expect(headers).toEqual({ 'X-Guard-Policy-Version': 'v1' });
  });

  it('treats an array of parts as ONE input: texts joined, images counted, not classified', async () => {
    const { guard: g, calls } = guard();
    const { results } = await moderateInputs(g, [
      { type: 'text', text: 'first' },
      { type: 'image_url', image_url: { url: 'https://example.com/a.png' } },
      { type: 'text', text: 'second' },
    ]);
    expect(results).toHaveLength(1);
    expect(calls[0]).toEqual(['first\nsecond']);
    expect(results[0]!.category_applied_input_types.sexual).toEqual(['text']);
    expect(results[0]!.unclassified_inputs).toEqual([expect.objectContaining({ type: 'image_url', count: 1 })]);
  });

  it('names each input\'s language, which a chat check under the default profile does not identify', async () => {
    const { guard: g } = guard();
    const french = 'Pourriez-vous résumer cet article sur la nouvelle bibliothèque ?';
    const { results } = await moderateInputs(g, [french]);
    expect(results[0]!.language).toBe('fr');
    const [chat] = await g.check([french], 'input');
    expect(chat!.language).toBeNull();
  });
});
