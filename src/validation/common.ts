// Field schemas shared by the chat, legacy-completions and embeddings validators, with the ranges
// of openai-python 1.109.1 and the OpenAI API reference. Every object is loose: fields we do not
// validate pass through untouched to the upstream.

import { z } from 'zod';

export const modelField = z.string().min(1, 'must be a non-empty model id');
export const temperatureField = z.number().min(0).max(2).nullish();
export const topPField = z.number().min(0).max(1).nullish();
export const choiceCountField = z.int().min(1).max(128).nullish();
export const tokenLimitField = z.int().min(1).nullish();
export const penaltyField = z.number().min(-2).max(2).nullish();
/** Up to 4 sequences where the API will stop generating (API reference: `stop`). */
export const stopField = z.union([z.string(), z.array(z.string()).max(4, 'at most 4 stop sequences are allowed')]).nullish();
/** Token id (as a string key) to a bias between -100 and 100. */
export const logitBiasField = z
  .record(z.string().regex(/^\d+$/, 'keys must be token ids'), z.number().min(-100).max(100))
  .nullish();
export const streamField = z.boolean().nullish();
export const streamOptionsField = z
  .looseObject({ include_usage: z.boolean().optional(), include_obfuscation: z.boolean().optional() })
  .nullish();
export const userField = z.string().optional();

/** OpenAI rejects `stream_options` unless `stream` is true. */
export function requireStreamForStreamOptions(body: { stream?: boolean | null; stream_options?: unknown }, ctx: z.RefinementCtx): void {
  if (body.stream_options != null && body.stream !== true) {
    ctx.addIssue({ code: 'custom', path: ['stream_options'], message: "only allowed when 'stream' is true" });
  }
}
