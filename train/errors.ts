import { type ExitCode, GraftError } from "../errors/graft_error.ts";
import { problemOf } from "../errors/problem.ts";

/**
 * Every error from training, evaluation and checkpoints: carries all the problems found (bad
 * options, a loss that turned NaN, an unreadable checkpoint), each a full sentence fragment.
 *
 * @example
 * ```ts
 * import { TrainError } from "@graft/graft/train";
 * const err = new TrainError("Cannot train", ["epochs must be a positive integer, got 0"]);
 * console.log(err.message); // "Cannot train: epochs must be a positive integer, got 0"
 * ```
 */
export class TrainError extends GraftError {
  /** Each problem found as written. */
  readonly details: readonly string[];

  /**
   * `summary` leads the message (no final period), the problems follow after a colon. The exit
   * code is 2 (bad options or checkpoint) unless `exitCode` says the run itself failed (1).
   */
  constructor(summary: string, problems: readonly string[], exitCode: ExitCode = 2) {
    super(
      `${summary}: ${problems.join("; ")}`,
      problems.map((p) => problemOf(summary, "", p)),
      exitCode,
    );
    this.name = "TrainError";
    this.details = problems;
  }
}
