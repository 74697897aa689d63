/**
 * The structure of a zoo network, as data: what the builders build from and
 * what exporters (TF.js) rebuild elsewhere.
 *
 * @module
 */

/** One step of a VGG network, as `vggLayerPlan` lists them. */
export type VggLayer =
  | {
    kind: "conv";
    /** Variable scope, e.g. `vgg_16/conv1/conv1_1` or `vgg_16/fc6`. */
    name: string;
    kernel: number;
    inChannels: number;
    outChannels: number;
    padding: "SAME" | "VALID";
    relu: boolean;
  }
  | { kind: "lrn" }
  | { kind: "pool" }
  | { kind: "dropout"; index: number };

/** One block: bottleneck width, unit count and the stride of its last unit. */
export interface ResnetBlockSpec {
  /** Bottleneck width (the unit's output is 4×). */
  baseDepth: number;
  /** Units in the block. */
  units: number;
  /** Stride of the block's last unit. */
  stride: number;
}

/** The structure of a zoo network: VGG's layer plan, or ResNet-V1's blocks. */
export type Architecture =
  | { kind: "vgg"; plan: VggLayer[] }
  | { kind: "resnet_v1"; blocks: ResnetBlockSpec[] };
