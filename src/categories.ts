// The 13 omni-moderation categories (OpenAI moderation API, omni-moderation-latest) in the order of
// the API reference, shared by the classifier, profiles and the /v1/moderations response.

export const MODERATION_CATEGORIES = [
  'harassment',
  'harassment/threatening',
  'hate',
  'hate/threatening',
  'illicit',
  'illicit/violent',
  'self-harm',
  'self-harm/intent',
  'self-harm/instructions',
  'sexual',
  'sexual/minors',
  'violence',
  'violence/graphic',
] as const;

export type ModerationCategory = (typeof MODERATION_CATEGORIES)[number];

/** Extra classifier heads the detectors use beside the 13 categories (Jigsaw subtypes, injection). */
export const AUXILIARY_HEADS = [
  'toxicity',
  'severe_toxicity',
  'obscene',
  'threat',
  'insult',
  'identity_hate',
  'prompt_injection',
] as const;

export type AuxiliaryHead = (typeof AUXILIARY_HEADS)[number];
export type ClassifierHead = ModerationCategory | AuxiliaryHead;

export const CLASSIFIER_HEADS: readonly ClassifierHead[] = [...MODERATION_CATEGORIES, ...AUXILIARY_HEADS];

export function isModerationCategory(value: string): value is ModerationCategory {
  return (MODERATION_CATEGORIES as readonly string[]).includes(value);
}
