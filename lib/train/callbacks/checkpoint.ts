/**
 * Checkpoint callback: resume from a folder's newest checkpoint, save every
 * N steps, at the end of each epoch, and when a run is stopped early.
 *
 * @module
 */
import { latestCheckpoint } from "../../io/mod.ts";
import { lockFolder } from "../../util/mod.ts";
import { prepareCheckpointFolder, resumeTraining, saveTraining } from "../checkpointing.ts";
import type { Learner } from "../learner.ts";
import type { Callback } from "../loop.ts";
import {
  clearCheckpoints,
  readRunRecord,
  RunMismatchError,
  type RunSettings,
  settingsDiff,
  writeRunRecord,
} from "../run_record.ts";

/** Options of {@linkcode checkpointCallback}. */
export interface CheckpointCallbackOptions {
  /** Save every N steps as well as after each epoch. */
  every?: number;
  /** Checkpoints to keep; default 5. */
  keep?: number;
  /** Resume from the folder's newest checkpoint; default true. */
  resume?: boolean;
  /** Delete the folder's checkpoints first and start over. */
  restart?: boolean;
  /**
   * The run's settings (see `runSettings`): recorded in `run.json`, and a
   * resume into a folder whose recorded settings differ is refused.
   */
  settings?: (learner: Learner) => RunSettings;
}

/** Saves the run into `dir` (and resumes from it). */
export function checkpointCallback(dir: string, options: CheckpointCallbackOptions = {}): Callback {
  let lastSaved = 0;
  let unlock: (() => void) | undefined;
  // Written with the first checkpoint: a folder that holds none has no record.
  let record: RunSettings | undefined;
  const save = async (l: Learner) => {
    if (l.step <= lastSaved) return;
    if (record) {
      await writeRunRecord(dir, record);
      record = undefined;
    }
    l.lastCheckpoint = await saveTraining(l, dir, { keep: options.keep });
    lastSaved = l.step;
  };
  return {
    name: "checkpoint",
    order: 50,
    async beforeFit(l) {
      const litter = await prepareCheckpointFolder(l, dir);
      // One process per folder: a second one would interleave checkpoints with ours.
      unlock = lockFolder(dir, "checkpoint folder");
      if (options.restart) {
        const n = await clearCheckpoints(dir);
        if (n) l.log(`restart: removed ${n} checkpoint file(s) from ${dir}`);
      }
      if (options.settings) {
        const now = options.settings(l);
        const recorded = await readRunRecord(dir);
        const held = options.resume !== false && (await latestCheckpoint(dir)) !== undefined;
        if (held && recorded) {
          const diff = settingsDiff(recorded, now);
          if (diff.length) throw new RunMismatchError(dir, diff);
        }
        record = now;
      }
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
    cleanup() {
      unlock?.();
      unlock = undefined;
    },
    async afterFit(l) {
      if (!l.stopReason) return;
      await save(l);
      if (l.lastCheckpoint) l.log(`${l.stopReason}: saved ${l.lastCheckpoint}`);
    },
  };
}
