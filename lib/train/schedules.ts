/**
 * Learning-rate schedules as functions of the global step, with TF's
 * semantics (`tf.train.exponential_decay`, `piecewise_constant`,
 * `cosine_decay`) and a linear warmup wrapper.
 *
 * @module
 */

/** Learning rate at a (0-based) global step. */
export type Schedule = (step: number) => number;

/** A constant rate. */
export function constant(lr: number): Schedule {
  return () => lr;
}

/**
 * `lr · rate^(step / decaySteps)`, with the exponent floored when
 * `staircase` (the lab: 0.001, ×0.1 every 5 epochs).
 */
export function exponentialDecay(
  lr: number,
  options: { decaySteps: number; decayRate: number; staircase?: boolean },
): Schedule {
  if (!(options.decaySteps > 0)) {
    throw new Error(`decaySteps must be positive, got ${options.decaySteps}`);
  }
  return (step) => {
    const p = step / options.decaySteps;
    return lr * options.decayRate ** (options.staircase ? Math.floor(p) : p);
  };
}

/** `values[i]` while `step <= boundaries[i]` (TF's piecewise_constant). */
export function piecewiseConstant(boundaries: number[], values: number[]): Schedule {
  if (values.length !== boundaries.length + 1) {
    throw new Error(
      `piecewise schedule needs ${
        boundaries.length + 1
      } values for ${boundaries.length} boundaries, got ${values.length}`,
    );
  }
  if (boundaries.some((b, i) => i > 0 && !(b > boundaries[i - 1]))) {
    throw new Error(`piecewise schedule: boundaries must increase, got [${boundaries}]`);
  }
  return (step) => {
    const i = boundaries.findIndex((b) => step <= b);
    return values[i < 0 ? values.length - 1 : i];
  };
}

/** Cosine decay from `lr` to `lr · alpha` over `decaySteps`. */
export function cosineDecay(lr: number, options: { decaySteps: number; alpha?: number }): Schedule {
  const alpha = options.alpha ?? 0;
  return (step) => {
    const p = Math.min(step, options.decaySteps) / options.decaySteps;
    return lr * ((1 - alpha) * 0.5 * (1 + Math.cos(Math.PI * p)) + alpha);
  };
}

/** Ramps linearly from 0 to the wrapped schedule over `warmupSteps`, then follows it. */
export function linearWarmup(schedule: Schedule, warmupSteps: number): Schedule {
  return (
    step,
  ) => (step < warmupSteps ? schedule(step) * (step + 1) / warmupSteps : schedule(step));
}

/** The schedules by name, as scripts and sweeps select them. */
export const SCHEDULE_KINDS = ["constant", "exponential", "piecewise", "cosine"] as const;

/** A schedule described in epochs (what a command line or a sweep gives). */
export interface ScheduleSpec {
  /** Which schedule. */
  kind: typeof SCHEDULE_KINDS[number];
  /** Base rate. */
  lr: number;
  /** exponential: factor per decay period; default 0.1. */
  decayRate?: number;
  /** exponential / cosine: epochs per period (cosine: default `epochs`); default 5. */
  decayEpochs?: number;
  /** exponential: decay in steps (as the lab does). */
  staircase?: boolean;
  /** piecewise: epochs at which the rate changes. */
  boundaries?: number[];
  /** piecewise: one more rate than boundaries. */
  values?: number[];
  /** cosine: epochs of the whole run. */
  epochs?: number;
  /** Linear warmup over this many steps; default 0. */
  warmupSteps?: number;
}

/** Builds the step-based schedule a {@linkcode ScheduleSpec} describes. */
export function scheduleFromSpec(spec: ScheduleSpec, stepsPerEpoch: number): Schedule {
  let s: Schedule;
  switch (spec.kind) {
    case "constant":
      s = constant(spec.lr);
      break;
    case "exponential":
      s = exponentialDecay(spec.lr, {
        decaySteps: (spec.decayEpochs ?? 5) * stepsPerEpoch,
        decayRate: spec.decayRate ?? 0.1,
        staircase: spec.staircase,
      });
      break;
    case "cosine":
      s = cosineDecay(spec.lr, {
        decaySteps: (spec.epochs ?? spec.decayEpochs ?? 5) * stepsPerEpoch,
      });
      break;
    case "piecewise":
      if (!spec.boundaries || !spec.values) {
        throw new Error("a piecewise schedule needs boundaries (epochs) and values (rates)");
      }
      s = piecewiseConstant(spec.boundaries.map((e) => e * stepsPerEpoch), spec.values);
      break;
    default:
      throw new Error(
        `unknown schedule '${spec.kind}': expected one of ${SCHEDULE_KINDS.join(", ")}`,
      );
  }
  return spec.warmupSteps ? linearWarmup(s, spec.warmupSteps) : s;
}
