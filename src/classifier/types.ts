// The contract between the guard cascade and any multi-label text classifier. The shipped server
// uses the ONNX implementation; tests may pass a fake that honours the same contract.

import type { ClassifierHead } from '../categories.ts';
import type { Span } from '../text/normalize.ts';

export interface ClassifierScores {
  /** Calibrated probability per head, in [0, 1]. Heads the model lacks are absent. */
  readonly scores: Readonly<Partial<Record<ClassifierHead, number>>>;
  /** For long texts scored over sliding windows: the window with the highest score, in original offsets. */
  readonly worstSpan?: Span;
  /**
   * The text has no classifiable content (no word token: empty, whitespace, punctuation, emoji):
   * nothing was run and every score is 0, meaning "not scored", not "scored safe".
   */
  readonly unscored?: true;
}

export interface ClassifyOptions {
  /**
   * When the caller stops waiting (ms on the `performance.timeOrigin + performance.now()` clock,
   * comparable across threads): work not begun by then may be skipped, the call then rejecting
   * with ClassifierDeadlineError (deadline.ts). Under overload a queue of calls whose budgets have run out would
   * otherwise be scored for nobody while the calls behind them miss their own budgets too.
   */
  readonly deadline?: number;
}

export interface Classifier {
  /** Identifies the model (name and content hash) in verdicts and cache keys. */
  readonly version: string;
  readonly heads: readonly ClassifierHead[];
  /** Score a batch of texts; the result has one entry per text, in order. */
  classify(texts: readonly string[], options?: ClassifyOptions): Promise<ClassifierScores[]>;
  close?(): Promise<void>;
}
