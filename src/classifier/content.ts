// Whether a text has anything the classifier can read: at least one word token after the
// featurizer's normalisation. Empty text, whitespace, punctuation, emoji or a tool call's `{}` has
// none; scored anyway it would get the model's prior (the shipped round-6 model gave such text
// sexual/minors 0.35, which the 0.10 floor blocked). Serving gives it no score instead
// (`ClassifierScores.unscored`), so every caller, not only the guard cascade, gets the same answer.

import { tokenize } from '../text/featurize.ts';

const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;

export function hasClassifiableContent(text: string): boolean {
  // Fast path: a letter or digit survives normalisation as a token. Otherwise normalisation may
  // still fold symbols into letters (circled or enclosed letters, some homoglyphs): ask the tokenizer.
  if (LETTER_OR_DIGIT.test(text)) return true;
  return tokenize(text).length > 0;
}
