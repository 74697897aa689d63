/**
 * What every model of a family shares: the head's scope, the preprocessing
 * its published weights go with and TF-Slim's weight decay. Builders take
 * these from here, so a family's defaults are written once.
 *
 * @module
 */
import { INCEPTION_PREPROCESSING, type Preprocessing, VGG_PREPROCESSING } from "../data/mod.ts";

/** The zoo's families. */
export type Family = "vgg" | "alexnet" | "resnet_v1" | "resnet_v2" | "inception" | "mobilenet";

/** A family's defaults. */
export interface FamilyDefaults {
  /** The head's scope under the model's (`fc8`, `logits`, `Logits`). */
  head: string;
  /** Preprocessing of TF-Slim's published weights. */
  preprocessing: Preprocessing;
  /** TF-Slim's `weight_decay` of the family's arg scope. */
  weightDecay: number;
}

/** Family → defaults (TF-Slim's `nets/` arg scopes and preprocessing table). */
export const FAMILIES: Record<Family, FamilyDefaults> = {
  vgg: { head: "fc8", preprocessing: VGG_PREPROCESSING, weightDecay: 5e-4 },
  alexnet: { head: "fc8", preprocessing: VGG_PREPROCESSING, weightDecay: 5e-4 },
  resnet_v1: { head: "logits", preprocessing: VGG_PREPROCESSING, weightDecay: 1e-4 },
  // TF-Slim trained ResNet-V2 with Inception preprocessing.
  resnet_v2: { head: "logits", preprocessing: INCEPTION_PREPROCESSING, weightDecay: 1e-4 },
  inception: { head: "Logits", preprocessing: INCEPTION_PREPROCESSING, weightDecay: 4e-5 },
  mobilenet: { head: "Logits", preprocessing: INCEPTION_PREPROCESSING, weightDecay: 4e-5 },
};

/** The head scope, preprocessing and weight decay of a model of `family`, options first. */
export function familyParts(
  family: Family,
  scope: string,
  options: { preprocessing?: Preprocessing; weightDecay?: number },
): { headScope: string; preprocessing: Preprocessing; weightDecay: number } {
  const d = FAMILIES[family];
  return {
    headScope: `${scope}/${d.head}`,
    preprocessing: options.preprocessing ?? d.preprocessing,
    weightDecay: options.weightDecay ?? d.weightDecay,
  };
}
