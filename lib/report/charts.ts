/**
 * The toolkit's standard figures: training curves, learning rate, confusion
 * matrix heatmap, per-class bars and sweep comparisons.
 *
 * @module
 */
import type { EpochRecord, StepRecord } from "../train/learner.ts";
import type { LrFindResult } from "../train/lr_find.ts";
import type { ClassMetrics } from "../train/metrics.ts";
import type { Figure } from "./plotly.ts";

/** Loss and accuracy against the global step, with validation accuracy per epoch. */
export function trainingCurves(history: StepRecord[], epochs: EpochRecord[] = []): Figure {
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
      title: { text: "Training curves" },
      xaxis: { title: { text: "step" } },
      yaxis: { title: { text: "loss" } },
      yaxis2: { title: { text: "accuracy" }, overlaying: "y", side: "right", range: [0, 1] },
      legend: { orientation: "h", y: -0.2 },
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

/** Confusion matrix heatmap (rows: true class, columns: predicted). */
export function confusionHeatmap(confusion: number[][], classNames: string[]): Figure {
  return {
    data: [{
      z: confusion,
      x: classNames,
      y: classNames,
      type: "heatmap",
      colorscale: "Blues",
      text: confusion.map((r) => r.map(String)),
      texttemplate: "%{text}",
      hovertemplate: "true %{y}<br>predicted %{x}<br>%{z}<extra></extra>",
    }],
    layout: {
      title: { text: "Confusion matrix" },
      xaxis: { title: { text: "predicted" } },
      yaxis: { title: { text: "true" }, autorange: "reversed" },
    },
  };
}

/** Per-class precision, recall and F1 bars. */
export function perClassBars(metrics: ClassMetrics, classNames: string[]): Figure {
  return {
    data: (["precision", "recall", "f1"] as const).map((k) => ({
      x: classNames,
      y: metrics[k],
      name: k,
      type: "bar",
    })),
    layout: { title: { text: "Per-class metrics" }, barmode: "group", yaxis: { range: [0, 1] } },
  };
}

/** A bar per trial (or grouped by a second key) of one metric. */
export function sweepComparison(
  rows: { label: string; value: number; group?: string }[],
  metric: string,
): Figure {
  const groups = [...new Set(rows.map((r) => r.group ?? ""))];
  return {
    data: groups.map((g) => {
      const rs = rows.filter((r) => (r.group ?? "") === g);
      return {
        x: rs.map((r) => r.label),
        y: rs.map((r) => r.value),
        name: g || metric,
        type: "bar",
      };
    }),
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
  const groups = [...new Set(rows.map((r) => r.group ?? ""))];
  return {
    data: groups.map((g) => {
      const rs = rows.filter((r) => (r.group ?? "") === g);
      return {
        x: rs.map((r) => r.x),
        y: rs.map((r) => r.value),
        text: rs.map((r) => r.text ?? ""),
        name: g || metric,
        mode: "markers",
        type: "scatter",
        marker: { size: 10 },
      };
    }),
    layout: {
      title: { text: `Sweep: ${metric} against ${flag}` },
      xaxis: { title: { text: flag }, type: log ? "log" : "linear" },
      yaxis: { title: { text: metric } },
    },
  };
}
