import { type ExitCode, GraftError } from "../../errors/graft_error.ts";
import { problemOf } from "../../errors/problem.ts";

/**
 * An error of the PyTorch engine: Python or PyTorch missing, a job it refused, a worker that
 * died, or a failure it reported (a NaN loss, a checkpoint of another run). The message names
 * the step and each problem; exit code 2 for bad input, 1 for a run that failed.
 *
 * @example
 * ```ts
 * import { EngineError } from "@graft/graft/engines/torch";
 * const err = new EngineError("Cannot start the torch engine", ["/usr/bin/python3 not found"]);
 * console.log(err.message); // "Cannot start the torch engine: /usr/bin/python3 not found"
 * ```
 */
export class EngineError extends GraftError {
  /** Each problem as written. */
  readonly details: readonly string[];

  /** `summary` leads the message, the problems follow after a colon. */
  constructor(summary: string, problems: readonly string[], exitCode: ExitCode = 2) {
    super(
      `${summary}: ${problems.join("; ")}`,
      problems.map((p) => problemOf(summary, "", p)),
      exitCode,
    );
    this.name = "EngineError";
    this.details = problems;
  }
}
