/**
 * Architecture arithmetic for the VGG exercise, computed from the same
 * configuration table the builder uses: parameter counts without allocating
 * weights, and receptive fields of stacked convolutions.
 *
 * @module
 */
import {
  buildModel,
  forwardFlops,
  inScope,
  type PretrainedCheckpoint,
  VGG_CONFIGS,
  vggLayerPlan,
  type VggSpec,
  zooDefaults,
} from "../models/mod.ts";

/** Parameters of a VGG configuration at an input size and class count, from the builder's own plan. */
export function vggParameters(
  config: string | VggSpec,
  options: { inputSize?: number; numClasses?: number } = {},
): {
  config: string;
  weightLayers: number;
  conv: number;
  fc: number;
  total: number;
  /** Receptive field of the last pooling output, pixels. */
  receptiveField: number;
} {
  const spec = typeof config === "string" ? VGG_CONFIGS[config] : config;
  if (!spec) throw new Error(`unknown VGG configuration '${config}'`);
  let conv = 0, fc = 0, weightLayers = 0;
  for (const l of vggLayerPlan(spec, options)) {
    if (l.kind !== "conv") continue;
    const n = l.kernel * l.kernel * l.inChannels * l.outChannels + l.outChannels;
    if (/\/fc\d$/.test(l.name)) fc += n;
    else conv += n;
    weightLayers++;
  }
  return {
    config: spec.scope,
    weightLayers,
    conv,
    fc,
    total: conv + fc,
    receptiveField: vggReceptiveField(spec),
  };
}

/**
 * Receptive field (in input pixels) of a VGG configuration's last pooling
 * output, from its plan: each k×k stride-1 conv adds (k−1)·jump, each 2×2
 * stride-2 pool adds jump and doubles it (VGG-16: 212).
 */
export function vggReceptiveField(config: string | VggSpec): number {
  const spec = typeof config === "string" ? VGG_CONFIGS[config] : config;
  if (!spec) throw new Error(`unknown VGG configuration '${config}'`);
  let field = 1, jump = 1;
  for (const l of vggLayerPlan(spec, { inputSize: 224 })) {
    if (l.kind === "conv" && /\/fc\d$/.test(l.name)) break;
    if (l.kind === "conv") field += (l.kernel - 1) * jump;
    if (l.kind === "pool") field += jump, jump *= 2;
  }
  return field;
}

/** Receptive field of `n` stacked k×k stride-1 convolutions: n·(k−1)+1. */
export function stackedReceptiveField(n: number, k = 3): number {
  return n * (k - 1) + 1;
}

/** Weights of `n` stacked k×k convs with C channels in and out (no biases), vs one conv of the same field. */
export function stackVsSingle(
  n: number,
  channels: number,
  k = 3,
): { field: number; stacked: number; single: number } {
  const field = stackedReceptiveField(n, k);
  return {
    field,
    stacked: n * k * k * channels * channels,
    single: field * field * channels * channels,
  };
}

/** One row of {@linkcode zooSummary}. */
export interface ZooRow {
  /** Zoo name. */
  name: string;
  /**
   * Trainable parameters of the inference network at the checkpoint's
   * classes (BatchNorm statistics and training-only heads such as
   * Inception-V3's `AuxLogits` not counted, as papers count).
   */
  parameters: number;
  /** Forward multiply-adds for one image at `inputSize`. */
  multiplyAdds: number;
  /** Layers with weights (convolutions, depthwise ones included, and fc layers). */
  weightLayers: number;
  /** Native input size (the checkpoint's, else 224). */
  inputSize: number;
  /** Classes of the published checkpoint (1000 where none is published). */
  classes: number;
  /** The TF-Slim checkpoint, if one is published. */
  checkpoint?: PretrainedCheckpoint;
}

/**
 * Builds each model at its native size and counts what the lecture compares:
 * parameters, multiply-adds, depth (layers with weights).
 */
export async function zooSummary(names: string[]): Promise<ZooRow[]> {
  const rows: ZooRow[] = [];
  for (const name of names) {
    const { checkpoint, nativeSize: inputSize, classes } = zooDefaults(name);
    const model = buildModel(name, { numClasses: classes, inputSize });
    try {
      const aux = model.auxiliary?.scope;
      const used = model.store.list().filter((v) => !aux || !inScope(v.name, aux));
      const weights = used.filter((v) => /\/(depthwise_)?weights$/.test(v.name));
      rows.push({
        name,
        parameters: used.filter((v) => !v.isStatistic).reduce((n, v) => n + v.variable.size, 0),
        multiplyAdds: (await forwardFlops(model)) / 2,
        weightLayers: weights.length,
        inputSize,
        classes,
        checkpoint,
      });
    } finally {
      model.store.dispose();
    }
  }
  return rows;
}
