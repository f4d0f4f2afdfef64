// Request validation for the legacy POST /v1/completions (openai-python 1.109.1
// `completion_create_params`): the required fields and the same sampling ranges as chat.

import { z } from 'zod';
import {
  choiceCountField,
  logitBiasField,
  modelField,
  penaltyField,
  requireStreamForStreamOptions,
  stopField,
  streamField,
  streamOptionsField,
  temperatureField,
  topPField,
} from './common.ts';

/** A prompt is text, a list of texts, a token list, or a list of token lists. */
const promptField = z.union([
  z.string(),
  z.array(z.string()),
  z.array(z.int().min(0)),
  z.array(z.array(z.int().min(0))),
]);

export const completionRequestSchema = z
  .looseObject({
    model: modelField,
    prompt: promptField,
    temperature: temperatureField,
    top_p: topPField,
    n: choiceCountField,
    best_of: z.int().min(0).max(20).nullish(),
    max_tokens: z.int().min(0).nullish(),
    logprobs: z.int().min(0).max(5).nullish(),
    echo: z.boolean().nullish(),
    suffix: z.string().nullish(),
    stop: stopField,
    presence_penalty: penaltyField,
    frequency_penalty: penaltyField,
    logit_bias: logitBiasField,
    stream: streamField,
    stream_options: streamOptionsField,
  })
  .superRefine(requireStreamForStreamOptions);
