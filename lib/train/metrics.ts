/**
 * Metrics from a confusion matrix: per-class precision, recall and F1,
 * accuracy, balanced accuracy and macro F1.
 *
 * @module
 */

/** Per-class and overall metrics. */
export interface ClassMetrics {
  /** Per class: of the images predicted as the class, the share that are. */
  precision: number[];
  /** Per class: of the images of the class, the share found. */
  recall: number[];
  /** Per class: harmonic mean of precision and recall. */
  f1: number[];
  /** Images per class in the evaluated split. */
  support: number[];
  /** Share of all images predicted correctly. */
  accuracy: number;
  /** Mean recall over classes present in the split. */
  balancedAccuracy: number;
  /** Mean F1 over classes present in the split. */
  macroF1: number;
}

/** Computes metrics from `confusion[true][predicted]`; 0/0 counts as 0. */
export function metricsFromConfusion(confusion: number[][]): ClassMetrics {
  const k = confusion.length;
  const support = confusion.map((row) => row.reduce((a, b) => a + b, 0));
  const predicted = Array.from(
    { length: k },
    (_, j) => confusion.reduce((a, row) => a + row[j], 0),
  );
  const tp = confusion.map((row, i) => row[i]);
  const div = (a: number, b: number) => (b === 0 ? 0 : a / b);
  const precision = tp.map((t, i) => div(t, predicted[i]));
  const recall = tp.map((t, i) => div(t, support[i]));
  const f1 = precision.map((p, i) => div(2 * p * recall[i], p + recall[i]));
  const present = support.map((s) => s > 0);
  const n = present.filter(Boolean).length;
  const total = support.reduce((a, b) => a + b, 0);
  return {
    precision,
    recall,
    f1,
    support,
    accuracy: div(tp.reduce((a, b) => a + b, 0), total),
    balancedAccuracy: div(recall.reduce((a, r, i) => a + (present[i] ? r : 0), 0), n),
    macroF1: div(f1.reduce((a, f, i) => a + (present[i] ? f : 0), 0), n),
  };
}
