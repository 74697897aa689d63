/**
 * Data loading: datasets in their official formats, downloads, batching,
 * preprocessing and augmentation.
 *
 * @module
 */
export * from "./batches.ts";
export * from "./cifar.ts";
export * from "./dataset.ts";
export * from "./download.ts";
export * from "./fashion_mnist.ts";
export * from "./idx.ts";
export * from "./image_folder.ts";
export * from "./pickle.ts";
export * from "./preprocess.ts";
export * from "./split.ts";
export * from "./tar.ts";
export * from "./resolve.ts";
