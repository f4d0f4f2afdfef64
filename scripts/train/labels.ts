// Label vectors for training: one entry per classifier head, 1 = positive, 0 = negative,
// UNKNOWN = the source says nothing about this head (masked out of the loss, never a negative).

import { CLASSIFIER_HEADS, MODERATION_CATEGORIES } from '../../src/categories.ts';
import type { ClassifierHead } from '../../src/categories.ts';

export const UNKNOWN = -1;
export const HEAD_COUNT = CLASSIFIER_HEADS.length;
export const HEAD_INDEX: ReadonlyMap<ClassifierHead, number> = new Map(CLASSIFIER_HEADS.map((h, i) => [h, i]));

export type LabelSpec = Partial<Record<ClassifierHead, 0 | 1>>;

export interface Example {
  readonly text: string;
  /** Int8 per head: 1, 0 or UNKNOWN. */
  readonly labels: Int8Array;
  readonly source: string;
  /** Items sharing a group (a template, a question, a user) land in the same split. */
  readonly group: string;
  /** Loss weight of the whole example (weak or templated sources below 1; 1 when absent). */
  readonly weight?: number;
}

/** Build a label vector; heads not named in `spec` take `rest` (UNKNOWN unless the text is benign). */
export function labelVector(spec: LabelSpec, rest: 0 | typeof UNKNOWN = UNKNOWN): Int8Array {
  const labels = new Int8Array(HEAD_COUNT).fill(rest);
  for (const [head, value] of Object.entries(spec) as Array<[ClassifierHead, 0 | 1]>) {
    labels[HEAD_INDEX.get(head)!] = value;
  }
  return labels;
}

/** A benign text: every head negative, apart from overrides. */
export function benign(overrides: LabelSpec = {}): Int8Array {
  return labelVector(overrides, 0);
}

/**
 * A harmful request or answer whose harm category is known: the named categories are positive, the
 * moderation categories unrelated to them are negative (a bomb recipe is not sexual), and
 * neighbouring ones stay unknown. Without these negatives, rare heads learn "any harmful request"
 * because their only negatives would be benign texts. Auxiliary heads stay unknown unless named.
 */
export function harmful(spec: LabelSpec): Int8Array {
  const on = (head: ClassifierHead) => spec[head] === 1;
  const base: LabelSpec = {};
  for (const head of MODERATION_CATEGORIES) base[head] = 0;
  const unknown = new Set<ClassifierHead>();
  if (on('hate')) ['harassment', 'hate/threatening', 'violence'].forEach((h) => unknown.add(h as ClassifierHead));
  if (on('harassment')) ['harassment/threatening', 'hate'].forEach((h) => unknown.add(h as ClassifierHead));
  if (on('violence') || on('illicit/violent')) ['illicit', 'illicit/violent', 'violence', 'violence/graphic', 'harassment/threatening', 'harassment'].forEach((h) => unknown.add(h as ClassifierHead));
  if (on('illicit')) ['illicit/violent', 'violence'].forEach((h) => unknown.add(h as ClassifierHead));
  if (on('self-harm') || on('self-harm/intent') || on('self-harm/instructions')) ['self-harm', 'self-harm/intent', 'self-harm/instructions'].forEach((h) => unknown.add(h as ClassifierHead));
  if (on('sexual') || on('sexual/minors')) ['sexual/minors', 'illicit', 'harassment'].forEach((h) => unknown.add(h as ClassifierHead));
  const labels = labelVector(base);
  for (const head of unknown) labels[HEAD_INDEX.get(head)!] = UNKNOWN;
  for (const [head, value] of Object.entries(spec) as Array<[ClassifierHead, 0 | 1]>) labels[HEAD_INDEX.get(head)!] = value;
  return labels;
}

/** Label families reused by several sources. */
export const HATE: LabelSpec = { hate: 1, identity_hate: 1, toxicity: 1 };
export const HARASSMENT: LabelSpec = { harassment: 1, toxicity: 1, hate: 0, identity_hate: 0 };
/** Non-toxic social-media text: the toxicity family is negative; other harms are also absent. */
export const NOT_TOXIC: LabelSpec = {};

/** Merge duplicates across sources: a positive anywhere wins, then a negative, then unknown. */
export function mergeLabels(into: Int8Array, from: Int8Array): void {
  for (let i = 0; i < into.length; i++) {
    const a = into[i]!;
    const b = from[i]!;
    if (b === 1 || (b === 0 && a === UNKNOWN)) into[i] = b;
  }
}
