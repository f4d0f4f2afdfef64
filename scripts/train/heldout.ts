// Writes the held-out test split in OpenAI's moderation-evaluation format (one JSON object per
// line: prompt plus S/H/V/HR/SH/S3/H2/V2 as 0|1, a missing key meaning unknown), so
// `npm run eval` can score the shipped ONNX model on it. The file holds corpus text, so it goes to
// the git-ignored .cache/ only.

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { EVAL_KEYS } from '../../src/ops/evaluation.ts';
import { HEAD_INDEX, UNKNOWN } from './labels.ts';
import type { Item } from './dataset.ts';

export function writeHeldoutEvalFile(path: string, items: readonly Item[]): number {
  const lines: string[] = [];
  for (const item of items) {
    const row: Record<string, string | number> = { prompt: item.text, source: item.source };
    let known = 0;
    for (const [key, head] of Object.entries(EVAL_KEYS)) {
      const y = item.labels[HEAD_INDEX.get(head)!]!;
      if (y === UNKNOWN) continue;
      row[key] = y;
      known++;
    }
    if (known > 0) lines.push(JSON.stringify(row));
  }
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${lines.join('\n')}\n`);
  return lines.length;
}
