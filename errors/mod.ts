/**
 * Graft's one error family: {@linkcode GraftError} and the {@linkcode Problem}s it carries. Every
 * error a user can cause (`SpecError`, `ShapeError`, `ConfigError`, `DataError`, `WeightsError`,
 * `TrainError`) extends it.
 *
 * @example
 * ```ts
 * import { GraftError } from "@graft/graft/errors";
 * const err = new GraftError("Invalid flag --epochs: expected an integer >= 1, received 0", [
 *   { step: "read flags", path: "--epochs", expected: "an integer >= 1", received: "0" },
 * ]);
 * console.log(err.exitCode); // 2
 * ```
 *
 * @module
 */
export * from "./graft_error.ts";
export * from "./problem.ts";
