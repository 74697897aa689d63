/**
 * Validation callback: evaluates held-out data after each epoch and records it.
 *
 * @module
 */
import type { Dataset } from "../../data/mod.ts";
import { evaluateAsync } from "../evaluate.ts";
import type { FeatureCache } from "../feature_cache.ts";
import type { Callback } from "../loop.ts";

/** Evaluates `data` after every epoch into `learner.epochRecords` (runs before the epoch's save). */
export function validationCallback(
  data: Dataset,
  options: { batchSize?: number; features?: FeatureCache } = {},
): Callback {
  return {
    name: "validation",
    order: 40,
    async afterEpoch(l) {
      const validation = await evaluateAsync(l.model, data, {
        batchSize: options.batchSize ?? l.batchSize,
        features: options.features,
      });
      l.epochRecords.push({ epoch: l.epoch + 1, step: l.step, validation });
      l.log(`epoch ${l.epoch + 1}: validation accuracy ${(validation.accuracy * 100).toFixed(2)}%`);
    },
  };
}
