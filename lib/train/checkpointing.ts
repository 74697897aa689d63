/**
 * A training run's state as a TF V2 checkpoint (model variables,
 * `global_step`, optimizer slots, as TF-Slim writes them) and back.
 *
 * @module
 */
import { latestCheckpoint, openCheckpoint } from "../io/mod.ts";
import { removeStaleTemps } from "../io/mod.ts";
import { checkWritableFolder } from "../util/mod.ts";
import { restoreVariables } from "../weights/mod.ts";
import { saveModel } from "../weights/mod.ts";
import { toFloat32 } from "../io/mod.ts";
import type { Learner } from "./learner.ts";
import { checkpointSlotCount, optimizerSlots, restoreOptimizerSlots } from "./optimizers.ts";

/**
 * Gets `dir` ready before the first step, so that no work is lost at the
 * first save: removes temp files that a killed run left (only those whose
 * process is gone), and checks the folder is writable with room for one
 * checkpoint (variables plus optimizer slots). Returns the removed files.
 */
export async function prepareCheckpointFolder(learner: Learner, dir: string): Promise<string[]> {
  const removed = await removeStaleTemps(dir);
  const slotsPerVariable = checkpointSlotCount(learner.optimizer.kind);
  const trainable = new Set(learner.trainStep.trainable);
  let bytes = 0;
  for (const v of learner.model.store.list()) {
    const n = v.variable.size * 4;
    bytes += trainable.has(v.name) ? n * (1 + slotsPerVariable) : n;
  }
  await checkWritableFolder(dir, bytes, "checkpoint folder");
  return removed;
}

/** Writes `<dir>/model.ckpt-<step>` and returns its prefix; keeps the newest `keep`. */
export async function saveTraining(
  learner: Learner,
  dir: string,
  options: { keep?: number } = {},
): Promise<string> {
  const prefix = `${dir}/model.ckpt-${learner.step}`;
  await saveModel(learner.model, prefix, {
    globalStep: learner.step,
    extra: await optimizerSlots(learner.optimizer, learner.trainStep.trainable),
    keep: options.keep ?? 5,
  });
  return prefix;
}

/**
 * Restores the newest checkpoint of `dir` into the learner's model and
 * optimizer; returns its prefix and global step, or undefined when the
 * folder holds none.
 */
export async function resumeTraining(
  learner: Learner,
  dir: string,
): Promise<{ prefix: string; step: number } | undefined> {
  const latest = await latestCheckpoint(dir);
  if (!latest) return undefined;
  const { model, optimizer, trainStep } = learner;
  const ckpt = await openCheckpoint(latest);
  try {
    await restoreVariables(model.store.list(), ckpt);
    const listed = new Set(ckpt.list().map((t) => t.name));
    const step = listed.has("global_step") ? Number((await ckpt.read("global_step")).data[0]) : 0;
    const byName = new Map(model.store.list().map((v) => [v.name, v.variable.shape]));
    const trainable = trainStep.trainable;
    const ok = await restoreOptimizerSlots(
      optimizer,
      trainable,
      step,
      async (name) => (listed.has(name) ? toFloat32(await ckpt.read(name), name) : undefined),
      trainable.map((n) => byName.get(n)!),
    );
    if (!ok && step > 0) {
      throw new Error(
        `${latest}: has no ${optimizer.kind} optimizer state for the trainable variables; ` +
          `resume with the same optimizer and trainable scopes, or use a new checkpoint folder`,
      );
    }
    return { prefix: latest, step };
  } finally {
    ckpt.close();
  }
}
