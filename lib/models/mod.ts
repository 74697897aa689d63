/**
 * The model zoo: TF-Slim-named VGG (and, later, ResNet) networks built from
 * configuration tables, plus the layer and variable pieces they are made of.
 *
 * @module
 */
export * from "./layers.ts";
export * from "./model.ts";
export * from "./variables.ts";
export * from "./vgg.ts";
export * from "./resnet.ts";
export * from "./zoo.ts";
