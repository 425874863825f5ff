/**
 * The one error family for reading, converting and loading weight files.
 *
 * @module
 */
import { GraftError } from "../errors/graft_error.ts";
import { problemOf } from "../errors/problem.ts";

/**
 * Raised when a weight file cannot be read, converted or loaded. Carries every problem found,
 * and names the file (or `source`) the problems come from.
 *
 * @example Catch a bad file
 * ```ts
 * import { decodeSafetensors, WeightsError } from "@graft/graft/weights";
 * try {
 *   decodeSafetensors(new Uint8Array(3), "broken.safetensors");
 * } catch (e) {
 *   if (e instanceof WeightsError) console.log(e.details);
 * }
 * ```
 */
export class WeightsError extends GraftError {
  /** The file or source name the problems refer to. */
  readonly source: string;
  /** Every problem found as written, each a short sentence without a final period. */
  readonly details: readonly string[];

  /**
   * Creates the error; the message reads `<action>: <source>: <problem>` (or a list).
   *
   * @param action What Graft was trying to do, e.g. "Cannot read safetensors file".
   * @param source The file name or a label for the bytes.
   * @param problems One or more problems.
   */
  constructor(action: string, source: string, problems: readonly string[]) {
    const detail = problems.length === 1
      ? `${source}: ${problems[0]}`
      : `${source}: ${problems.length} problems:\n  - ${problems.join("\n  - ")}`;
    super(`${action}: ${detail}`, problems.map((p) => problemOf(action, source, p)), 2);
    this.name = "WeightsError";
    this.source = source;
    this.details = Object.freeze([...problems]);
  }
}
