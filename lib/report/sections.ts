/**
 * The report sections the toolkit's jobs share: a summary table, a run's
 * training curves, an evaluation's confusion matrix and per-class bars, and
 * a sweep's comparison. Scripts and notebooks assemble reports from these.
 *
 * @module
 */
import type { Evaluation } from "../train/mod.ts";
import type { EpochRecord, StepRecord } from "../train/mod.ts";
import {
  confusionHeatmap,
  learningRateChart,
  perClassBars,
  sweepComparison,
  sweepScatter,
  trainingCurves,
} from "./charts.ts";
import { htmlTable, type ReportSection } from "./plotly.ts";

/** A two-column table of named values (numbers to 4 decimals). */
export function summarySection(
  values: Record<string, unknown>,
  title = "Summary",
): ReportSection {
  const cell = (v: unknown) => typeof v === "number" ? +v.toFixed(4) : String(v);
  return {
    title,
    html: htmlTable([["metric", "value"], ...Object.entries(values).map(([k, v]) => [k, cell(v)])]),
  };
}

/** Training curves and the learning rate of one run. */
export function trainingSections(history: StepRecord[], epochs: EpochRecord[]): ReportSection[] {
  return [
    { title: "Training curves", figure: trainingCurves(history, epochs) },
    { title: "Learning rate", figure: learningRateChart(history) },
  ];
}

/** Confusion matrix and per-class metrics of an evaluation, limited to the named classes. */
export function evaluationSections(
  ev: Evaluation,
  classNames: string[],
  label = "test",
): ReportSection[] {
  const n = classNames.length;
  return [
    {
      title: `Confusion matrix (${label})`,
      figure: confusionHeatmap(
        ev.confusion.slice(0, n).map((r) => r.slice(0, n)),
        classNames,
        { name: label },
      ),
    },
    {
      title: `Per-class metrics (${label})`,
      figure: perClassBars(ev.metrics, classNames, { name: label }),
    },
  ];
}

/** Every key any row has, in first-seen order: a results table's columns. */
export function columnsOf(rows: Record<string, unknown>[]): string[] {
  return [...new Set(rows.flatMap((r) => Object.keys(r)))];
}

/**
 * A sweep's comparison chart of `metric` (bars by the first varied key,
 * grouped by the others) and the table of all trials.
 */
export function sweepSections(
  rows: Record<string, unknown>[],
  varied: string[],
  metric: string,
): ReportSection[] {
  const keys = columnsOf(rows);
  const [first, ...others] = varied;
  const values = rows.map((r) => Number(r[first]));
  // Many distinct numeric values (a random search): a scatter reads better than bars.
  const numeric = first !== undefined && values.every(Number.isFinite) &&
    new Set(values).size >= 4;
  const group = (r: Record<string, unknown>) => others.map((k) => `${k}=${r[k]}`).join(", ");
  const figure = numeric
    ? sweepScatter(
      rows.map((r, i) => ({
        x: values[i],
        value: Number(r[metric]),
        group: group(r),
        text: varied.map((k) => `${k}=${r[k]}`).join(", "),
      })),
      first,
      metric,
    )
    : sweepComparison(
      rows.map((r) => ({
        label: varied.slice(0, 1).map((k) => `${k}=${r[k]}`).join(""),
        group: group(r),
        value: Number(r[metric]),
      })),
      metric,
    );
  return [
    { title: `Comparison: ${metric}`, figure },
    {
      title: "All trials",
      html: htmlTable([keys, ...rows.map((r) => keys.map((k) => String(r[k] ?? "")))]),
    },
  ];
}
