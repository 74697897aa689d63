/**
 * The quick variant of each lab notebook in one call, so that a notebook's
 * parameters cell holds only the lab's real settings.
 *
 * @module
 */
import type { BackendChoice } from "../backend/mod.ts";
import { buildModel } from "../models/mod.ts";
import { makeQuickCheckpoint, makeQuickCifar, makeQuickImageFolder, quickMode } from "./quick.ts";

type Params = Record<string, unknown>;

/** What an exercise's quick variant changes, given a fresh temporary folder. */
type QuickPlan = (tmp: string, params: Params) => Promise<Params>;

const SHORT_RUN = { epochs: 1, imageSize: 32, batchSize: 16, maxSteps: 3, logEvery: 1 };

const cifarRun: QuickPlan = async (tmp) => ({
  ...SHORT_RUN,
  cifar: await makeQuickCifar(tmp, { perClass: 6, testPerClass: 4 }),
  out: `${tmp}/out`,
});

/** CIFAR stand-in plus a random checkpoint of `model` named as TF-Slim's file. */
function fineTuneRun(model: string): QuickPlan {
  return async (tmp, params) => {
    // Imported here: loading the backends module registers them with tfjs.
    const { useBackend } = await import("../backend/mod.ts");
    await useBackend((params.backend as BackendChoice | undefined) ?? "auto");
    const standIn = buildModel(model, { numClasses: 1000, inputSize: 32, seed: 7 });
    try {
      // A lab name ("vgg_16") or a path: the stand-in is named as TF-Slim's file.
      const name = String(params.checkpoint ?? model).split("/").pop()!;
      const file = name.endsWith(".ckpt") ? name : `${name}.ckpt`;
      return {
        ...(await cifarRun(tmp, params)),
        checkpoint: await makeQuickCheckpoint(standIn, `${tmp}/${file}`),
      };
    } finally {
      standIn.store.dispose();
    }
  };
}

const PLANS: Record<string, QuickPlan> = {
  "02": cifarRun,
  "03": fineTuneRun("vgg_16"),
  "04": fineTuneRun("vgg_16"),
  "05": fineTuneRun("resnet_v1_50"),
  "06": async (tmp) => {
    const counts = [40, 40, 6, 3];
    return {
      wbc: await makeQuickImageFolder(`${tmp}/wbc`, counts),
      splitFile: `${tmp}/split.json`,
      imageSize: 32,
      epochs: 1,
      batchSize: 16,
      maxSteps: 4,
      counts,
    };
  },
  "07": (tmp) =>
    Promise.resolve({
      out: `${tmp}/out`,
      sourcePerClass: 60,
      sourceEpochs: 1,
      little: 4,
      much: 20,
      targetImages: 64,
      testPerClass: 10,
      seeds: 2,
      lrFindSteps: 12,
    }),
  // A fresh sweep folder: quick runs never find an earlier run's finished trials.
  "08": (tmp) =>
    Promise.resolve({ trials: 4, perClass: 10, testPerClass: 5, epochs: 1, out: `${tmp}/sweep` }),
};

/** The exercises that have a quick variant. */
export const QUICK_EXERCISES: readonly string[] = Object.keys(PLANS);

/**
 * Switches a lab notebook's `params` to its quick variant when quick mode is
 * on (`TL_QUICK=1`, as CI runs the notebooks): stand-in files (Fashion-MNIST
 * images in CIFAR-10's binary format, random TF-Slim-named checkpoints, an
 * imbalanced image folder) in a fresh temporary folder, and a few steps at
 * 32×32. Shows the quick-mode banner. Without quick mode it does nothing.
 *
 * The values are replaced in place (the notebook's later cells read
 * `params`); keys the exercise does not have are refused, so a renamed
 * parameter cannot silently keep its full-size value.
 *
 * @example
 * ```ts
 * const params = { cifar: "../data/cifar-10-binary.tar.gz", epochs: 10, imageSize: 224 };
 * await quickExercise("02", params); // no-op unless TL_QUICK=1
 * ```
 */
export async function quickExercise(exercise: string, params: object): Promise<void> {
  const plan = PLANS[exercise];
  if (!plan) {
    throw new Error(
      `quickExercise: no quick variant for exercise '${exercise}' (expected one of ${
        QUICK_EXERCISES.join(", ")
      })`,
    );
  }
  if (!quickMode()) return;
  const changes = await plan(await Deno.makeTempDir({ prefix: `tl-quick-${exercise}-` }), {
    ...params,
  });
  const unknown = Object.keys(changes).filter((k) => !(k in params));
  if (unknown.length > 0) {
    throw new Error(
      `quickExercise('${exercise}'): params has no ${
        unknown.map((k) => `'${k}'`).join(", ")
      }, which the quick variant sets`,
    );
  }
  Object.assign(params, changes);
}
