// Request validation for POST /v1/embeddings (openai-python 1.109.1 `embedding_create_params`).

import { z } from 'zod';
import { modelField, userField } from './common.ts';

const nonEmptyText = z.string().min(1, 'must not be empty');

export const embeddingRequestSchema = z.looseObject({
  model: modelField,
  input: z.union([
    nonEmptyText,
    z.array(nonEmptyText).min(1).max(2048),
    z.array(z.int().min(0)).min(1),
    z.array(z.array(z.int().min(0)).min(1)).min(1).max(2048),
  ]),
  encoding_format: z.enum(['float', 'base64']).optional(),
  dimensions: z.int().min(1).optional(),
  user: userField,
});
