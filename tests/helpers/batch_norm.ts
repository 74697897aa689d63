/** BatchNorm variables with random values, so that inference-mode BN is really exercised. */
import * as tf from "@tensorflow/tfjs";
import type { Model } from "../../lib/models/model.ts";
import { seededRandom } from "../../lib/util/random.ts";

/**
 * Randomises BatchNorm statistics so inference-mode BN is really exercised,
 * and conv biases (zeros when built), so that a reference that dropped one
 * would differ.
 */
export function randomiseStatistics(model: Model, seed: number) {
  const random = seededRandom(seed);
  for (const v of model.store.list()) {
    if (!/(BatchNorm\/(gamma|beta|moving_mean|moving_variance)|\/biases)$/.test(v.name)) continue;
    const n = v.variable.size;
    const vals = Float32Array.from(
      { length: n },
      () =>
        v.name.endsWith("variance")
          ? 0.5 + random()
          : v.name.endsWith("gamma")
          ? 0.5 + random()
          : random() - 0.5,
    );
    v.variable.assign(tf.tensor(vals, v.variable.shape));
  }
}
