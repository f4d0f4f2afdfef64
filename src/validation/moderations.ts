// Request validation for POST /v1/moderations (OpenAI API reference, "Create moderation";
// openai-python 1.109.1 `moderation_create_params`): `input` is a string, an array of strings, or
// an array of multi-modal parts (text, image_url); `model` is optional. `model_extras.profile` is
// our extension: which of the tenant's threshold profiles to apply.

import { z } from 'zod';

export const DEFAULT_MODERATION_MODEL = 'omni-moderation-latest';

const textPart = z.looseObject({ type: z.literal('text'), text: z.string() });
const imagePart = z.looseObject({ type: z.literal('image_url'), image_url: z.looseObject({ url: z.string().min(1) }) });
export const moderationPartSchema = z.discriminatedUnion('type', [textPart, imagePart]);

export const moderationRequestSchema = z.looseObject({
  model: z.string().min(1, 'must be a non-empty model id').optional(),
  // How many inputs: limits.ts (configurable, OpenAI's 2,048 by default), checked before this schema.
  input: z.union([z.string(), z.array(z.string()).min(1), z.array(moderationPartSchema).min(1)]),
  model_extras: z.looseObject({ profile: z.string().min(1).optional() }).optional(),
});

export type ModerationRequest = z.infer<typeof moderationRequestSchema>;
