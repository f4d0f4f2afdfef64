// The copyright_ip detector (seed 004): text that reproduces a tenant's protected texts (book
// chapters, lyrics, licensed documentation, internal source), by word n-gram overlap with each
// (ngram-overlap.ts). The protected texts are indexed once, when the policy loads.

import type { Finding, TextDetector } from '../types.ts';
import { bestOverlap, createOverlapIndex, type OverlapOptions, type OverlapSource } from './ngram-overlap.ts';

export interface CopyrightOptions extends OverlapOptions {
  readonly texts: readonly OverlapSource[];
}

export function createCopyrightDetector(options: CopyrightOptions): TextDetector {
  const index = createOverlapIndex(options.texts, options);
  return {
    name: 'copyright_ip',
    detect(text: string): Finding[] {
      const match = bestOverlap(index, text);
      return match ? [{ detector: 'copyright_ip', ruleId: `copyright_ip.${match.id}`, category: 'copyright_ip', score: match.score, span: match.span }] : [];
    },
  };
}
