/**
 * Weight files and restoring them into models by name.
 *
 * @module
 */
export * from "./restore.ts";
export * from "./source.ts";
