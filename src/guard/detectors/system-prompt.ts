// The system_prompt detector (seed 004): an answer that leaks the instructions its request gave the
// model (system/developer messages, Responses `instructions`), by word n-gram overlap with them
// (ngram-overlap.ts). The options are resolved at load; the instructions come with each request
// (DetectionContext), indexed once per request and shared by every text and window checked for it.

import type { DetectionContext, Finding, TextDetector } from '../types.ts';
import { bestOverlap, createOverlapIndex, type OverlapIndex, type OverlapOptions } from './ngram-overlap.ts';

export function createSystemPromptDetector(options: OverlapOptions): TextDetector {
  const indexes = new WeakMap<readonly string[], OverlapIndex>();
  const indexFor = (prompts: readonly string[]): OverlapIndex => {
    let index = indexes.get(prompts);
    if (!index) indexes.set(prompts, (index = createOverlapIndex(prompts.map((text, i) => ({ id: String(i), text })), options)));
    return index;
  };
  return {
    name: 'system_prompt',
    detect(text: string, context?: DetectionContext): Finding[] {
      const prompts = context?.systemPrompts;
      if (!prompts || prompts.length === 0) return [];
      const match = bestOverlap(indexFor(prompts), text);
      return match ? [{ detector: 'system_prompt', ruleId: 'system_prompt.leak', category: 'system_prompt', score: match.score, span: match.span }] : [];
    },
  };
}
