/**
 * An evaluation as plain text: the headline line and the per-class table
 * that `deno task eval` prints.
 *
 * @module
 */
import type { Evaluation } from "../train/mod.ts";

/** `N images: top-1 …, top-5 …, balanced …, macro F1 …`, then one row per class. */
export function evaluationText(ev: Evaluation, classNames: string[]): string[] {
  const m = ev.metrics;
  const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
  const num = (x: number, w: number) => x.toFixed(3).padStart(w);
  return [
    `${ev.count} images: top-1 ${pct(ev.accuracy)}, top-5 ${pct(ev.top5)}, ` +
    `balanced ${pct(m.balancedAccuracy)}, macro F1 ${m.macroF1.toFixed(4)}`,
    `${"class".padEnd(16)}${"precision".padStart(10)}${"recall".padStart(10)}${"f1".padStart(10)}${
      "support".padStart(9)
    }`,
    ...classNames.map((c, i) =>
      `${c.slice(0, 15).padEnd(16)}${num(m.precision[i], 10)}${num(m.recall[i], 10)}${
        num(m.f1[i], 10)
      }${String(m.support[i]).padStart(9)}`
    ),
  ];
}
