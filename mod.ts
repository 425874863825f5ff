/**
 * Graft: adapt existing neural networks with a typed, fluent DSL, compile them to
 * TensorFlow.js, and train them.
 *
 * @example
 * ```ts
 * import { useBackend } from "@graft/graft";
 * await useBackend("cpu");
 * ```
 *
 * @module
 */
export * from "./errors/mod.ts";
export * from "./backends/mod.ts";
export * from "./dsl/mod.ts";
export * from "./compile/mod.ts";
export * from "./weights/mod.ts";
export * from "./data/mod.ts";
export * from "./train/mod.ts";
