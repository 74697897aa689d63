/**
 * `fineTune`: fastai's `fine_tune` as a composition of two fits: the new
 * head alone first (the pretrained layers frozen), then every layer at a
 * lower rate.
 *
 * @module
 */
import type { Dataset } from "../data/mod.ts";
import type { Model } from "../models/mod.ts";
import { type FitOptions, type FitResult, fitStages } from "./fit.ts";

/** Options of {@linkcode fineTune}. */
export interface FineTuneOptions extends Omit<FitOptions, "learningRate" | "trainableScopes"> {
  /** Epochs of head-only training; default 1. */
  headEpochs?: number;
  /** Epochs of all-layer training; default 1. */
  epochs?: number;
  /** Rate of the head stage; default 1e-3. */
  baseLr?: number;
  /** Rate of the all-layer stage; default `baseLr / 10`. */
  allLayersLr?: number;
  /** Scopes of the head stage; default the model's `headScope` (`vgg_16/fc8`). */
  headScopes?: string[];
}

/**
 * Trains the head for `headEpochs` at `baseLr`, then all layers for `epochs`
 * at `allLayersLr`; returns both stages' results. With `checkpointDir` each
 * stage checkpoints (and resumes) in `stage-1` / `stage-2`.
 */
export function fineTune(
  model: Model,
  data: Dataset,
  options: FineTuneOptions = {},
): Promise<FitResult[]> {
  const { headEpochs = 1, epochs = 1, baseLr = 1e-3, headScopes, allLayersLr, ...common } = options;
  return fitStages(model, data, {
    ...common,
    stages: [
      {
        trainableScopes: headScopes ?? [model.headScope],
        epochs: headEpochs,
        learningRate: baseLr,
      },
      { trainableScopes: undefined, epochs, learningRate: allLayersLr ?? baseLr / 10 },
    ],
  });
}
