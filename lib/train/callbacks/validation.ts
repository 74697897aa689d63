/**
 * Validation callback: evaluates held-out data after each epoch and records it.
 *
 * @module
 */
import type { ImageDataset } from "../../data/dataset.ts";
import { evaluate } from "../evaluate.ts";
import type { Callback } from "../loop.ts";

/** Evaluates `data` after every epoch into `learner.epochRecords` (runs before the epoch's save). */
export function validationCallback(
  data: ImageDataset,
  options: { batchSize?: number } = {},
): Callback {
  return {
    name: "validation",
    order: 40,
    afterEpoch(l) {
      const validation = evaluate(l.model, data, { batchSize: options.batchSize ?? l.batchSize });
      l.epochRecords.push({ epoch: l.epoch + 1, step: l.step, validation });
      l.log(`epoch ${l.epoch + 1}: validation accuracy ${(validation.accuracy * 100).toFixed(2)}%`);
    },
  };
}
