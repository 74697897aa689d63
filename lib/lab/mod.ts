/**
 * Helpers for the lab notebooks: quick-mode stand-ins, required files,
 * architecture arithmetic.
 *
 * @module
 */
export * from "./architecture.ts";
export * from "./quick.ts";
export * from "./require_file.ts";
