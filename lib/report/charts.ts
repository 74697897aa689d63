/**
 * The toolkit's standard figures: training curves, learning rate, confusion
 * matrix heatmap, per-class bars and sweep comparisons.
 *
 * @module
 */
import type { EpochRecord, StepRecord } from "../train/mod.ts";
import type { LrFindResult } from "../train/mod.ts";
import type { ClassMetrics } from "../train/mod.ts";
import type { Figure } from "./plotly.ts";

/** Titles for charts of one run among several ("plain", "class weights"). */
export interface ChartOptions {
  /** Appended to the chart's title: `Training curves — class weights`. */
  name?: string;
}

function titled(base: string, options: ChartOptions): { text: string } {
  return { text: options.name ? `${base} — ${options.name}` : base };
}

const UNIT_TICKS = [0, 0.2, 0.4, 0.6, 0.8, 1];

/** Loss and accuracy against the global step, with validation accuracy per epoch. */
export function trainingCurves(
  history: StepRecord[],
  epochs: EpochRecord[] = [],
  options: ChartOptions = {},
): Figure {
  const steps = history.map((h) => h.step);
  return {
    data: [
      {
        x: steps,
        y: history.map((h) => h.loss),
        name: "train loss",
        type: "scatter",
        mode: "lines",
      },
      {
        x: steps,
        y: history.map((h) => h.accuracy),
        name: "train accuracy",
        type: "scatter",
        mode: "lines",
        yaxis: "y2",
      },
      ...(epochs.length
        ? [{
          x: epochs.map((e) => e.step),
          y: epochs.map((e) => e.validation.accuracy),
          name: "validation accuracy",
          type: "scatter",
          mode: "lines+markers",
          yaxis: "y2",
        }]
        : []),
    ],
    layout: {
      title: titled("Training curves", options),
      xaxis: { title: { text: "step" }, automargin: true },
      yaxis: { title: { text: "loss" }, automargin: true },
      // Tidy 0–1 ticks, and room for them: the title stands off the labels.
      yaxis2: {
        title: { text: "accuracy", standoff: 12 },
        overlaying: "y",
        side: "right",
        range: [0, 1.02],
        tickvals: UNIT_TICKS,
        tickformat: ".1f",
        automargin: true,
      },
      margin: { l: 60, r: 70, t: 50, b: 40 },
      legend: { orientation: "h", y: -0.25 },
    },
  };
}

/** The LR range test: smoothed loss against a log-scaled rate, with both suggestions marked. */
export function lrFindChart(result: LrFindResult): Figure {
  const marks = [
    { lr: result.steepest, name: "steepest descent" },
    { lr: result.minimumTenth, name: "minimum / 10" },
  ].filter((m) => Number.isFinite(m.lr));
  const lossAt = (lr: number) => {
    const i = result.learningRates.findIndex((r) => r >= lr);
    return result.losses[i < 0 ? result.losses.length - 1 : i];
  };
  return {
    data: [
      {
        x: result.learningRates,
        y: result.losses,
        name: "smoothed loss",
        type: "scatter",
        mode: "lines",
      },
      ...marks.map((m) => ({
        x: [m.lr],
        y: [lossAt(m.lr)],
        name: `${m.name}: ${m.lr.toExponential(1)}`,
        type: "scatter",
        mode: "markers",
        marker: { size: 10 },
      })),
    ],
    layout: {
      title: { text: "Learning-rate range test" },
      xaxis: { title: { text: "learning rate" }, type: "log" },
      // Clip the diverging tail: the y range spans from the minimum to the start's loss.
      yaxis: { title: { text: "loss (smoothed)" }, range: lossRange(result.losses) },
      legend: { orientation: "h", y: -0.2 },
    },
  };
}

function lossRange(losses: number[]): [number, number] | undefined {
  const finite = losses.filter(Number.isFinite);
  if (finite.length < 2) return undefined;
  const low = Math.min(...finite);
  const high = Math.max(...finite.slice(0, finite.indexOf(low) + 1));
  const pad = 0.1 * Math.max(high - low, 1e-3);
  return [low - pad, high + pad];
}

