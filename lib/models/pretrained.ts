/**
 * TF-Slim's table of pretrained ImageNet checkpoints, for the models of the
 * zoo that have one: the archive, the checkpoint inside it, the input size
 * it was evaluated at, its classes (1001 = a background class first, see
 * `labelsOffset`) and the preprocessing it was trained with.
 *
 * @module
 */

/** One row of TF-Slim's checkpoint table. */
export interface PretrainedCheckpoint {
  /** The archive TF-Slim publishes (`download.tensorflow.org/models/...`). */
  archive: string;
  /** Where TF-Slim's README links it. */
  url: string;
  /** The checkpoint (prefix) inside it. */
  checkpoint: string;
  /** Input size of the published evaluation. */
  inputSize: number;
  /** Output classes: 1000, or 1001 with "background" as class 0. */
  classes: 1000 | 1001;
  /** `vgg` (ImageNet means subtracted) or `inception` (scaled to [-1, 1]). */
  preprocessing: "vgg" | "inception";
}

// TF-Slim's README links most archives under one folder; the MobileNets have their own.
function urlOf(archive: string): string {
  if (archive.startsWith("mobilenet_v1_")) {
    return `http://download.tensorflow.org/models/mobilenet_v1_2018_08_02/${archive}`;
  }
  if (archive.startsWith("mobilenet_v2_")) {
    return `https://storage.googleapis.com/mobilenet_v2/checkpoints/${archive}`;
  }
  return `http://download.tensorflow.org/models/${archive}`;
}

const row = (
  archive: string,
  checkpoint: string,
  inputSize: number,
  classes: 1000 | 1001,
  preprocessing: "vgg" | "inception",
): PretrainedCheckpoint => ({
  archive,
  url: urlOf(archive),
  checkpoint,
  inputSize,
  classes,
  preprocessing,
});

/** Zoo name → its checkpoint in TF-Slim's table (models without one are absent). */
export const PRETRAINED: Record<string, PretrainedCheckpoint> = {
  inception_v1: row("inception_v1_2016_08_28.tar.gz", "inception_v1.ckpt", 224, 1001, "inception"),
  inception_v2: row("inception_v2_2016_08_28.tar.gz", "inception_v2.ckpt", 224, 1001, "inception"),
  inception_v3: row("inception_v3_2016_08_28.tar.gz", "inception_v3.ckpt", 299, 1001, "inception"),
  resnet_v1_50: row("resnet_v1_50_2016_08_28.tar.gz", "resnet_v1_50.ckpt", 224, 1000, "vgg"),
  resnet_v1_101: row("resnet_v1_101_2016_08_28.tar.gz", "resnet_v1_101.ckpt", 224, 1000, "vgg"),
  resnet_v1_152: row("resnet_v1_152_2016_08_28.tar.gz", "resnet_v1_152.ckpt", 224, 1000, "vgg"),
  // TF-Slim's README: ResNet-V2 was trained with Inception preprocessing, evaluated at 299.
  resnet_v2_50: row("resnet_v2_50_2017_04_14.tar.gz", "resnet_v2_50.ckpt", 299, 1001, "inception"),
  resnet_v2_101: row(
    "resnet_v2_101_2017_04_14.tar.gz",
    "resnet_v2_101.ckpt",
    299,
    1001,
    "inception",
  ),
  resnet_v2_152: row(
    "resnet_v2_152_2017_04_14.tar.gz",
    "resnet_v2_152.ckpt",
    299,
    1001,
    "inception",
  ),
  vgg_16: row("vgg_16_2016_08_28.tar.gz", "vgg_16.ckpt", 224, 1000, "vgg"),
  vgg_19: row("vgg_19_2016_08_28.tar.gz", "vgg_19.ckpt", 224, 1000, "vgg"),
  mobilenet_v1: row(
    "mobilenet_v1_1.0_224.tgz",
    "mobilenet_v1_1.0_224.ckpt",
    224,
    1001,
    "inception",
  ),
  mobilenet_v1_075: row(
    "mobilenet_v1_0.75_224.tgz",
    "mobilenet_v1_0.75_224.ckpt",
    224,
    1001,
    "inception",
  ),
  mobilenet_v1_050: row(
    "mobilenet_v1_0.5_224.tgz",
    "mobilenet_v1_0.5_224.ckpt",
    224,
    1001,
    "inception",
  ),
  mobilenet_v1_025: row(
    "mobilenet_v1_0.25_224.tgz",
    "mobilenet_v1_0.25_224.ckpt",
    224,
    1001,
    "inception",
  ),
  mobilenet_v2: row(
    "mobilenet_v2_1.0_224.tgz",
    "mobilenet_v2_1.0_224.ckpt",
    224,
    1001,
    "inception",
  ),
  mobilenet_v2_140: row(
    "mobilenet_v2_1.4_224.tgz",
    "mobilenet_v2_1.4_224.ckpt",
    224,
    1001,
    "inception",
  ),
};
