/**
 * Checkpoint callback: resume from a folder's newest checkpoint, save every
 * N steps, at the end of each epoch, and when a run is stopped early.
 *
 * @module
 */
import { prepareCheckpointFolder, resumeTraining, saveTraining } from "../checkpointing.ts";
import type { Learner } from "../learner.ts";
import type { Callback } from "../loop.ts";

/** Options of {@linkcode checkpointCallback}. */
export interface CheckpointCallbackOptions {
  /** Save every N steps as well as after each epoch. */
  every?: number;
  /** Checkpoints to keep; default 5. */
  keep?: number;
  /** Resume from the folder's newest checkpoint; default true. */
  resume?: boolean;
}

/** Saves the run into `dir` (and resumes from it). */
export function checkpointCallback(dir: string, options: CheckpointCallbackOptions = {}): Callback {
  let lastSaved = 0;
  const save = async (l: Learner) => {
    if (l.step <= lastSaved) return;
    l.lastCheckpoint = await saveTraining(l, dir, { keep: options.keep });
    lastSaved = l.step;
  };
  return {
    name: "checkpoint",
    order: 50,
    async beforeFit(l) {
      const litter = await prepareCheckpointFolder(l, dir);
      if (litter.length) {
        l.log(`removed ${litter.length} temporary file(s) a killed run left in ${dir}`);
      }
      const resumed = options.resume === false ? undefined : await resumeTraining(l, dir);
      if (resumed && resumed.step > 0) {
        l.step = l.startStep = resumed.step;
        l.resumedCheckpoint = resumed.prefix;
        l.log(`resumed from ${dir}/model.ckpt-${resumed.step} at step ${resumed.step}`);
      }
      lastSaved = l.step;
    },
    // Values are read before a save, so that the NaN guard sees them first.
    wantsValues: (l) => options.every !== undefined && l.step % options.every === 0,
    async afterStep(l) {
      if (options.every && l.step % options.every === 0) await save(l);
    },
    afterEpoch: save,
    async afterFit(l) {
      if (!l.stopReason) return;
      await save(l);
      if (l.lastCheckpoint) l.log(`${l.stopReason}: saved ${l.lastCheckpoint}`);
    },
  };
}
