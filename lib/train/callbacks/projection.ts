/**
 * Says, after the run's first steps, how long the whole run will take on
 * this machine, measured rather than guessed (step one pays for warm-up and
 * the memory probe, so the line waits for a few more).
 *
 * @module
 */
import type { Callback } from "../loop.ts";
import { formatDuration, project } from "../projection.ts";

/** Steps measured before projecting (fewer when the run is shorter). */
const MEASURED_STEPS = 3;

/** Logs one projection line after the first few steps of the run. */
export function projectionCallback(): Callback {
  let said = false;
  return {
    name: "projection",
    order: 25,
    afterStep(l) {
      const done = l.step - l.startStep;
      if (said || done < Math.min(MEASURED_STEPS, l.totalSteps - l.startStep)) return;
      said = true;
      if (l.step >= l.totalSteps) return; // nothing left to project
      const p = project(l);
      const epochs = Math.ceil((l.totalSteps - l.startStep) / l.stepsPerEpoch);
      const what = `${l.totalSteps - l.startStep} steps` +
        (epochs > 1 ? `, ${epochs} epochs` : "");
      const split = p.features > 0
        ? `: computing the frozen features takes about ${formatDuration(p.features)}, then ` +
          `an epoch takes about ${formatDuration(p.laterEpoch)}`
        : "";
      l.log(
        `projected: about ${formatDuration(p.remaining)} more for this run (${what}) on ` +
          `this machine${split}`,
      );
    },
  };
}
