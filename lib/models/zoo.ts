/**
 * The zoo as a registry: each name (the TF-Slim scope) → its builder and its
 * family, whose defaults (head scope, preprocessing, weight decay) live in
 * `families.ts`, and the native size and label offset of its published
 * checkpoint. Scripts, sweeps and the lab look models up here.
 *
 * @module
 */
import type { Preprocessing } from "../data/mod.ts";
import type { Model } from "./model.ts";
import { buildAlexnetV2 } from "./alexnet.ts";
import { FAMILIES, type Family } from "./families.ts";
import { buildInceptionV1 } from "./inception_v1.ts";
import { buildInceptionV2 } from "./inception_v2.ts";
import { buildInceptionV3 } from "./inception_v3.ts";
import { buildMobilenetV1, MOBILENET_V1_MULTIPLIERS } from "./mobilenet_v1.ts";
import { buildMobilenetV2, MOBILENET_V2_MULTIPLIERS } from "./mobilenet_v2.ts";
import { PRETRAINED, type PretrainedCheckpoint } from "./pretrained.ts";
import { buildResnetV1, RESNET_V1_CONFIGS } from "./resnet.ts";
import { buildResnetV2, RESNET_V2_CONFIGS } from "./resnet_v2.ts";
import { buildVgg, VGG_CONFIGS } from "./vgg.ts";

/** Options of {@linkcode buildModel}. */
export interface ZooOptions {
  /** Output classes. */
  numClasses: number;
  /** Input height and width. */
  inputSize: number;
  /** Seed of the initial values; default 0. */
  seed?: number;
  /** Input preprocessing; default the family's. */
  preprocessing?: Preprocessing;
}

/** One model of the zoo. */
export interface ZooEntry {
  /** The family whose defaults it takes. */
  family: Family;
  /** Builds it. */
  build: (options: ZooOptions) => Model;
}

const entries: [string, ZooEntry][] = [
  ["alexnet_v2", { family: "alexnet", build: buildAlexnetV2 }],
  ["inception_v1", { family: "inception", build: buildInceptionV1 }],
  ["inception_v2", { family: "inception", build: buildInceptionV2 }],
  ["inception_v3", { family: "inception", build: buildInceptionV3 }],
  ...Object.entries(VGG_CONFIGS).map(([key, spec]): [string, ZooEntry] => [
    spec.scope,
    { family: "vgg", build: (o) => buildVgg(key, o) },
  ]),
  ...Object.keys(RESNET_V1_CONFIGS).map((name): [string, ZooEntry] => [
    name,
    { family: "resnet_v1", build: (o) => buildResnetV1(name, o) },
  ]),
  ...Object.keys(RESNET_V2_CONFIGS).map((name): [string, ZooEntry] => [
    name,
    { family: "resnet_v2", build: (o) => buildResnetV2(name, o) },
  ]),
  ...Object.entries(MOBILENET_V1_MULTIPLIERS).map(([name, m]): [string, ZooEntry] => [
    name,
    { family: "mobilenet", build: (o) => buildMobilenetV1({ ...o, depthMultiplier: m }) },
  ]),
  ...Object.entries(MOBILENET_V2_MULTIPLIERS).map(([name, m]): [string, ZooEntry] => [
    name,
    { family: "mobilenet", build: (o) => buildMobilenetV2({ ...o, depthMultiplier: m }) },
  ]),
];

/** Name → entry: every model {@linkcode buildModel} accepts. */
export const ZOO: ReadonlyMap<string, ZooEntry> = new Map(entries);

/** Every model name {@linkcode buildModel} accepts. */
export const MODEL_NAMES: string[] = [...ZOO.keys()];

function entry(name: string): ZooEntry {
  const e = ZOO.get(name);
  if (!e) throw new Error(`unknown model '${name}': expected one of ${MODEL_NAMES.join(", ")}`);
  return e;
}

/** What a zoo model is by default: its family's defaults and its checkpoint's. */
export interface ZooDefaults {
  /** The family. */
  family: Family;
  /** The head's scope (`vgg_16/fc8`). */
  headScope: string;
  /** The preprocessing its published weights go with. */
  preprocessing: Preprocessing;
  /** TF-Slim's weight decay for the family. */
  weightDecay: number;
  /** The input size its checkpoint was evaluated at (224 where none is published). */
  nativeSize: number;
  /** Classes of the published checkpoint (1000 where none is published). */
  classes: number;
  /** 1 where the checkpoint has a background class first (1001 classes), else 0. */
  labelsOffset: 0 | 1;
  /** TF-Slim's checkpoint, if one is published. */
  checkpoint?: PretrainedCheckpoint;
}

/** The defaults of model `name`, from its family and its published checkpoint. */
export function zooDefaults(name: string): ZooDefaults {
  const { family } = entry(name);
  const f = FAMILIES[family];
  const checkpoint = PRETRAINED[name];
  const classes = checkpoint?.classes ?? 1000;
  return {
    family,
    // Model scopes are the zoo names, except the Inceptions and MobileNets (TF-Slim's CamelCase).
    headScope: `${scopeOf(name)}/${f.head}`,
    preprocessing: f.preprocessing,
    weightDecay: f.weightDecay,
    nativeSize: checkpoint?.inputSize ?? 224,
    classes,
    labelsOffset: classes === 1001 ? 1 : 0,
    checkpoint,
  };
}

function scopeOf(name: string): string {
  const m = /^inception_(v\d)$/.exec(name);
  if (m) return `Inception${m[1].toUpperCase()}`;
  if (/^mobilenet_v1/.test(name)) return "MobilenetV1";
  if (/^mobilenet_v2/.test(name)) return "MobilenetV2";
  return name;
}

/** Builds a model by name (`vgg_16`, `resnet_v1_50`, `small_vgg`, ...). */
export function buildModel(name: string, options: ZooOptions): Model {
  return entry(name).build(options);
}
