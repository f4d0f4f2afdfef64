// Ranking and threshold metrics shared by the trainer's held-out report and scripts/eval.ts.

/** Average precision (area under the precision-recall curve, step-wise), NaN without positives. */
export function averagePrecision(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  const positives = Array.from(labels).filter((y) => y === 1).length;
  if (positives === 0) return Number.NaN;
  let tp = 0;
  let sum = 0;
  for (let rank = 0; rank < order.length; rank++) {
    if (labels[order[rank]!] === 1) {
      tp++;
      sum += tp / (rank + 1);
    }
  }
  return sum / positives;
}

export interface ThresholdStats {
  precision: number;
  recall: number;
  f1: number;
  positives: number;
  negatives: number;
}

export function statsAt(scores: ArrayLike<number>, labels: ArrayLike<number>, threshold: number): ThresholdStats {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let negatives = 0;
  for (let i = 0; i < scores.length; i++) {
    const flagged = scores[i]! >= threshold;
    if (labels[i] === 1) {
      if (flagged) tp++;
      else fn++;
    } else {
      negatives++;
      if (flagged) fp++;
    }
  }
  const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1, positives: tp + fn, negatives };
}

/** Threshold in [min, max] that maximises F1 (ties → the higher threshold). */
export function bestF1Threshold(scores: ArrayLike<number>, labels: ArrayLike<number>, min = 0.2, max = 0.9): number {
  let best = 0.5;
  let bestF1 = -1;
  for (let t = min; t <= max + 1e-9; t += 0.01) {
    const { f1 } = statsAt(scores, labels, t);
    if (f1 >= bestF1) {
      bestF1 = f1;
      best = Math.round(t * 100) / 100;
    }
  }
  return best;
}

/**
 * Fit Platt scaling p = sigmoid(a·z + b) on logits z by Newton's method (Platt 1999 targets), with
 * a weak prior pulling (a, b) towards the identity (1, 0) so a perfectly separated or tiny
 * validation set cannot send the fit to infinity. Fewer than `minPositives` positives: identity.
 */
export function fitPlatt(logits: ArrayLike<number>, labels: ArrayLike<number>, minPositives = 5): { a: number; b: number } {
  const n = logits.length;
  const pos = Array.from(labels).filter((y) => y === 1).length;
  const neg = n - pos;
  if (pos < minPositives || neg < minPositives) return { a: 1, b: 0 };
  const prior = 1;
  const hi = (pos + 1) / (pos + 2);
  const lo = 1 / (neg + 2);
  let a = 1;
  let b = 0;
  for (let iter = 0; iter < 100; iter++) {
    let g1 = prior * (a - 1);
    let g2 = prior * b;
    let h11 = prior;
    let h22 = prior;
    let h12 = 0;
    for (let i = 0; i < n; i++) {
      const z = logits[i]!;
      const t = labels[i] === 1 ? hi : lo;
      const p = 1 / (1 + Math.exp(-(a * z + b)));
      const d = p - t;
      const w = p * (1 - p);
      g1 += d * z;
      g2 += d;
      h11 += w * z * z;
      h22 += w;
      h12 += w * z;
    }
    const det = h11 * h22 - h12 * h12;
    if (Math.abs(det) < 1e-12) break;
    const da = (h22 * g1 - h12 * g2) / det;
    const db = (h11 * g2 - h12 * g1) / det;
    // Damped Newton step: keeps the iteration stable far from the optimum.
    const step = Math.min(1, 5 / Math.max(Math.abs(da), Math.abs(db)));
    a -= step * da;
    b -= step * db;
    if (Math.abs(da) < 1e-7 && Math.abs(db) < 1e-7) break;
  }
  return a > 0 && Number.isFinite(a) && Number.isFinite(b) ? { a, b } : { a: 1, b: 0 };
}
