// OpenAI moderation-evaluation format keys (github.com/openai/moderation-api-release) and the
// classifier head each one is scored against.

import type { ModerationCategory } from '../src/categories.ts';

export const EVAL_KEYS: Readonly<Record<string, ModerationCategory>> = {
  S: 'sexual',
  H: 'hate',
  V: 'violence',
  HR: 'harassment',
  SH: 'self-harm',
  S3: 'sexual/minors',
  H2: 'hate/threatening',
  V2: 'violence/graphic',
};
