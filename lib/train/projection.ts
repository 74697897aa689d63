/**
 * How long the rest of a run will take, from what it has measured: the
 * pace of its steps, plus, while the frozen features are still being
 * computed, the pace of computing them (so epoch 1 of a cached run is
 * projected slow and the later epochs fast, as they will be).
 *
 * @module
 */
import type { Learner } from "./learner.ts";

/** The parts of a projection, in seconds. */
export interface Projection {
  /** Seconds left in all. */
  remaining: number;
  /** Of those, computing frozen features still missing. */
  features: number;
  /** Seconds of one epoch once every feature is stored (the plain pace without a cache). */
  laterEpoch: number;
}

/** Projects the rest of `l`'s run (NaN before its first step). */
export function project(l: Learner): Projection {
  const done = l.step - l.startStep;
  if (done <= 0) return { remaining: NaN, features: NaN, laterEpoch: NaN };
  const elapsed = (performance.now() - l.startTime) / 1000;
  const f = l.features;
  const featureSeconds = f?.timing.seconds ?? 0;
  const perStep = Math.max(0, elapsed - featureSeconds) / done;
  const perRow = f && f.timing.rows > 0 ? f.timing.seconds / f.timing.rows : 0;
  const stepsLeft = Math.max(0, l.totalSteps - l.step);
  const features = f ? Math.min(f.missing, stepsLeft * l.batchSize) * perRow : 0;
  return {
    remaining: stepsLeft * perStep + features,
    features,
    laterEpoch: perStep * l.stepsPerEpoch,
  };
}

/** "2 h 05 min", "25 min", "40 s". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "unknown";
  if (seconds < 90) return `${Math.max(1, Math.round(seconds))} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} min`;
}
