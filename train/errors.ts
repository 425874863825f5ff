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
export class TrainError extends Error {
  /** Each problem found. */
  readonly problems: readonly string[];

  /** `summary` leads the message (no final period), the problems follow after a colon. */
  constructor(summary: string, problems: readonly string[]) {
    super(`${summary}: ${problems.join("; ")}`);
    this.name = "TrainError";
    this.problems = problems;
  }
}