/** The learning rate per step. */
export function learningRateChart(history: StepRecord[]): Figure {
  return {
    data: [{
      x: history.map((h) => h.step),
      y: history.map((h) => h.learningRate),
      type: "scatter",
      mode: "lines",
      name: "lr",
    }],
    layout: {
      title: { text: "Learning rate" },
      xaxis: { title: { text: "step" } },
      yaxis: { type: "log" },
    },
  };
}

/** ColorBrewer's sequential Blues, light to dark: more is darker (Plotly's "Blues" ends in grey). */
const BLUES: [number, string][] = [
  [0, "#f7fbff"],
  [0.125, "#deebf7"],
  [0.25, "#c6dbef"],
  [0.375, "#9ecae1"],
  [0.5, "#6baed6"],
  [0.625, "#4292c6"],
  [0.75, "#2171b5"],
  [0.875, "#08519c"],
  [1, "#08306b"],
];

/** Confusion matrix heatmap (rows: true class, columns: predicted). */
export function confusionHeatmap(
  confusion: number[][],
  classNames: string[],
  options: ChartOptions = {},
): Figure {
  const max = Math.max(1, ...confusion.flat());
  return {
    data: [{
      z: confusion,
      x: classNames,
      y: classNames,
      type: "heatmap",
      colorscale: BLUES,
      zmin: 0,
      zmax: max,
      text: confusion.map((r) => r.map(String)),
      texttemplate: "%{text}",
      hovertemplate: "true %{y}<br>predicted %{x}<br>%{z}<extra></extra>",
    }],
    layout: {
      title: titled("Confusion matrix", options),
      // automargin: the longest class names fit; the axis titles stand off their labels.
      xaxis: { title: { text: "predicted", standoff: 8 }, automargin: true, tickangle: -30 },
      yaxis: {
        title: { text: "true", standoff: 12 },
        autorange: "reversed",
        automargin: true,
        ticksuffix: " ",
      },
      margin: { t: 50 },
    },
  };
}

/** Per-class precision, recall and F1 bars. */
export function perClassBars(
  metrics: ClassMetrics,
  classNames: string[],
  options: ChartOptions = {},
): Figure {
  return {
    data: (["precision", "recall", "f1"] as const).map((k) => ({
      x: classNames,
      y: metrics[k],
      name: k,
      type: "bar",
    })),
    layout: {
      title: titled("Per-class metrics", options),
      barmode: "group",
      xaxis: { automargin: true },
      yaxis: { range: [0, 1], tickvals: UNIT_TICKS, automargin: true },
    },
  };
}

/** Rows by their `group` (one trace each), in first-seen order. */
function byGroup<T extends { group?: string }>(rows: T[]): [string, T[]][] {
  const groups = new Map<string, T[]>();
  for (const r of rows) {
    const g = r.group ?? "";
    groups.set(g, [...groups.get(g) ?? [], r]);
  }
  return [...groups];
}

/** A bar per trial (or grouped by a second key) of one metric. */
export function sweepComparison(
  rows: { label: string; value: number; group?: string }[],
  metric: string,
): Figure {
  return {
    data: byGroup(rows).map(([g, rs]) => ({
      x: rs.map((r) => r.label),
      y: rs.map((r) => r.value),
      name: g || metric,
      type: "bar",
    })),
    layout: {
      title: { text: `Sweep: ${metric}` },
      barmode: "group",
      yaxis: { title: { text: metric } },
    },
  };
}

/**
 * A metric against one numeric flag, one marker per trial (random search:
 * the points fall where they were drawn); log x when the values span two
 * decades or more. `groups` colours the points (e.g. `batch=64`).
 */
export function sweepScatter(
  rows: { x: number; value: number; group?: string; text?: string }[],
  flag: string,
  metric: string,
): Figure {
  const xs = rows.map((r) => r.x).filter((x) => x > 0);
  const log = xs.length > 0 && Math.max(...xs) / Math.min(...xs) >= 100;
  return {
    data: byGroup(rows).map(([g, rs]) => ({
      x: rs.map((r) => r.x),
      y: rs.map((r) => r.value),
      text: rs.map((r) => r.text ?? ""),
      name: g || metric,
      mode: "markers",
      type: "scatter",
      marker: { size: 10 },
    })),
    layout: {
      title: { text: `Sweep: ${metric} against ${flag}` },
      xaxis: { title: { text: flag }, type: log ? "log" : "linear" },
      yaxis: { title: { text: metric } },
    },
  };
}
